//! The event service on the test cluster: nodes running EVT behind
//! their service managers, an agreed-order network and virtual time.

use sa_abi::ais::{
    SA_AIS_ERR_ACCESS, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_EXIST, SA_AIS_ERR_NOT_EXIST, SA_AIS_OK,
};
use sa_abi::evt::SA_EVT_EVENTID_LOST;
use sa_ipc::frame::Frame;
use sa_ipc::proto::evt::{
    kind, open_flags, Attributes, ChannelClose, ChannelOpen, ChannelUnlink, Delivered, Filter,
    FilterKind, OpenCallback, OpenReply, Publish, PublishReply, Pull, Pulled, RetentionClear,
    Subscribe, Unsubscribe,
};
use sa_ipc::proto::{service, Message, Payload};
use sa_ipc::Name;

use super::Evt;
use crate::config::EventConfig;
use crate::ordering::NodeId;
use crate::service::testing::{test_env, TestCluster};
use crate::service::Service;
use crate::services::ServiceEnv;

const ALL: u8 = open_flags::ALL;

fn evt_only(env: &ServiceEnv) -> Vec<Box<dyn Service>> {
    vec![Box::new(Evt::new(env))]
}

/// Nodes `ids` in one ring.
fn cluster(ids: &[NodeId]) -> TestCluster {
    let mut c = TestCluster::with_services(ids, evt_only);
    c.partition(&[ids]);
    c
}

/// Node `id`'s EVT state.
fn evt(c: &TestCluster, id: NodeId) -> &Evt {
    c.peek(id).manager.service::<Evt>().expect("EVT runs")
}

/// Sends a request; returns the response if it came at once.
fn request<M: Message>(c: &mut TestCluster, node: NodeId, conn: u64, msg: &M) -> Option<Frame> {
    let seq = c.send(node, conn, msg);
    c.response(node, seq)
}

/// Sends a request answered on delivery; returns the answer.
fn deferred<M: Message>(c: &mut TestCluster, node: NodeId, conn: u64, msg: &M) -> Frame {
    let seq = c.send(node, conn, msg);
    assert!(c.response(node, seq).is_none(), "answered on delivery");
    c.run();
    c.response(node, seq).expect("answered")
}

fn connect(c: &mut TestCluster, node: NodeId, conn: u64) {
    c.open(node, service::EVT, conn, 1);
}

fn disconnect(c: &mut TestCluster, node: NodeId, conn: u64) {
    c.close(node, service::EVT, conn);
}

/// Every event queued for `conn`, pulled the way the library does.
fn pull_all(c: &mut TestCluster, node: NodeId, conn: u64) -> Vec<Delivered> {
    let mut out = Vec::new();
    loop {
        let f = request(c, node, conn, &Pull { max: 3 }).expect("pull answered");
        if f.error != SA_AIS_OK {
            assert_eq!(f.error, SA_AIS_ERR_NOT_EXIST);
            return out;
        }
        out.extend(Pulled::from_payload(&f.payload).unwrap().events);
    }
}

fn name(s: &str) -> Name {
    Name::try_from(s).unwrap()
}

/// Opens `channel` on `node` for `conn`; returns the opening id.
fn open(
    c: &mut TestCluster,
    node: NodeId,
    conn: u64,
    channel: &str,
    flags: u8,
) -> Result<u32, u32> {
    let req = ChannelOpen {
        name: name(channel),
        flags,
        invocation: None,
    };
    let f = deferred(c, node, conn, &req);
    match f.error {
        SA_AIS_OK => Ok(OpenReply::from_payload(&f.payload).unwrap().open_id),
        e => Err(e),
    }
}

fn subscribe(
    c: &mut TestCluster,
    node: NodeId,
    conn: u64,
    open_id: u32,
    sub: u32,
    filters: Vec<Filter>,
) -> u32 {
    let req = Subscribe {
        open_id,
        subscription_id: sub,
        filters,
    };
    request(c, node, conn, &req)
        .expect("answered at once")
        .error
}

fn pass_all() -> Vec<Filter> {
    vec![Filter {
        kind: FilterKind::PassAll,
        pattern: Vec::new(),
    }]
}

fn publish(
    c: &mut TestCluster,
    node: NodeId,
    conn: u64,
    open_id: u32,
    pattern: &str,
    retention: i64,
    data: &str,
) -> Result<u64, u32> {
    let req = Publish {
        open_id,
        attributes: Attributes {
            patterns: vec![pattern.as_bytes().to_vec()],
            priority: 2,
            retention,
            publisher: name("tester"),
        },
        data: data.as_bytes().to_vec(),
    };
    let seq = c.send(node, conn, &req);
    if let Some(f) = c.response(node, seq) {
        return Err(f.error);
    }
    c.run();
    let f = c.response(node, seq).expect("publish answered");
    match f.error {
        SA_AIS_OK => Ok(PublishReply::from_payload(&f.payload).unwrap().event_id),
        e => Err(e),
    }
}

fn data(events: &[Delivered]) -> Vec<String> {
    events
        .iter()
        .map(|d| String::from_utf8_lossy(&d.event.data).into_owned())
        .collect()
}

#[test]
fn published_events_reach_every_node_in_one_order() {
    let c = &mut cluster(&[1, 2]);
    let pa = open(c, 1, 10, "chan", ALL).unwrap();
    let sa = open(c, 1, 11, "chan", open_flags::SUBSCRIBER).unwrap();
    let sb = open(c, 2, 20, "chan", open_flags::SUBSCRIBER).unwrap();
    assert_eq!(subscribe(c, 1, 11, sa, 1, pass_all()), SA_AIS_OK);
    assert_eq!(subscribe(c, 2, 20, sb, 2, pass_all()), SA_AIS_OK);
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(publish(c, 1, 10, pa, "p", 0, &format!("e{i}")).unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 5, "distinct event ids");
    assert!(
        ids.iter().all(|id| id >> 32 == 1),
        "the publisher's node id"
    );
    // one notification until pulled
    assert_eq!(c.callbacks(1, 11).len(), 1);
    assert_eq!(c.callbacks(2, 20).len(), 1);
    let on_a = pull_all(c, 1, 11);
    let on_b = pull_all(c, 2, 20);
    assert_eq!(data(&on_a), ["e0", "e1", "e2", "e3", "e4"]);
    assert_eq!(data(&on_b), data(&on_a));
    let ids_a: Vec<u64> = on_a.iter().map(|d| d.event.event_id).collect();
    let ids_b: Vec<u64> = on_b.iter().map(|d| d.event.event_id).collect();
    assert_eq!(ids_a, ids);
    assert_eq!(ids_b, ids);
    assert_eq!(on_b[0].subscription_id, 2);
    assert_eq!(on_b[0].event.attributes.publisher, name("tester"));
    // the publisher's opening has no subscription: nothing for it
    assert!(pull_all(c, 1, 10).is_empty());
}

#[test]
fn open_flags_are_enforced() {
    let c = &mut cluster(&[1, 2]);
    assert_eq!(
        open(c, 1, 10, "x", open_flags::PUBLISHER),
        Err(SA_AIS_ERR_NOT_EXIST)
    );
    let create = open(c, 1, 10, "x", open_flags::CREATE).unwrap();
    let sub = open(c, 2, 20, "x", open_flags::SUBSCRIBER).unwrap();
    let publ = open(c, 2, 20, "x", open_flags::PUBLISHER).unwrap();
    assert_eq!(
        publish(c, 1, 10, create, "p", 0, "no"),
        Err(SA_AIS_ERR_ACCESS)
    );
    assert_eq!(subscribe(c, 2, 20, publ, 1, pass_all()), SA_AIS_ERR_ACCESS);
    assert_eq!(subscribe(c, 2, 20, sub, 1, pass_all()), SA_AIS_OK);
    assert_eq!(subscribe(c, 2, 20, sub, 1, pass_all()), SA_AIS_ERR_EXIST);
    assert!(publish(c, 2, 20, publ, "p", 0, "yes").is_ok());
    assert_eq!(data(&pull_all(c, 2, 20)), ["yes"]);
    // unknown opening
    assert_eq!(
        publish(c, 2, 20, 999, "p", 0, "no"),
        Err(SA_AIS_ERR_BAD_HANDLE)
    );
    let bad = request(
        c,
        1,
        10,
        &ChannelOpen {
            name: name("x"),
            flags: 0x40,
            invocation: None,
        },
    )
    .unwrap();
    assert_eq!(bad.error, sa_abi::ais::SA_AIS_ERR_BAD_FLAGS);
}

#[test]
fn unlink_keeps_existing_openings_and_frees_the_name() {
    let c = &mut cluster(&[1, 2]);
    let old = open(c, 1, 10, "u", ALL).unwrap();
    assert_eq!(subscribe(c, 1, 10, old, 1, pass_all()), SA_AIS_OK);
    let f = deferred(c, 2, 20, &ChannelUnlink { name: name("u") });
    assert_eq!(f.error, SA_AIS_OK);
    assert_eq!(
        open(c, 2, 20, "u", open_flags::SUBSCRIBER),
        Err(SA_AIS_ERR_NOT_EXIST)
    );
    // a new channel of the same name, unrelated to the old one
    let new = open(c, 2, 20, "u", ALL).unwrap();
    assert_eq!(subscribe(c, 2, 20, new, 2, pass_all()), SA_AIS_OK);
    publish(c, 1, 10, old, "p", 0, "old").unwrap();
    publish(c, 2, 20, new, "p", 0, "new").unwrap();
    assert_eq!(data(&pull_all(c, 1, 10)), ["old"]);
    assert_eq!(data(&pull_all(c, 2, 20)), ["new"]);
    // the old channel goes with its last opening, on every node
    let f = deferred(c, 1, 10, &ChannelClose { open_id: old });
    assert_eq!(f.error, SA_AIS_OK);
    assert_eq!(evt(c, 1).channels.len(), 1);
    assert_eq!(evt(c, 2).channels.len(), 1);
}

#[test]
fn retained_events_reach_late_subscribers_until_cleared() {
    let c = &mut cluster(&[1, 2]);
    let pa = open(c, 1, 10, "r", ALL).unwrap();
    let id = publish(c, 1, 10, pa, "kept", 60_000_000_000, "retained").unwrap();
    publish(c, 1, 10, pa, "gone", 0, "not retained").unwrap();
    let sb = open(c, 2, 20, "r", open_flags::SUBSCRIBER).unwrap();
    assert_eq!(subscribe(c, 2, 20, sb, 1, pass_all()), SA_AIS_OK);
    let got = pull_all(c, 2, 20);
    assert_eq!(data(&got), ["retained"]);
    assert_eq!(got[0].event.event_id, id);
    // once per opening
    assert_eq!(subscribe(c, 2, 20, sb, 2, pass_all()), SA_AIS_OK);
    assert!(pull_all(c, 2, 20).is_empty());
    // cleared from node b, on every node
    let clear = RetentionClear {
        open_id: sb,
        event_id: id,
    };
    assert_eq!(deferred(c, 2, 20, &clear).error, SA_AIS_OK);
    assert!(evt(c, 1).retained.is_empty() && evt(c, 2).retained.is_empty());
    assert_eq!(deferred(c, 2, 20, &clear).error, SA_AIS_ERR_NOT_EXIST);
}

#[test]
fn expiry_is_noticed_by_the_lowest_member_and_applied_everywhere() {
    let c = &mut cluster(&[1, 2]);
    let pa = open(c, 2, 20, "e", ALL).unwrap();
    publish(c, 2, 20, pa, "short", 1, "x").unwrap();
    assert_eq!(evt(c, 1).retained.len(), 1);
    // node 2 is not the lowest member: it waits past the expiry
    c.fire_timers(2, 1);
    assert!(c.node(2).wire.sent.is_empty());
    assert!(c.node(2).manager.next_timer().is_some());
    // node 1 is: it multicasts the notice, every node applies it
    c.fire_timers(1, 0);
    assert_eq!(c.node(1).wire.sent.len(), 1);
    // a duplicate (node 2's backup notice) changes nothing
    let dup = c.node(1).wire.sent[0].clone();
    c.node(2).wire.sent.push(dup);
    c.run();
    assert!(evt(c, 1).retained.is_empty() && evt(c, 2).retained.is_empty());
    assert!(c.node(1).manager.next_timer().is_none());
}

#[test]
fn a_closed_connection_loses_its_openings_everywhere() {
    let c = &mut cluster(&[1, 2]);
    connect(c, 2, 20);
    let ob = open(c, 2, 20, "c", ALL).unwrap();
    open(c, 1, 10, "c", ALL).unwrap();
    deferred(c, 1, 10, &ChannelUnlink { name: name("c") });
    assert_eq!(evt(c, 1).channels.len(), 1);
    assert_eq!(subscribe(c, 2, 20, ob, 1, pass_all()), SA_AIS_OK);
    disconnect(c, 2, 20);
    c.run();
    let ch = evt(c, 1).channels.iter().next().unwrap();
    assert_eq!(ch.opens.len(), 1, "node 2's opening went");
    disconnect(c, 1, 10);
    c.run();
    assert!(evt(c, 1).channels.is_empty() && evt(c, 2).channels.is_empty());
}

#[test]
fn asynchronous_open_answers_with_a_callback() {
    let c = &mut cluster(&[1, 2]);
    for (name_, flags, want) in [
        ("m", open_flags::SUBSCRIBER, SA_AIS_ERR_NOT_EXIST),
        ("m", ALL, SA_AIS_OK),
    ] {
        let req = ChannelOpen {
            name: name(name_),
            flags,
            invocation: Some(0xfeed),
        };
        assert_eq!(request(c, 1, 10, &req).unwrap().error, SA_AIS_OK);
        c.run();
        let cbs = c.callbacks(1, 10);
        assert_eq!(cbs.len(), 1);
        assert_eq!(cbs[0].kind, kind::OPEN_CALLBACK);
        assert_eq!(cbs[0].error, want);
        assert_eq!(
            OpenCallback::from_payload(&cbs[0].payload)
                .unwrap()
                .invocation,
            0xfeed
        );
    }
}

#[test]
fn a_full_queue_drops_and_reports_lost_events() {
    let mut env = test_env(1);
    env.config.event = EventConfig {
        delivery_queue_size: 3,
        delivery_queue_resume: 1,
    };
    let c = &mut TestCluster::with_envs(vec![env], evt_only);
    c.partition(&[&[1]]);
    let o = open(c, 1, 10, "q", ALL).unwrap();
    assert_eq!(subscribe(c, 1, 10, o, 4, pass_all()), SA_AIS_OK);
    for i in 0..5 {
        publish(c, 1, 10, o, "p", 0, &format!("e{i}")).unwrap();
    }
    let got = pull_all(c, 1, 10);
    assert_eq!(got.len(), 4);
    assert_eq!(got[0].event.event_id, SA_EVT_EVENTID_LOST);
    assert_eq!(got[0].subscription_id, 4);
    assert_eq!(got[0].event.data, b"2");
    assert_eq!(data(&got[1..]), ["e0", "e1", "e2"]);
}

#[test]
fn unsubscribe_drops_queued_events() {
    let c = &mut cluster(&[1]);
    let o = open(c, 1, 10, "s", ALL).unwrap();
    assert_eq!(subscribe(c, 1, 10, o, 1, pass_all()), SA_AIS_OK);
    publish(c, 1, 10, o, "p", 0, "queued").unwrap();
    let unsub = Unsubscribe {
        open_id: o,
        subscription_id: 1,
    };
    assert_eq!(request(c, 1, 10, &unsub).unwrap().error, SA_AIS_OK);
    assert_eq!(
        request(c, 1, 10, &unsub).unwrap().error,
        SA_AIS_ERR_NOT_EXIST
    );
    assert!(pull_all(c, 1, 10).is_empty());
}

#[test]
fn a_joining_node_gets_channels_retained_events_and_id_counters() {
    let c = &mut TestCluster::with_services(&[1, 2, 3], evt_only);
    c.partition(&[&[1, 2]]);
    let pa = open(c, 1, 10, "j", ALL).unwrap();
    let first = publish(c, 1, 10, pa, "kept", 60_000_000_000, "old").unwrap();
    c.partition(&[&[1, 2, 3]]);
    assert_eq!(evt(c, 3).channels.len(), 1);
    assert_eq!(evt(c, 3).retained.len(), 1);
    let sc = open(c, 3, 30, "j", open_flags::SUBSCRIBER).unwrap();
    assert_eq!(subscribe(c, 3, 30, sc, 1, pass_all()), SA_AIS_OK);
    assert_eq!(data(&pull_all(c, 3, 30)), ["old"]);
    // node 1 restarts: its counter continues where the cluster saw it
    c.restart(1);
    c.partition(&[&[1, 2, 3]]);
    let p2 = open(c, 1, 11, "j", ALL).unwrap();
    let next = publish(c, 1, 11, p2, "p", 0, "new").unwrap();
    assert!(next > first, "{next:#x} after {first:#x}");
}

#[test]
fn a_node_leaving_takes_its_openings_with_it() {
    let c = &mut cluster(&[1, 2]);
    open(c, 2, 20, "l", ALL).unwrap();
    deferred(c, 2, 20, &ChannelUnlink { name: name("l") });
    assert_eq!(evt(c, 1).channels.len(), 1, "still open on node 2");
    c.partition(&[&[1]]);
    assert!(evt(c, 1).channels.is_empty(), "unlinked, no opening left");
}

#[test]
fn partitions_with_the_same_channel_name_merge_into_one() {
    let c = &mut TestCluster::with_services(&[1, 2], evt_only);
    c.partition(&[&[1], &[2]]);
    let oa = open(c, 1, 10, "same", ALL).unwrap();
    let ob = open(c, 2, 20, "same", ALL).unwrap();
    publish(c, 1, 10, oa, "p", 60_000_000_000, "from a").unwrap();
    assert_ne!(
        evt(c, 1).channels.iter().next().unwrap().id,
        evt(c, 2).channels.iter().next().unwrap().id
    );
    c.partition(&[&[1, 2]]);
    assert_eq!(evt(c, 1).channels.len(), 1);
    assert_eq!(evt(c, 2).channels.len(), 1);
    let ch = evt(c, 1).channels.iter().next().unwrap().clone();
    assert_eq!(ch.opens.len(), 2);
    assert_eq!(&ch, evt(c, 2).channels.iter().next().unwrap());
    // b's opening now reaches a's subscribers and the retained event
    assert_eq!(subscribe(c, 2, 20, ob, 1, pass_all()), SA_AIS_OK);
    assert_eq!(data(&pull_all(c, 2, 20)), ["from a"]);
    assert_eq!(subscribe(c, 1, 10, oa, 1, pass_all()), SA_AIS_OK);
    pull_all(c, 1, 10);
    publish(c, 2, 20, ob, "p", 0, "from b").unwrap();
    assert_eq!(data(&pull_all(c, 1, 10)), ["from b"]);
}

#[test]
fn a_full_ordering_layer_delays_messages_without_losing_them() {
    let c = &mut cluster(&[1, 2]);
    open(c, 2, 20, "f", ALL).unwrap();
    c.node(2).wire.full = true;
    // a request is refused at once ...
    let f = request(c, 2, 20, &ChannelUnlink { name: name("f") }).unwrap();
    assert_eq!(f.error, sa_abi::ais::SA_AIS_ERR_TRY_AGAIN);
    // ... a connection's end waits in the outbox for the retry timer
    disconnect(c, 2, 20);
    assert!(c.node(2).wire.sent.is_empty());
    assert!(c.node(2).manager.next_timer().is_some());
    c.node(2).wire.full = false;
    c.advance(1_000_000_000);
    assert!(evt(c, 1).channels.iter().next().unwrap().opens.is_empty());
}

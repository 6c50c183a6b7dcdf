//! The event service on a simulated cluster: several nodes, each with
//! its own `Evt`, joined by an agreed-order "network" that delivers every
//! node's multicasts to every member in one order, and a sync driven the
//! way the service manager drives it (init, process, every member's
//! messages, activate).

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

use super::delivery::QueueLimits;
use super::{Evt, TIMER_EXPIRY, TIMER_OUTBOX};
use crate::ipc::{ConnId, PeerCred};
use crate::ordering::{NodeId, RingId};
use crate::service::exec_message;
use crate::service::testing::{Link, Wire};
use crate::service::timers::Timers;
use crate::service::{ConnInfo, Context, ExecMessage, Membership, Request, Service, SyncStep};

const ALL: u8 = open_flags::ALL;

struct Node {
    evt: Evt,
    wire: Wire,
    link: Link,
    timers: Timers,
}

impl Node {
    fn new(id: NodeId) -> Node {
        Node::with_limits(
            id,
            QueueLimits {
                size: 1000,
                resume: 500,
            },
        )
    }

    fn with_limits(id: NodeId, limits: QueueLimits) -> Node {
        Node {
            evt: Evt::with_limits(id, limits),
            wire: Wire {
                node: id,
                ..Wire::default()
            },
            link: Link::default(),
            timers: Timers::default(),
        }
    }

    fn id(&self) -> NodeId {
        self.wire.node
    }

    fn with_ctx<R>(&mut self, f: impl FnOnce(&mut Evt, &mut Context<'_>) -> R) -> R {
        let mut ctx = Context::with_timers(
            service::EVT,
            &mut self.wire,
            &mut self.link,
            &mut self.timers,
        );
        f(&mut self.evt, &mut ctx)
    }

    fn connect(&mut self, conn: u64) {
        let info = ConnInfo {
            conn: ConnId(conn),
            cred: PeerCred {
                pid: 1,
                uid: 0,
                gid: 0,
            },
        };
        self.with_ctx(|evt, ctx| evt.conn_init(ctx, &info));
    }

    fn disconnect(&mut self, conn: u64) {
        self.with_ctx(|evt, ctx| evt.conn_exit(ctx, ConnId(conn)));
    }

    /// Sends a request; returns the response if it came at once.
    fn request<M: Message>(&mut self, conn: u64, msg: &M) -> Option<Frame> {
        let payload = msg.to_payload();
        let req = Request {
            conn: ConnId(conn),
            kind: M::KIND,
            seq: 7,
            payload: &payload,
        };
        self.with_ctx(|evt, ctx| evt.lib_request(ctx, &req))
            .unwrap();
        self.take_response(conn)
    }

    fn take_response(&mut self, conn: u64) -> Option<Frame> {
        let i = self
            .link
            .responses
            .iter()
            .position(|(c, _)| *c == ConnId(conn))?;
        Some(self.link.responses.remove(i).1)
    }

    fn callbacks(&mut self, conn: u64) -> Vec<Frame> {
        let (mine, others) = std::mem::take(&mut self.link.callbacks)
            .into_iter()
            .partition(|(c, _)| *c == ConnId(conn));
        self.link.callbacks = others;
        mine.into_iter().map(|(_, f)| f).collect()
    }

    /// Every event queued for `conn`, pulled the way the library does.
    fn pull_all(&mut self, conn: u64) -> Vec<Delivered> {
        let mut out = Vec::new();
        loop {
            let f = self.request(conn, &Pull { max: 3 }).expect("pull answered");
            if f.error != SA_AIS_OK {
                assert_eq!(f.error, SA_AIS_ERR_NOT_EXIST);
                return out;
            }
            out.extend(Pulled::from_payload(&f.payload).unwrap().events);
        }
    }

    fn timer(&mut self, token: u64) {
        self.with_ctx(|evt, ctx| evt.timer(ctx, token));
    }
}

/// Delivers every message the nodes multicast, in node order, to every
/// node, until all is quiet.
fn settle(nodes: &mut [&mut Node]) {
    loop {
        let mut messages = Vec::new();
        for n in nodes.iter_mut() {
            let from = n.id();
            messages.extend(
                std::mem::take(&mut n.wire.sent)
                    .into_iter()
                    .map(|m| (from, m)),
            );
        }
        if messages.is_empty() {
            return;
        }
        for (from, m) in &messages {
            let (svc, kind, payload) = exec_message::decode(m).unwrap();
            assert_eq!(svc, service::EVT);
            let msg = ExecMessage {
                from: *from,
                kind,
                payload,
            };
            for n in nodes.iter_mut() {
                n.with_ctx(|evt, ctx| evt.exec_deliver(ctx, &msg)).unwrap();
            }
        }
    }
}

/// A regular configuration of `nodes` and its sync, as the manager runs it.
fn sync(nodes: &mut [&mut Node], seq: u64) {
    let mut members: Vec<NodeId> = nodes.iter().map(|n| n.id()).collect();
    members.sort_unstable();
    let membership = Membership {
        ring_id: RingId {
            rep: members[0],
            seq,
        },
        members,
    };
    for n in nodes.iter_mut() {
        n.with_ctx(|evt, ctx| evt.sync_init(ctx, &membership));
    }
    for n in nodes.iter_mut() {
        assert_eq!(n.with_ctx(|evt, ctx| evt.sync_process(ctx)), SyncStep::Done);
    }
    settle(nodes);
    for n in nodes.iter_mut() {
        n.with_ctx(|evt, ctx| evt.sync_activate(ctx));
    }
    settle(nodes);
}

fn name(s: &str) -> Name {
    Name::try_from(s).unwrap()
}

/// Opens `channel` on `node` for `conn`; returns the opening id.
fn open(
    nodes: &mut [&mut Node],
    at: usize,
    conn: u64,
    channel: &str,
    flags: u8,
) -> Result<u32, u32> {
    let req = ChannelOpen {
        name: name(channel),
        flags,
        invocation: None,
    };
    assert!(
        nodes[at].request(conn, &req).is_none(),
        "answered on delivery"
    );
    settle(nodes);
    let f = nodes[at].take_response(conn).expect("open answered");
    match f.error {
        SA_AIS_OK => Ok(OpenReply::from_payload(&f.payload).unwrap().open_id),
        e => Err(e),
    }
}

fn subscribe(node: &mut Node, conn: u64, open_id: u32, sub: u32, filters: Vec<Filter>) -> u32 {
    let req = Subscribe {
        open_id,
        subscription_id: sub,
        filters,
    };
    node.request(conn, &req).expect("answered at once").error
}

fn pass_all() -> Vec<Filter> {
    vec![Filter {
        kind: FilterKind::PassAll,
        pattern: Vec::new(),
    }]
}

fn publish(
    nodes: &mut [&mut Node],
    at: usize,
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
    if let Some(f) = nodes[at].request(conn, &req) {
        return Err(f.error);
    }
    settle(nodes);
    let f = nodes[at].take_response(conn).expect("publish answered");
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

fn two_nodes() -> (Node, Node) {
    let mut a = Node::new(1);
    let mut b = Node::new(2);
    sync(&mut [&mut a, &mut b], 4);
    (a, b)
}

#[test]
fn published_events_reach_every_node_in_one_order() {
    let (mut a, mut b) = two_nodes();
    let pa = open(&mut [&mut a, &mut b], 0, 10, "chan", ALL).unwrap();
    let sa = open(&mut [&mut a, &mut b], 0, 11, "chan", open_flags::SUBSCRIBER).unwrap();
    let sb = open(&mut [&mut a, &mut b], 1, 20, "chan", open_flags::SUBSCRIBER).unwrap();
    assert_eq!(subscribe(&mut a, 11, sa, 1, pass_all()), SA_AIS_OK);
    assert_eq!(subscribe(&mut b, 20, sb, 2, pass_all()), SA_AIS_OK);
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(publish(&mut [&mut a, &mut b], 0, 10, pa, "p", 0, &format!("e{i}")).unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 5, "distinct event ids");
    assert!(
        ids.iter().all(|id| id >> 32 == 1),
        "the publisher's node id"
    );
    // one notification until pulled
    assert_eq!(a.callbacks(11).len(), 1);
    assert_eq!(b.callbacks(20).len(), 1);
    let on_a = a.pull_all(11);
    let on_b = b.pull_all(20);
    assert_eq!(data(&on_a), ["e0", "e1", "e2", "e3", "e4"]);
    assert_eq!(data(&on_b), data(&on_a));
    let ids_a: Vec<u64> = on_a.iter().map(|d| d.event.event_id).collect();
    let ids_b: Vec<u64> = on_b.iter().map(|d| d.event.event_id).collect();
    assert_eq!(ids_a, ids);
    assert_eq!(ids_b, ids);
    assert_eq!(on_b[0].subscription_id, 2);
    assert_eq!(on_b[0].event.attributes.publisher, name("tester"));
    // the publisher's opening has no subscription: nothing for it
    assert!(a.pull_all(10).is_empty());
}

#[test]
fn open_flags_are_enforced() {
    let (mut a, mut b) = two_nodes();
    let nodes = &mut [&mut a, &mut b];
    assert_eq!(
        open(nodes, 0, 10, "x", open_flags::PUBLISHER),
        Err(SA_AIS_ERR_NOT_EXIST)
    );
    let create = open(nodes, 0, 10, "x", open_flags::CREATE).unwrap();
    let sub = open(nodes, 1, 20, "x", open_flags::SUBSCRIBER).unwrap();
    let publ = open(nodes, 1, 20, "x", open_flags::PUBLISHER).unwrap();
    assert_eq!(
        publish(nodes, 0, 10, create, "p", 0, "no"),
        Err(SA_AIS_ERR_ACCESS)
    );
    assert_eq!(
        subscribe(nodes[1], 20, publ, 1, pass_all()),
        SA_AIS_ERR_ACCESS
    );
    assert_eq!(subscribe(nodes[1], 20, sub, 1, pass_all()), SA_AIS_OK);
    assert_eq!(
        subscribe(nodes[1], 20, sub, 1, pass_all()),
        SA_AIS_ERR_EXIST
    );
    assert!(publish(nodes, 1, 20, publ, "p", 0, "yes").is_ok());
    assert_eq!(data(&nodes[1].pull_all(20)), ["yes"]);
    // unknown opening
    assert_eq!(
        publish(nodes, 1, 20, 999, "p", 0, "no"),
        Err(SA_AIS_ERR_BAD_HANDLE)
    );
    let bad = nodes[0]
        .request(
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
    let (mut a, mut b) = two_nodes();
    let nodes = &mut [&mut a, &mut b];
    let old = open(nodes, 0, 10, "u", ALL).unwrap();
    assert_eq!(subscribe(nodes[0], 10, old, 1, pass_all()), SA_AIS_OK);
    assert!(nodes[1]
        .request(20, &ChannelUnlink { name: name("u") })
        .is_none());
    settle(nodes);
    assert_eq!(nodes[1].take_response(20).unwrap().error, SA_AIS_OK);
    assert_eq!(
        open(nodes, 1, 20, "u", open_flags::SUBSCRIBER),
        Err(SA_AIS_ERR_NOT_EXIST)
    );
    // a new channel of the same name, unrelated to the old one
    let new = open(nodes, 1, 20, "u", ALL).unwrap();
    assert_eq!(subscribe(nodes[1], 20, new, 2, pass_all()), SA_AIS_OK);
    publish(nodes, 0, 10, old, "p", 0, "old").unwrap();
    publish(nodes, 1, 20, new, "p", 0, "new").unwrap();
    assert_eq!(data(&nodes[0].pull_all(10)), ["old"]);
    assert_eq!(data(&nodes[1].pull_all(20)), ["new"]);
    // the old channel goes with its last opening, on every node
    assert!(nodes[0]
        .request(10, &ChannelClose { open_id: old })
        .is_none());
    settle(nodes);
    assert_eq!(nodes[0].take_response(10).unwrap().error, SA_AIS_OK);
    assert_eq!(nodes[0].evt.channels.len(), 1);
    assert_eq!(nodes[1].evt.channels.len(), 1);
}

#[test]
fn retained_events_reach_late_subscribers_until_cleared() {
    let (mut a, mut b) = two_nodes();
    let nodes = &mut [&mut a, &mut b];
    let pa = open(nodes, 0, 10, "r", ALL).unwrap();
    let id = publish(nodes, 0, 10, pa, "kept", 60_000_000_000, "retained").unwrap();
    publish(nodes, 0, 10, pa, "gone", 0, "not retained").unwrap();
    let sb = open(nodes, 1, 20, "r", open_flags::SUBSCRIBER).unwrap();
    assert_eq!(subscribe(nodes[1], 20, sb, 1, pass_all()), SA_AIS_OK);
    let got = nodes[1].pull_all(20);
    assert_eq!(data(&got), ["retained"]);
    assert_eq!(got[0].event.event_id, id);
    // once per opening
    assert_eq!(subscribe(nodes[1], 20, sb, 2, pass_all()), SA_AIS_OK);
    assert!(nodes[1].pull_all(20).is_empty());
    // cleared from node b, on every node
    let clear = RetentionClear {
        open_id: sb,
        event_id: id,
    };
    assert!(nodes[1].request(20, &clear).is_none());
    settle(nodes);
    assert_eq!(nodes[1].take_response(20).unwrap().error, SA_AIS_OK);
    assert!(nodes[0].evt.retained.is_empty() && nodes[1].evt.retained.is_empty());
    assert!(nodes[1].request(20, &clear).is_none());
    settle(nodes);
    assert_eq!(
        nodes[1].take_response(20).unwrap().error,
        SA_AIS_ERR_NOT_EXIST
    );
}

#[test]
fn expiry_is_noticed_by_the_lowest_member_and_applied_everywhere() {
    let (mut a, mut b) = two_nodes();
    let nodes = &mut [&mut a, &mut b];
    let pa = open(nodes, 1, 20, "e", ALL).unwrap();
    // already expired when its timer is looked at
    publish(nodes, 1, 20, pa, "short", 1, "x").unwrap();
    assert_eq!(nodes[0].evt.retained.len(), 1);
    // node 2 is not the lowest member: it waits past the expiry
    nodes[1].timer(TIMER_EXPIRY);
    assert!(nodes[1].wire.sent.is_empty());
    assert!(nodes[1].timers.next_deadline().is_some());
    // node 1 is: it multicasts the notice, every node applies it
    nodes[0].timer(TIMER_EXPIRY);
    assert_eq!(nodes[0].wire.sent.len(), 1);
    // a duplicate (node 2's backup notice) changes nothing
    let dup = nodes[0].wire.sent[0].clone();
    nodes[1].wire.sent.push(dup);
    settle(nodes);
    assert!(nodes[0].evt.retained.is_empty() && nodes[1].evt.retained.is_empty());
    assert!(nodes[0].timers.next_deadline().is_none());
}

#[test]
fn a_closed_connection_loses_its_openings_everywhere() {
    let (mut a, mut b) = two_nodes();
    let nodes = &mut [&mut a, &mut b];
    nodes[1].connect(20);
    let ob = open(nodes, 1, 20, "c", ALL).unwrap();
    open(nodes, 0, 10, "c", ALL).unwrap();
    assert!(nodes[0]
        .request(10, &ChannelUnlink { name: name("c") })
        .is_none());
    settle(nodes);
    assert_eq!(nodes[0].evt.channels.len(), 1);
    assert_eq!(subscribe(nodes[1], 20, ob, 1, pass_all()), SA_AIS_OK);
    nodes[1].disconnect(20);
    settle(nodes);
    let ch = nodes[0].evt.channels.iter().next().unwrap();
    assert_eq!(ch.opens.len(), 1, "node 2's opening went");
    nodes[0].disconnect(10);
    settle(nodes);
    assert!(nodes[0].evt.channels.is_empty() && nodes[1].evt.channels.is_empty());
}

#[test]
fn asynchronous_open_answers_with_a_callback() {
    let (mut a, mut b) = two_nodes();
    let nodes = &mut [&mut a, &mut b];
    for (name_, flags, want) in [
        ("m", open_flags::SUBSCRIBER, SA_AIS_ERR_NOT_EXIST),
        ("m", ALL, SA_AIS_OK),
    ] {
        let req = ChannelOpen {
            name: name(name_),
            flags,
            invocation: Some(0xfeed),
        };
        assert_eq!(nodes[0].request(10, &req).unwrap().error, SA_AIS_OK);
        settle(nodes);
        let cbs = nodes[0].callbacks(10);
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
    let mut a = Node::with_limits(1, QueueLimits { size: 3, resume: 1 });
    sync(&mut [&mut a], 4);
    let nodes = &mut [&mut a];
    let o = open(nodes, 0, 10, "q", ALL).unwrap();
    assert_eq!(subscribe(nodes[0], 10, o, 4, pass_all()), SA_AIS_OK);
    for i in 0..5 {
        publish(nodes, 0, 10, o, "p", 0, &format!("e{i}")).unwrap();
    }
    let got = nodes[0].pull_all(10);
    assert_eq!(got.len(), 4);
    assert_eq!(got[0].event.event_id, SA_EVT_EVENTID_LOST);
    assert_eq!(got[0].subscription_id, 4);
    assert_eq!(got[0].event.data, b"2");
    assert_eq!(data(&got[1..]), ["e0", "e1", "e2"]);
}

#[test]
fn unsubscribe_drops_queued_events() {
    let mut a = Node::new(1);
    sync(&mut [&mut a], 4);
    let nodes = &mut [&mut a];
    let o = open(nodes, 0, 10, "s", ALL).unwrap();
    assert_eq!(subscribe(nodes[0], 10, o, 1, pass_all()), SA_AIS_OK);
    publish(nodes, 0, 10, o, "p", 0, "queued").unwrap();
    let unsub = Unsubscribe {
        open_id: o,
        subscription_id: 1,
    };
    assert_eq!(nodes[0].request(10, &unsub).unwrap().error, SA_AIS_OK);
    assert_eq!(
        nodes[0].request(10, &unsub).unwrap().error,
        SA_AIS_ERR_NOT_EXIST
    );
    assert!(nodes[0].pull_all(10).is_empty());
}

#[test]
fn a_joining_node_gets_channels_retained_events_and_id_counters() {
    let (mut a, mut b) = two_nodes();
    let pa = open(&mut [&mut a, &mut b], 0, 10, "j", ALL).unwrap();
    let first = publish(
        &mut [&mut a, &mut b],
        0,
        10,
        pa,
        "kept",
        60_000_000_000,
        "old",
    )
    .unwrap();
    let mut c = Node::new(3);
    sync(&mut [&mut a, &mut b, &mut c], 8);
    let nodes = &mut [&mut a, &mut b, &mut c];
    assert_eq!(nodes[2].evt.channels.len(), 1);
    assert_eq!(nodes[2].evt.retained.len(), 1);
    let sc = open(nodes, 2, 30, "j", open_flags::SUBSCRIBER).unwrap();
    assert_eq!(subscribe(nodes[2], 30, sc, 1, pass_all()), SA_AIS_OK);
    assert_eq!(data(&nodes[2].pull_all(30)), ["old"]);
    // node 1 restarts: its counter continues where the cluster saw it
    let mut a2 = Node::new(1);
    sync(&mut [&mut a2, &mut b, &mut c], 12);
    let nodes = &mut [&mut a2, &mut b, &mut c];
    let p2 = open(nodes, 0, 11, "j", ALL).unwrap();
    let next = publish(nodes, 0, 11, p2, "p", 0, "new").unwrap();
    assert!(next > first, "{next:#x} after {first:#x}");
}

#[test]
fn a_node_leaving_takes_its_openings_with_it() {
    let (mut a, mut b) = two_nodes();
    let nodes = &mut [&mut a, &mut b];
    open(nodes, 1, 20, "l", ALL).unwrap();
    assert!(nodes[1]
        .request(20, &ChannelUnlink { name: name("l") })
        .is_none());
    settle(nodes);
    assert_eq!(nodes[0].evt.channels.len(), 1, "still open on node 2");
    sync(&mut [&mut a], 8);
    assert!(a.evt.channels.is_empty(), "unlinked, no opening left");
}

#[test]
fn partitions_with_the_same_channel_name_merge_into_one() {
    let mut a = Node::new(1);
    let mut b = Node::new(2);
    sync(&mut [&mut a], 4);
    sync(&mut [&mut b], 4);
    let oa = open(&mut [&mut a], 0, 10, "same", ALL).unwrap();
    let ob = open(&mut [&mut b], 0, 20, "same", ALL).unwrap();
    publish(&mut [&mut a], 0, 10, oa, "p", 60_000_000_000, "from a").unwrap();
    assert_ne!(
        a.evt.channels.iter().next().unwrap().id,
        b.evt.channels.iter().next().unwrap().id
    );
    sync(&mut [&mut a, &mut b], 8);
    let nodes = &mut [&mut a, &mut b];
    assert_eq!(nodes[0].evt.channels.len(), 1);
    assert_eq!(nodes[1].evt.channels.len(), 1);
    let ch = nodes[0].evt.channels.iter().next().unwrap().clone();
    assert_eq!(ch.opens.len(), 2);
    assert_eq!(&ch, nodes[1].evt.channels.iter().next().unwrap());
    // b's opening now reaches a's subscribers and the retained event
    assert_eq!(subscribe(nodes[1], 20, ob, 1, pass_all()), SA_AIS_OK);
    assert_eq!(data(&nodes[1].pull_all(20)), ["from a"]);
    assert_eq!(subscribe(nodes[0], 10, oa, 1, pass_all()), SA_AIS_OK);
    nodes[0].pull_all(10);
    publish(nodes, 1, 20, ob, "p", 0, "from b").unwrap();
    assert_eq!(data(&nodes[0].pull_all(10)), ["from b"]);
}

#[test]
fn a_full_ordering_layer_delays_messages_without_losing_them() {
    let (mut a, mut b) = two_nodes();
    let nodes = &mut [&mut a, &mut b];
    open(nodes, 1, 20, "f", ALL).unwrap();
    nodes[1].wire.full = true;
    // a request is refused at once ...
    let f = nodes[1]
        .request(20, &ChannelUnlink { name: name("f") })
        .unwrap();
    assert_eq!(f.error, sa_abi::ais::SA_AIS_ERR_TRY_AGAIN);
    // ... a connection's end waits in the outbox for the retry timer
    nodes[1].disconnect(20);
    assert!(nodes[1].wire.sent.is_empty());
    assert!(nodes[1].timers.next_deadline().is_some());
    nodes[1].wire.full = false;
    nodes[1].timer(TIMER_OUTBOX);
    settle(nodes);
    assert!(nodes[0]
        .evt
        .channels
        .iter()
        .next()
        .unwrap()
        .opens
        .is_empty());
}

//! CLM on the test cluster: nodes with their own addresses and host
//! names, every service behind their service managers, an agreed-order
//! network.

use sa_abi::ais::{SA_AIS_ERR_NOT_EXIST, SA_AIS_ERR_NO_SPACE, SA_AIS_OK};
use sa_ipc::frame::Frame;
use sa_ipc::proto::clm::{
    kind, ClusterChange, CurrentView, NodeGet, NodeGetReply, NodeInfo, Track, TrackCallback,
    TrackChanges, TrackReply, TrackStop,
};
use sa_ipc::proto::{Message, Payload};

use crate::config::ClmNodeName;
use crate::ipc::ConnId;
use crate::ordering::{NodeId, OrderingEvent};
use crate::service::testing::{test_env, TestCluster, START_NS};
use crate::services;

/// Node 1 "alpha" at 10.0.0.1 (named by its address, the default) and
/// node 2 "beta" at 10.0.0.2 (`clm { node_name: hostname }`), each booted
/// a nanosecond apart.
fn alpha_and_beta() -> TestCluster {
    let envs = [(1, "10.0.0.1", "alpha"), (2, "10.0.0.2", "beta")]
        .into_iter()
        .map(|(id, address, hostname)| {
            let mut env = test_env(id);
            env.address = address.parse().unwrap();
            env.hostname = hostname.to_string();
            env.boot_timestamp = START_NS + i64::from(id);
            if id == 2 {
                env.config.clm.node_name = ClmNodeName::Hostname;
            }
            env
        })
        .collect();
    TestCluster::with_envs(envs, services::all)
}

/// Sends a request and returns the response frame.
fn call<M: Message>(c: &mut TestCluster, node: NodeId, conn: u64, msg: &M) -> Frame {
    c.request(node, M::SERVICE, conn, M::KIND, &msg.to_payload())
}

fn node_get(c: &mut TestCluster, node: NodeId, node_id: u32) -> Result<NodeInfo, u32> {
    let f = call(
        c,
        node,
        1,
        &NodeGet {
            node_id,
            timeout: 1,
        },
    );
    match f.error {
        SA_AIS_OK => Ok(NodeGetReply::from_payload(&f.payload).unwrap().node),
        e => Err(e),
    }
}

/// Track callbacks received by `conn` since the last look.
fn track_callbacks(c: &mut TestCluster, node: NodeId, conn: u64) -> Vec<TrackCallback> {
    let link = &mut c.node(node).link;
    let (mine, others) = std::mem::take(&mut link.callbacks)
        .into_iter()
        .partition(|(c, f)| *c == ConnId(conn) && f.kind == kind::TRACK_CALLBACK);
    link.callbacks = others;
    mine.into_iter()
        .map(|(_, f)| TrackCallback::from_payload(&f.payload).unwrap())
        .collect()
}

fn changes(cb: &TrackCallback) -> Vec<(u32, ClusterChange, bool)> {
    cb.items
        .iter()
        .map(|i| (i.node.node_id, i.change, i.node.member))
        .collect()
}

#[test]
fn join_and_leave_are_replicated_and_tracked() {
    let c = &mut alpha_and_beta();
    c.partition(&[&[1]]);
    assert!(c.peek(1).manager.is_operational());
    for (conn, mode) in [
        (100, TrackChanges::Changes),
        (101, TrackChanges::ChangesOnly),
    ] {
        let f = call(
            c,
            1,
            conn,
            &Track {
                changes: mode,
                current: CurrentView::None,
                max_items: 0,
            },
        );
        assert_eq!(f.error, SA_AIS_OK);
    }

    // b joins a
    c.partition(&[&[1, 2]]);
    assert!(c.nodes.iter().all(|n| n.manager.is_operational()));
    let full = track_callbacks(c, 1, 100);
    assert_eq!(full.len(), 1);
    assert_eq!(full[0].view_number, 8);
    assert_eq!(full[0].number_of_members, 2);
    assert_eq!(
        changes(&full[0]),
        [
            (1, ClusterChange::NoChange, true),
            (2, ClusterChange::Joined, true)
        ]
    );
    let only = track_callbacks(c, 1, 101);
    assert_eq!(changes(&only[0]), [(2, ClusterChange::Joined, true)]);
    assert_eq!(only[0].number_of_members, 2);

    // every node knows every member as it announced itself
    let alpha_from_b = node_get(c, 2, 1).unwrap();
    assert_eq!(alpha_from_b.address, b"10.0.0.1");
    assert_eq!(
        alpha_from_b.name.as_bytes(),
        b"10.0.0.1",
        "openais: the address"
    );
    assert_eq!(alpha_from_b.initial_view_number, 4);
    assert_eq!(alpha_from_b, node_get(c, 1, u32::MAX).unwrap());
    let beta_from_a = node_get(c, 1, 2).unwrap();
    assert_eq!(beta_from_a.name.as_bytes(), b"beta");
    assert_eq!(beta_from_a.initial_view_number, 8);
    assert_eq!(beta_from_a.boot_timestamp, 1_700_000_000_000_000_002);

    // a buffer of one item cannot hold two members: refused, no tracking
    let f = call(
        c,
        2,
        200,
        &Track {
            changes: TrackChanges::Changes,
            current: CurrentView::InReply,
            max_items: 1,
        },
    );
    assert_eq!(f.error, SA_AIS_ERR_NO_SPACE);
    assert_eq!(call(c, 2, 200, &TrackStop).error, SA_AIS_ERR_NOT_EXIST);
    let f = call(
        c,
        2,
        200,
        &Track {
            changes: TrackChanges::None,
            current: CurrentView::InReply,
            max_items: 2,
        },
    );
    let view = TrackReply::from_payload(&f.payload).unwrap().view.unwrap();
    assert_eq!(view.view_number, 8);
    assert_eq!(view.members.len(), 2);

    // b leaves; the connection tracking CHANGES_ONLY is gone by then
    c.close(1, sa_ipc::service::CLM, 101);
    c.crash(2);
    c.partition(&[&[1]]);
    let full = track_callbacks(c, 1, 100);
    assert_eq!(full.len(), 1);
    assert_eq!(full[0].view_number, 12);
    assert_eq!(full[0].number_of_members, 1);
    assert_eq!(
        changes(&full[0]),
        [
            (1, ClusterChange::NoChange, true),
            (2, ClusterChange::Left, false)
        ]
    );
    assert_eq!(full[0].items[1].node.name.as_bytes(), b"beta");
    assert!(track_callbacks(c, 1, 101).is_empty());
    assert_eq!(node_get(c, 1, 2), Err(SA_AIS_ERR_NOT_EXIST));
}

#[test]
fn an_announcement_for_another_node_is_ignored() {
    let c = &mut alpha_and_beta();
    c.partition(&[&[1]]);
    let forged = NodeInfo {
        node_id: 1,
        name: sa_ipc::Name::new(b"mallory").unwrap(),
        ..node_get(c, 1, 1).unwrap()
    };
    let message = crate::service::exec_message::encode(
        sa_ipc::service::CLM,
        super::exec_kind::NODE_ANNOUNCE,
        &forged.to_payload(),
    );
    c.node(1).deliver(&OrderingEvent::Deliver {
        from: 9,
        payload: message,
    });
    assert_eq!(node_get(c, 1, 1).unwrap().name.as_bytes(), b"10.0.0.1");
}

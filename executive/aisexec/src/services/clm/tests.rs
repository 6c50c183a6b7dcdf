//! CLM on a simulated cluster: two nodes, each with its own service
//! manager and CLM, joined by an agreed-order "network" that delivers
//! every node's multicasts to every member in one order.

use sa_abi::ais::{SA_AIS_ERR_NOT_EXIST, SA_AIS_ERR_NO_SPACE, SA_AIS_OK};
use sa_ipc::frame::Frame;
use sa_ipc::proto::clm::{
    kind, ClusterChange, CurrentView, NodeGet, NodeGetReply, NodeInfo, Track, TrackCallback,
    TrackChanges, TrackReply, TrackStop,
};
use sa_ipc::proto::{Message, Payload};

use crate::ipc::ConnId;
use crate::ordering::{ConfChg, ConfChgKind, NodeId, OrderingEvent, RingId};
use crate::service::testing::{Link, Wire};
use crate::service::{Request, ServiceManager};
use crate::services::{self, ServiceEnv};

const CONF: &str = "totem {\n version: 2\n secauth: off\n transport: udpu\n \
    interface {\n ringnumber: 0\n bindnetaddr: 10.0.0.0\n }\n \
    member {\n memberaddr: 10.0.0.1\n }\n member {\n memberaddr: 10.0.0.2\n }\n}\n";

struct Node {
    manager: ServiceManager,
    wire: Wire,
    link: Link,
}

impl Node {
    fn new(id: NodeId, address: &str, hostname: &str) -> Node {
        let env = ServiceEnv {
            node_id: id,
            address: address.parse().unwrap(),
            hostname: hostname.to_string(),
            boot_timestamp: 1_700_000_000_000_000_000 + i64::from(id),
            config: crate::config::parse(CONF, "test.conf").unwrap(),
        };
        Node {
            manager: ServiceManager::new(services::all(&env)).unwrap(),
            wire: Wire {
                node: id,
                ..Wire::default()
            },
            link: Link::default(),
        }
    }

    fn id(&self) -> NodeId {
        self.wire.node
    }

    fn deliver(&mut self, event: &OrderingEvent) {
        self.manager.deliver(&mut self.wire, &mut self.link, event);
    }

    /// Sends a request and returns the response frame.
    fn call<M: Message>(&mut self, conn: u64, msg: &M) -> Frame {
        let payload = msg.to_payload();
        let req = Request {
            conn: ConnId(conn),
            kind: M::KIND,
            seq: 1,
            payload: &payload,
        };
        self.manager
            .lib_request(&mut self.wire, &mut self.link, M::SERVICE, &req)
            .unwrap();
        self.link.responses.pop().expect("a response").1
    }

    fn node_get(&mut self, node_id: u32) -> Result<NodeInfo, u32> {
        let f = self.call(
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
    fn track_callbacks(&mut self, conn: u64) -> Vec<TrackCallback> {
        let (mine, others) = std::mem::take(&mut self.link.callbacks)
            .into_iter()
            .partition(|(c, f)| *c == ConnId(conn) && f.kind == kind::TRACK_CALLBACK);
        self.link.callbacks = others;
        mine.into_iter()
            .map(|(_, f)| TrackCallback::from_payload(&f.payload).unwrap())
            .collect()
    }
}

/// Delivers a configuration change to `members`, then every message they
/// multicast (in node order, each to every member) until all is quiet.
fn reconfigure(nodes: &mut [&mut Node], seq: u64, kind: ConfChgKind) {
    let mut members: Vec<NodeId> = nodes.iter().map(|n| n.id()).collect();
    members.sort_unstable();
    let chg = OrderingEvent::ConfChg(ConfChg {
        kind,
        ring_id: RingId {
            rep: members[0],
            seq,
        },
        members,
        left: vec![],
        joined: vec![],
    });
    for n in nodes.iter_mut() {
        n.deliver(&chg);
    }
    loop {
        let mut messages = Vec::new();
        for n in nodes.iter_mut() {
            let from = n.id();
            messages.extend(
                std::mem::take(&mut n.wire.sent)
                    .into_iter()
                    .map(|payload| OrderingEvent::Deliver { from, payload }),
            );
        }
        if messages.is_empty() {
            return;
        }
        for m in &messages {
            for n in nodes.iter_mut() {
                n.deliver(m);
            }
        }
    }
}

fn changes(cb: &TrackCallback) -> Vec<(u32, ClusterChange, bool)> {
    cb.items
        .iter()
        .map(|i| (i.node.node_id, i.change, i.node.member))
        .collect()
}

#[test]
fn join_and_leave_are_replicated_and_tracked() {
    let mut a = Node::new(1, "10.0.0.1", "alpha");
    let mut b = Node::new(2, "10.0.0.2", "beta");

    reconfigure(&mut [&mut a], 4, ConfChgKind::Regular);
    assert!(a.manager.is_operational());
    for (conn, mode) in [
        (100, TrackChanges::Changes),
        (101, TrackChanges::ChangesOnly),
    ] {
        let f = a.call(
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
    reconfigure(&mut [&mut a, &mut b], 8, ConfChgKind::Regular);
    assert!(a.manager.is_operational() && b.manager.is_operational());
    let full = a.track_callbacks(100);
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
    let only = a.track_callbacks(101);
    assert_eq!(changes(&only[0]), [(2, ClusterChange::Joined, true)]);
    assert_eq!(only[0].number_of_members, 2);

    // every node knows every member as it announced itself
    let alpha_from_b = b.node_get(1).unwrap();
    assert_eq!(alpha_from_b.address, b"10.0.0.1");
    assert_eq!(alpha_from_b.name.as_bytes(), b"alpha");
    assert_eq!(alpha_from_b.initial_view_number, 4);
    assert_eq!(alpha_from_b, a.node_get(u32::MAX).unwrap());
    let beta_from_a = a.node_get(2).unwrap();
    assert_eq!(beta_from_a.name.as_bytes(), b"beta");
    assert_eq!(beta_from_a.initial_view_number, 8);
    assert_eq!(beta_from_a.boot_timestamp, 1_700_000_000_000_000_002);

    // a buffer of one item cannot hold two members: refused, no tracking
    let f = b.call(
        200,
        &Track {
            changes: TrackChanges::Changes,
            current: CurrentView::InReply,
            max_items: 1,
        },
    );
    assert_eq!(f.error, SA_AIS_ERR_NO_SPACE);
    assert_eq!(b.call(200, &TrackStop).error, SA_AIS_ERR_NOT_EXIST);
    let f = b.call(
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
    a.manager
        .conn_closed(&mut a.wire, &mut a.link, sa_ipc::service::CLM, ConnId(101));
    reconfigure(&mut [&mut a], 12, ConfChgKind::Transitional);
    reconfigure(&mut [&mut a], 12, ConfChgKind::Regular);
    let full = a.track_callbacks(100);
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
    assert!(a.track_callbacks(101).is_empty());
    assert_eq!(a.node_get(2), Err(SA_AIS_ERR_NOT_EXIST));
}

#[test]
fn an_announcement_for_another_node_is_ignored() {
    let mut a = Node::new(1, "10.0.0.1", "alpha");
    reconfigure(&mut [&mut a], 4, ConfChgKind::Regular);
    let forged = NodeInfo {
        node_id: 1,
        name: sa_ipc::Name::new(b"mallory").unwrap(),
        ..a.node_get(1).unwrap()
    };
    let message = crate::service::exec_message::encode(
        sa_ipc::service::CLM,
        super::exec_kind::NODE_ANNOUNCE,
        &forged.to_payload(),
    );
    a.deliver(&OrderingEvent::Deliver {
        from: 9,
        payload: message,
    });
    assert_eq!(a.node_get(1).unwrap().name.as_bytes(), b"alpha");
}

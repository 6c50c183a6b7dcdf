//! EVS on simulated clusters: group filtering by whole keys, agreed order
//! across nodes, configuration changes, refusals.

use sa_abi::evs::{EVS_ERR_NOT_EXIST, EVS_ERR_TOO_MANY_GROUPS, EVS_ERR_TRY_AGAIN, EVS_OK};
use sa_ipc::proto::evs::{
    kind, ConfChgCallback, DeliverCallback, GroupKey, Guarantee, Join, Leave, McastGroups,
    McastJoined, MembershipGet, MembershipReply, MAX_JOINED_GROUPS,
};
use sa_ipc::proto::{service, Message, Payload};

use super::Evs;
use crate::ordering::NodeId;
use crate::service::testing::TestCluster;
use crate::service::Service;
use crate::services::ServiceEnv;

fn evs_only(env: &ServiceEnv) -> Vec<Box<dyn Service>> {
    vec![Box::new(Evs::new(env))]
}

fn cluster(ids: &[NodeId]) -> TestCluster {
    let mut c = TestCluster::with_services(ids, evs_only);
    c.partition(&[ids]);
    c
}

fn key(tag: u8) -> GroupKey {
    let mut k = [0u8; 32];
    k[..4].copy_from_slice(b"grp-");
    k[4] = tag;
    GroupKey(k)
}

fn call<M: Message>(c: &mut TestCluster, node: NodeId, conn: u64, m: &M) -> (u32, Vec<u8>) {
    let f = c.request(node, service::EVS, conn, M::KIND, &m.to_payload());
    (f.error, f.payload)
}

fn open(c: &mut TestCluster, node: NodeId, conn: u64) {
    c.open(node, service::EVS, conn, conn as i32);
}

fn join(c: &mut TestCluster, node: NodeId, conn: u64, groups: &[GroupKey]) -> u32 {
    call(
        c,
        node,
        conn,
        &Join {
            groups: groups.to_vec(),
        },
    )
    .0
}

fn send(c: &mut TestCluster, node: NodeId, conn: u64, text: &str) -> u32 {
    call(
        c,
        node,
        conn,
        &McastJoined {
            guarantee: Guarantee::Agreed,
            data: text.as_bytes().to_vec(),
        },
    )
    .0
}

fn received(c: &mut TestCluster, node: NodeId, conn: u64) -> Vec<(u32, String)> {
    c.callbacks_of::<DeliverCallback>(node, conn, kind::DELIVER_CALLBACK)
        .into_iter()
        .map(|d| (d.node, String::from_utf8(d.data).unwrap()))
        .collect()
}

fn confchgs(c: &mut TestCluster, node: NodeId, conn: u64) -> Vec<ConfChgCallback> {
    c.callbacks_of(node, conn, kind::CONFCHG_CALLBACK)
}

#[test]
fn new_connection_gets_the_current_configuration() {
    let mut c = cluster(&[1, 2]);
    open(&mut c, 2, 5);
    assert_eq!(
        confchgs(&mut c, 2, 5),
        vec![ConfChgCallback {
            members: vec![1, 2],
            left: vec![],
            joined: vec![],
        }]
    );
    let (error, payload) = call(&mut c, 2, 5, &MembershipGet);
    assert_eq!(error, EVS_OK);
    assert_eq!(
        MembershipReply::from_payload(&payload).unwrap(),
        MembershipReply {
            local: 2,
            members: vec![1, 2],
        }
    );
}

#[test]
fn delivery_follows_whole_keys_and_self_delivery() {
    let mut c = cluster(&[1]);
    for conn in [1, 2, 3] {
        open(&mut c, 1, conn);
    }
    let mut near = key(1);
    near.0[31] = 1;
    assert_eq!(join(&mut c, 1, 1, &[key(1), key(2)]), EVS_OK);
    assert_eq!(join(&mut c, 1, 2, &[near]), EVS_OK);
    assert_eq!(join(&mut c, 1, 3, &[key(2)]), EVS_OK);
    assert_eq!(send(&mut c, 1, 2, "near"), EVS_OK);
    assert_eq!(send(&mut c, 1, 3, "two"), EVS_OK);
    let both = McastGroups {
        guarantee: Guarantee::Safe,
        groups: vec![key(1), key(2)],
        data: b"both".to_vec(),
    };
    assert_eq!(call(&mut c, 1, 2, &both).0, EVS_OK);
    c.run();
    // conn 1 is in both groups and gets "both" once
    assert_eq!(
        received(&mut c, 1, 1),
        [(1, "two".to_string()), (1, "both".to_string())]
    );
    // conn 2 sent "both" without being in its groups: it does not get it
    assert_eq!(received(&mut c, 1, 2), [(1, "near".to_string())]);
    assert_eq!(
        received(&mut c, 1, 3),
        [(1, "two".to_string()), (1, "both".to_string())]
    );
}

#[test]
fn leave_rules() {
    let mut c = cluster(&[1]);
    open(&mut c, 1, 1);
    assert_eq!(join(&mut c, 1, 1, &[key(1)]), EVS_OK);
    let leave = |groups: Vec<GroupKey>| Leave { groups };
    assert_eq!(
        call(&mut c, 1, 1, &leave(vec![key(1), key(9)])).0,
        EVS_ERR_NOT_EXIST
    );
    assert_eq!(call(&mut c, 1, 1, &leave(vec![key(1)])).0, EVS_OK);
    assert_eq!(
        call(&mut c, 1, 1, &leave(vec![key(1)])).0,
        EVS_ERR_NOT_EXIST
    );
    // in no group a multicast goes nowhere
    assert_eq!(send(&mut c, 1, 1, "nowhere"), EVS_OK);
    c.run();
    assert!(received(&mut c, 1, 1).is_empty());
    let many: Vec<GroupKey> = (0..=MAX_JOINED_GROUPS)
        .map(|i| {
            let mut k = [0u8; 32];
            k[..8].copy_from_slice(&(i as u64).to_le_bytes());
            GroupKey(k)
        })
        .collect();
    assert_eq!(join(&mut c, 1, 1, &many[..MAX_JOINED_GROUPS]), EVS_OK);
    assert_eq!(
        join(&mut c, 1, 1, &many[MAX_JOINED_GROUPS..]),
        EVS_ERR_TOO_MANY_GROUPS
    );
}

#[test]
fn agreed_order_is_identical_on_three_nodes() {
    let mut c = cluster(&[1, 2, 3]);
    for node in [1, 2, 3] {
        open(&mut c, node, 10);
        assert_eq!(join(&mut c, node, 10, &[key(7)]), EVS_OK);
    }
    for i in 0..10 {
        for node in [1, 2, 3] {
            assert_eq!(send(&mut c, node, 10, &format!("{node}:{i}")), EVS_OK);
        }
    }
    c.run();
    let first = received(&mut c, 1, 10);
    assert_eq!(first.len(), 30);
    assert_eq!(received(&mut c, 2, 10), first);
    assert_eq!(received(&mut c, 3, 10), first);
    // each sender's messages keep their order and carry its node id
    for node in [1u32, 2, 3] {
        let mine: Vec<&String> = first
            .iter()
            .filter(|(n, _)| *n == node)
            .map(|(_, t)| t)
            .collect();
        let want: Vec<String> = (0..10).map(|i| format!("{node}:{i}")).collect();
        assert_eq!(mine, want.iter().collect::<Vec<_>>());
    }
}

#[test]
fn configuration_changes_reach_every_connection() {
    let mut c = cluster(&[1, 2, 3]);
    open(&mut c, 1, 10);
    confchgs(&mut c, 1, 10);
    c.crash(3);
    c.partition(&[&[1, 2]]);
    assert_eq!(
        confchgs(&mut c, 1, 10),
        vec![
            ConfChgCallback {
                members: vec![1, 2],
                left: vec![3],
                joined: vec![],
            },
            ConfChgCallback {
                members: vec![1, 2],
                left: vec![3],
                joined: vec![],
            },
        ]
    );
    let (_, payload) = call(&mut c, 1, 10, &MembershipGet);
    assert_eq!(
        MembershipReply::from_payload(&payload).unwrap().members,
        vec![1, 2]
    );
}

#[test]
fn full_queue_is_try_again_and_closed_connections_get_nothing() {
    let mut c = cluster(&[1]);
    open(&mut c, 1, 1);
    open(&mut c, 1, 2);
    join(&mut c, 1, 1, &[key(1)]);
    join(&mut c, 1, 2, &[key(1)]);
    c.node(1).wire.full = true;
    assert_eq!(send(&mut c, 1, 1, "x"), EVS_ERR_TRY_AGAIN);
    c.node(1).wire.full = false;
    assert_eq!(send(&mut c, 1, 1, "y"), EVS_OK);
    c.close(1, service::EVS, 2);
    c.run();
    assert_eq!(received(&mut c, 1, 1), [(1, "y".to_string())]);
    assert!(received(&mut c, 1, 2).is_empty());
}

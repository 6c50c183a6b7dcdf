//! The quorum gate on the test cluster: real services behind their
//! managers, partitions and merges, virtual time.

use sa_abi::ais::{SA_AIS_ERR_TRY_AGAIN, SA_AIS_OK, SA_TIME_END};
use sa_abi::ckpt::{
    SA_CKPT_CHECKPOINT_CREATE, SA_CKPT_CHECKPOINT_READ, SA_CKPT_CHECKPOINT_WRITE,
    SA_CKPT_WR_ALL_REPLICAS,
};
use sa_abi::lck::SA_LCK_RESOURCE_CREATE;
use sa_ipc::proto::ckpt::{
    CreationAttributes, Open, Read, ReadElement, ReadReply, SectionCreate, Write, WriteElement,
};
use sa_ipc::proto::{evt, lck, service, Payload};
use sa_ipc::Name;

use crate::config::{QuorumConfig, QuorumProvider};
use crate::ordering::NodeId;
use crate::service::testing::{test_env, TestCluster};

const CRW: u32 = SA_CKPT_CHECKPOINT_CREATE | SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE;
const RW: u32 = SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE;
const SECOND: i64 = 1_000_000_000;

fn votes(expected: u32) -> QuorumConfig {
    QuorumConfig {
        provider: QuorumProvider::Votes,
        expected_votes: expected,
        ..QuorumConfig::default()
    }
}

/// Nodes `ids` with `quorum`, not in a ring yet.
fn cluster(ids: &[NodeId], quorum: QuorumConfig) -> TestCluster {
    let envs = ids
        .iter()
        .map(|&id| {
            let mut env = test_env(id);
            env.config.quorum = quorum;
            env
        })
        .collect();
    TestCluster::with_envs(envs, crate::services::all)
}

fn open(name: &str, flags: u32) -> Open {
    let create = flags & SA_CKPT_CHECKPOINT_CREATE != 0;
    Open {
        open_id: 1,
        name: Name::try_from(name).unwrap(),
        flags,
        attributes: create.then_some(CreationAttributes {
            creation_flags: SA_CKPT_WR_ALL_REPLICAS,
            checkpoint_size: 400,
            retention_duration: SA_TIME_END,
            max_sections: 4,
            max_section_size: 100,
            max_section_id_size: 16,
        }),
    }
}

fn write(data: &[u8]) -> Write {
    Write {
        open_id: 1,
        elements: vec![WriteElement {
            section_id: b"s".to_vec(),
            offset: 0,
            data: data.to_vec(),
        }],
    }
}

fn read(c: &mut TestCluster, node: NodeId) -> Vec<u8> {
    let (error, payload) = c.call(
        node,
        u64::from(node),
        &Read {
            open_id: 1,
            elements: vec![ReadElement {
                section_id: b"s".to_vec(),
                offset: 0,
                size: 100,
            }],
        },
    );
    assert_eq!(error, SA_AIS_OK, "read on node {node}");
    ReadReply::from_payload(&payload).unwrap().data.remove(0)
}

/// Five nodes in one ring, checkpoint `c` with section `s` = "base" open
/// on every node (connection = node id).
fn five_with_a_checkpoint(quorum: QuorumConfig) -> TestCluster {
    let ids = [1, 2, 3, 4, 5];
    let mut c = cluster(&ids, quorum);
    c.partition(&[&ids]);
    for id in ids {
        c.open(id, service::CKPT, u64::from(id), 100 + id as i32);
    }
    assert_eq!(c.call(1, 1, &open("c", CRW)).0, SA_AIS_OK);
    let create = SectionCreate {
        open_id: 1,
        section_id: b"s".to_vec(),
        expiration: SA_TIME_END,
        data: b"base".to_vec(),
    };
    assert_eq!(c.call(1, 1, &create).0, SA_AIS_OK);
    for id in 2..=5 {
        assert_eq!(c.call(id, u64::from(id), &open("c", RW)).0, SA_AIS_OK);
    }
    c
}

#[test]
fn the_minority_of_a_3_2_partition_refuses_writes_and_takes_the_majoritys_state() {
    let c = &mut five_with_a_checkpoint(votes(5));
    for id in 1..=5 {
        assert!(c.peek(id).manager.quorate());
    }
    c.partition(&[&[1, 2, 3], &[4, 5]]);
    for id in 1..=3 {
        let q = c.peek(id).manager.quorum();
        assert!(q.quorate, "node {id}: {q}");
        assert_eq!((q.total_votes, q.expected_votes, q.quorum), (3, 5, 3));
    }
    for id in [4, 5] {
        let q = c.peek(id).manager.quorum();
        assert!(!q.quorate, "node {id}: {q}");
        assert_eq!((q.total_votes, q.expected_votes, q.nodes), (2, 5, 2));
    }
    // the majority writes; the minority is told to try again
    assert_eq!(c.call(2, 2, &write(b"MAJR")).0, SA_AIS_OK);
    assert_eq!(c.call(4, 4, &write(b"MINR")).0, SA_AIS_ERR_TRY_AGAIN);
    assert_eq!(c.call(5, 5, &write(b"MINR")).0, SA_AIS_ERR_TRY_AGAIN);
    // reads and opening an existing checkpoint go on; creating does not
    assert_eq!(read(c, 4), b"base");
    c.open(5, service::CKPT, 50, 150);
    assert_eq!(c.call(5, 50, &open("c", RW)).0, SA_AIS_OK);
    assert_eq!(c.call(5, 50, &open("d", CRW)).0, SA_AIS_ERR_TRY_AGAIN);
    // locks and event publishing too
    c.open(4, service::LCK, 40, 140);
    let lck_open = lck::Open {
        open_id: 1,
        name: Name::try_from("r").unwrap(),
        flags: SA_LCK_RESOURCE_CREATE,
    };
    assert_eq!(c.call(4, 40, &lck_open).0, SA_AIS_ERR_TRY_AGAIN);
    c.open(4, service::EVT, 41, 141);
    let channel = evt::ChannelOpen {
        name: Name::try_from("ch").unwrap(),
        flags: evt::open_flags::CREATE | evt::open_flags::PUBLISHER,
        invocation: None,
    };
    assert_eq!(c.call(4, 41, &channel).0, SA_AIS_ERR_TRY_AGAIN);
    assert!(c.peek(4).manager.stats().refused_without_quorum >= 3);
    assert_eq!(c.peek(1).manager.stats().refused_without_quorum, 0);

    // the merge: the minority regains quorum and takes the majority's copy
    c.partition(&[&[1, 2, 3, 4, 5]]);
    for id in 1..=5 {
        assert!(c.peek(id).manager.quorate());
        assert_eq!(read(c, id), b"MAJR", "node {id}");
    }
    assert_eq!(c.call(4, 4, &write(b"FOUR")).0, SA_AIS_OK);
    for id in 1..=5 {
        assert_eq!(read(c, id), b"FOUR", "node {id}");
    }
}

/// The majority's ring breaks into nodes alone just before the heal (a
/// loaded node losing the token): the stale minority pair is the largest
/// group at the merge, yet the majority's acknowledged write stands.
#[test]
fn a_majority_broken_up_before_the_heal_still_wins_over_the_stale_minority() {
    let c = &mut five_with_a_checkpoint(votes(5));
    c.partition(&[&[1, 2, 3], &[4, 5]]);
    assert_eq!(c.call(2, 2, &write(b"MAJR")).0, SA_AIS_OK);
    c.partition(&[&[1], &[2], &[3], &[4, 5]]);
    c.partition(&[&[1, 2, 3, 4, 5]]);
    for id in 1..=5 {
        assert_eq!(read(c, id), b"MAJR", "node {id}");
    }
    // and so for locks and queues: the next sync carries the epoch on
    assert_eq!(c.call(4, 4, &write(b"FOUR")).0, SA_AIS_OK);
    c.partition(&[&[1, 2], &[3, 4, 5]]);
    c.partition(&[&[1, 2, 3, 4, 5]]);
    for id in 1..=5 {
        assert_eq!(read(c, id), b"FOUR", "node {id}");
    }
}

#[test]
fn without_a_provider_both_sides_write_and_the_larger_side_wins() {
    let c = &mut five_with_a_checkpoint(QuorumConfig::default());
    c.partition(&[&[1, 2, 3], &[4, 5]]);
    assert!(c.peek(4).manager.quorate());
    assert!(!c.peek(4).manager.quorum().enabled);
    assert_eq!(c.call(2, 2, &write(b"MAJR")).0, SA_AIS_OK);
    assert_eq!(c.call(4, 4, &write(b"MINR")).0, SA_AIS_OK);
    assert_eq!(read(c, 5), b"MINR");
    c.partition(&[&[1, 2, 3, 4, 5]]);
    // both changed the section: the larger group's copy wins (CKPT's
    // merge rule); the minority's acknowledged write is lost
    for id in 1..=5 {
        assert_eq!(read(c, id), b"MAJR", "node {id}");
    }
}

#[test]
fn last_man_standing_lowers_the_expected_votes_after_the_window() {
    let lms = QuorumConfig {
        last_man_standing: true,
        last_man_standing_window_ms: 2_000,
        ..votes(5)
    };
    let ids = [1, 2, 3, 4, 5];
    let mut c = cluster(&ids, lms);
    c.partition(&[&ids]);
    c.crash(4);
    c.crash(5);
    c.partition(&[&[1, 2, 3]]);
    assert!(c.peek(2).manager.quorate());
    c.advance(2 * SECOND - 1);
    assert_eq!(c.peek(2).manager.quorum().expected_votes, 5);
    c.advance(1);
    for id in 1..=3 {
        let q = c.peek(id).manager.quorum();
        assert_eq!((q.expected_votes, q.quorum), (3, 2), "node {id}");
    }
    // two of the three are a majority of the lowered expectation ...
    c.crash(3);
    c.partition(&[&[1, 2]]);
    assert!(c.peek(1).manager.quorate());
    c.advance(3 * SECOND);
    assert_eq!(c.peek(1).manager.quorum().expected_votes, 2);
    // ... and one of two is not (no auto_tie_breaker)
    c.crash(2);
    c.partition(&[&[1]]);
    assert!(!c.peek(1).manager.quorate());
    c.advance(3 * SECOND);
    assert_eq!(c.peek(1).manager.quorum().expected_votes, 2);
    // a restarted node that expects 5 raises the expectation again
    c.restart(4);
    c.partition(&[&[1, 4]]);
    let q = c.peek(1).manager.quorum();
    assert_eq!((q.expected_votes, q.quorate), (5, false));
}

#[test]
fn a_changed_ring_restarts_the_last_man_standing_window() {
    let lms = QuorumConfig {
        last_man_standing: true,
        last_man_standing_window_ms: 2_000,
        ..votes(5)
    };
    let ids = [1, 2, 3, 4, 5];
    let mut c = cluster(&ids, lms);
    c.partition(&[&ids]);
    c.crash(5);
    c.partition(&[&[1, 2, 3, 4]]);
    c.advance(SECOND);
    c.crash(4);
    c.partition(&[&[1, 2, 3]]);
    c.advance(SECOND + SECOND / 2);
    assert_eq!(c.peek(1).manager.quorum().expected_votes, 5);
    c.advance(SECOND / 2);
    assert_eq!(c.peek(1).manager.quorum().expected_votes, 3);
}

#[test]
fn two_node_waits_for_both_then_one_stays_quorate() {
    let two = QuorumConfig {
        two_node: true,
        wait_for_all: true,
        ..votes(2)
    };
    let mut c = cluster(&[1, 2], two);
    c.partition(&[&[1], &[2]]);
    let q = c.peek(1).manager.quorum();
    assert!(!q.quorate && q.waiting_for_all, "{q}");
    c.open(1, service::CKPT, 1, 101);
    assert_eq!(c.call(1, 1, &open("c", CRW)).0, SA_AIS_ERR_TRY_AGAIN);
    c.partition(&[&[1, 2]]);
    assert!(c.peek(1).manager.quorate());
    assert_eq!(c.peek(1).manager.quorum().quorum, 1);
    assert_eq!(c.call(1, 1, &open("c", CRW)).0, SA_AIS_OK);
    c.crash(2);
    c.partition(&[&[1]]);
    assert!(c.peek(1).manager.quorate());
    let create = SectionCreate {
        open_id: 1,
        section_id: b"s".to_vec(),
        expiration: SA_TIME_END,
        data: b"alone".to_vec(),
    };
    assert_eq!(c.call(1, 1, &create).0, SA_AIS_OK);
    // the restarted node waits for the other before it is quorate
    c.restart(2);
    c.partition(&[&[1], &[2]]);
    assert!(!c.peek(2).manager.quorate());
    c.partition(&[&[1, 2]]);
    assert!(c.peek(2).manager.quorate());
}

#[test]
fn wait_for_all_holds_the_first_start_until_every_vote_is_present() {
    let wfa = QuorumConfig {
        wait_for_all: true,
        ..votes(3)
    };
    let mut c = cluster(&[1, 2, 3], wfa);
    c.partition(&[&[1, 2], &[3]]);
    assert!(!c.peek(1).manager.quorate());
    assert!(c.peek(1).manager.quorum().waiting_for_all);
    c.partition(&[&[1, 2, 3]]);
    assert!(c.peek(1).manager.quorate());
    // once seen, a majority is enough
    c.partition(&[&[1, 2], &[3]]);
    assert!(c.peek(1).manager.quorate());
    assert!(!c.peek(3).manager.quorate());
}

#[test]
fn weighted_votes_travel_in_the_sync() {
    let ids = [1, 2, 3];
    let envs = ids
        .iter()
        .map(|&id| {
            let mut env = test_env(id);
            // node 1 has 3 votes of 5
            env.config.quorum = QuorumConfig {
                votes: if id == 1 { 3 } else { 1 },
                ..votes(5)
            };
            env
        })
        .collect();
    let mut c = TestCluster::with_envs(envs, crate::services::all);
    c.partition(&[&[1], &[2, 3]]);
    let q = c.peek(1).manager.quorum();
    assert!(q.quorate && q.total_votes == 3, "{q}");
    let q = c.peek(2).manager.quorum();
    assert!(!q.quorate && q.total_votes == 2, "{q}");
    c.partition(&[&ids]);
    assert_eq!(c.peek(3).manager.quorum().total_votes, 5);
}

#[test]
fn group_messaging_is_not_gated() {
    let mut c = cluster(&[1, 2, 3], votes(3));
    c.partition(&[&[1, 2, 3]]);
    c.partition(&[&[1, 2], &[3]]);
    assert!(!c.peek(3).manager.quorate());
    c.open(3, service::EVT, 30, 130);
    // opening an existing-or-not channel without CREATE needs no quorum
    let channel = evt::ChannelOpen {
        name: Name::try_from("ch").unwrap(),
        flags: evt::open_flags::SUBSCRIBER,
        invocation: None,
    };
    assert_ne!(c.call(3, 30, &channel).0, SA_AIS_ERR_TRY_AGAIN);
    c.open(3, service::CPG, 31, 131);
    let join = sa_ipc::proto::cpg::Join {
        group: sa_ipc::proto::cpg::GroupName::new(b"g").unwrap(),
    };
    assert_eq!(c.call(3, 31, &join).0, SA_AIS_OK);
}

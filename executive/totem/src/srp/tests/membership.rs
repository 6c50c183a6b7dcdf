//! Membership changes: the state sequence, crashes, leaves, partitions and
//! merges, restarts.

use super::pump::{payload, Event, Net};
use crate::api::{ConfChgKind, Guarantee};
use crate::srp::State;
use crate::wire::Packet;

#[test]
fn a_ring_forms_through_gather_commit_recovery_and_operational() {
    let mut net = Net::with_nodes(&[1, 2, 3]);
    net.run_for(300);
    net.assert_ring(&[1, 2, 3]);
    for id in [1, 2, 3] {
        let states = &net.node(id).states;
        let tail = &states[states.len() - 4..];
        assert_eq!(
            tail,
            &[
                State::Gather,
                State::Commit,
                State::Recovery,
                State::Operational
            ],
            "node {id}: {states:?}"
        );
    }
    // Every processor saw the same configuration changes for the last ring.
    let ring = net.node(1).srp.ring_id();
    for id in [1, 2, 3] {
        let confs: Vec<_> = net
            .node(id)
            .confs()
            .into_iter()
            .filter(|c| c.ring_id == ring)
            .collect();
        assert_eq!(confs.len(), 2);
        assert_eq!(confs[0].kind, ConfChgKind::Transitional);
        assert_eq!(confs[1].kind, ConfChgKind::Regular);
        assert_eq!(confs[1].members, vec![1, 2, 3]);
    }
}

#[test]
fn a_three_node_ring_where_one_stops_reconfigures_to_two() {
    let mut net = Net::with_nodes(&[1, 2, 3]);
    net.run_for(300);
    net.assert_ring(&[1, 2, 3]);
    let old = net.node(1).srp.ring_id();
    for i in 0..20 {
        net.mcast(1, &payload(1, i), Guarantee::Agreed);
        net.mcast(3, &payload(3, i), Guarantee::Safe);
    }
    net.run_for(5);
    net.crash(3);
    net.run_for(4000);
    net.assert_ring(&[1, 2]);
    let new = net.node(1).srp.ring_id();
    assert!(new.seq > old.seq);
    assert_eq!(new.seq % 4, old.seq % 4);
    for id in [1, 2] {
        let confs = net.node(id).confs();
        let trans = &confs[confs.len() - 2];
        let reg = &confs[confs.len() - 1];
        assert_eq!(trans.kind, ConfChgKind::Transitional);
        assert_eq!(trans.members, vec![1, 2]);
        assert_eq!(trans.left, vec![3]);
        assert_eq!(reg.kind, ConfChgKind::Regular);
        assert_eq!(reg.members, vec![1, 2]);
        assert!(reg.joined.is_empty());
    }
    assert!(net.nodes.values().any(|n| n.srp.stats().token_losses >= 1));
    net.check_order();
    // Both survivors delivered the same messages in the old ring (virtual
    // synchrony), up to the transitional configuration.
    let before = |id| {
        let ev = &net.node(id).events;
        let cut = ev
            .iter()
            .rposition(|e| matches!(e, Event::Conf(c) if c.kind == ConfChgKind::Transitional))
            .unwrap();
        let start = ev[..cut]
            .iter()
            .rposition(|e| matches!(e, Event::Conf(c) if c.ring_id == old))
            .unwrap();
        ev[start + 1..cut].to_vec()
    };
    assert_eq!(before(1), before(2));
    // Node 1's own messages are all delivered.
    let d = net.node(1).delivered();
    assert!((0..20).all(|i| d.contains(&payload(1, i))));
    // The ring works afterwards.
    net.mcast(2, b"after", Guarantee::Safe);
    net.run_for(500);
    assert!(net.node(1).delivered().contains(&b"after".to_vec()));
}

#[test]
fn a_graceful_leave_reconfigures_without_waiting_for_token_loss() {
    let mut net = Net::with_nodes(&[1, 2, 3]);
    net.run_for(300);
    net.assert_ring(&[1, 2, 3]);
    net.leave(2);
    // Well under the token timeout (1000 ms).
    net.run_for(400);
    net.assert_ring(&[1, 3]);
    for id in [1, 3] {
        assert_eq!(net.node(id).srp.stats().token_losses, 0);
        let t = net
            .node(id)
            .confs()
            .into_iter()
            .rev()
            .find(|c| c.kind == ConfChgKind::Transitional)
            .unwrap();
        assert_eq!(t.left, vec![2]);
    }
}

#[test]
fn partitions_form_separate_rings_that_merge_when_healed() {
    let ids = [1, 2, 3, 4];
    let mut net = Net::with_nodes(&ids);
    net.run_for(300);
    net.assert_ring(&ids);
    net.partition(&[&[1, 2], &[3, 4]]);
    for i in 0..10 {
        net.mcast(1, &payload(1, i), Guarantee::Agreed);
        net.mcast(4, &payload(4, i), Guarantee::Agreed);
    }
    net.run_for(4000);
    net.assert_ring(&[1, 2]);
    net.assert_ring(&[3, 4]);
    assert!(net.node(2).delivered().contains(&payload(1, 9)));
    assert!(!net.node(2).delivered().contains(&payload(4, 9)));
    net.heal();
    net.run_for(3000);
    net.assert_ring(&ids);
    for &id in &ids {
        let reg = net.node(id).last_regular().unwrap();
        assert_eq!(reg.members, ids.to_vec());
        let trans = net
            .node(id)
            .confs()
            .into_iter()
            .rev()
            .find(|c| c.kind == ConfChgKind::Transitional)
            .unwrap();
        let side: &[u32] = if id <= 2 { &[1, 2] } else { &[3, 4] };
        assert_eq!(trans.members, side.to_vec(), "node {id}");
        let other: Vec<u32> = ids.iter().copied().filter(|x| !side.contains(x)).collect();
        assert_eq!(reg.joined, other, "node {id}");
    }
    net.mcast(3, b"merged", Guarantee::Safe);
    net.run_for(500);
    net.check_order();
    for &id in &ids {
        assert!(net.node(id).delivered().contains(&b"merged".to_vec()));
    }
}

#[test]
fn a_restarted_processor_rejoins_with_the_same_id() {
    let mut net = Net::with_nodes(&[1, 2, 3]);
    net.run_for(300);
    net.assert_ring(&[1, 2, 3]);
    let before = net.node(1).srp.ring_id();
    net.crash(2);
    net.run_for(50);
    net.start(2);
    net.run_for(4000);
    net.assert_ring(&[1, 2, 3]);
    assert!(net.node(2).srp.ring_id().seq > before.seq);
    net.mcast(2, b"back", Guarantee::Agreed);
    net.run_for(300);
    for id in [1, 2, 3] {
        assert!(net.node(id).delivered().contains(&b"back".to_vec()));
    }
    net.check_order();
}

#[test]
fn a_restarted_processor_that_forgot_its_ring_sequence_still_rejoins() {
    let mut net = Net::with_nodes(&[1, 2, 3]);
    net.run_for(300);
    net.crash(3);
    net.persisted.clear();
    net.run_for(20);
    net.start(3);
    net.run_for(6000);
    net.assert_ring(&[1, 2, 3]);
}

#[test]
fn stale_joins_do_not_disturb_an_operational_ring() {
    let mut net = Net::with_nodes(&[1, 2]);
    net.run_for(300);
    net.assert_ring(&[1, 2]);
    let ring = net.node(1).srp.ring_id();
    let stale = Packet::Join(crate::wire::Join {
        sender: 2,
        ring_seq: ring.seq - 4,
        proc_set: vec![1, 2],
        fail_set: vec![],
    });
    net.input(
        1,
        crate::Input::Packet {
            from: 2,
            bytes: stale.encode(),
        },
    );
    net.run_for(100);
    assert_eq!(net.node(1).srp.ring_id(), ring);
    assert_eq!(net.node(1).srp.state(), State::Operational);
}

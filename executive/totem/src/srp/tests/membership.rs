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
    net.run_for(4000);
    net.assert_ring(&[1, 2]);
    net.assert_ring(&[3, 4]);
    // Multicast in the partitions' rings: a message queued in the old
    // ring and not sent there would be dropped at the change.
    for i in 0..10 {
        net.mcast(1, &payload(1, i), Guarantee::Agreed);
        net.mcast(4, &payload(4, i), Guarantee::Agreed);
    }
    net.run_for(500);
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

#[test]
fn recovery_gives_survivors_the_old_ring_messages_they_lacked() {
    use std::cell::Cell;
    use std::rc::Rc;

    let mut net = Net::with_nodes(&[1, 2, 3]);
    net.run_for(300);
    net.assert_ring(&[1, 2, 3]);
    let old = net.node(1).srp.ring_id();
    // Node 3 hears no message at all for a while; node 1 multicasts, then
    // crashes before node 3 could be repaired.
    let deaf = Rc::new(Cell::new(true));
    let d = deaf.clone();
    net.fate = Box::new(move |_, to, p| {
        if d.get() && to == 3 && matches!(p, Packet::Mcast(_)) {
            None
        } else {
            Some(0)
        }
    });
    for i in 0..10 {
        net.mcast(1, &payload(1, i), Guarantee::Agreed);
    }
    // A safe message cannot be delivered on the old ring (node 3 lacks
    // it): it is delivered in the transitional configuration.
    net.mcast(1, &payload(1, 10), Guarantee::Safe);
    net.run_for(30);
    assert!(
        net.node(2).delivered().contains(&payload(1, 9)),
        "node 2 got them on the old ring"
    );
    assert!(!net.node(2).delivered().contains(&payload(1, 10)));
    assert!(
        !net.node(3).delivered().contains(&payload(1, 1)),
        "node 3 did not"
    );
    net.crash(1);
    deaf.set(false);
    net.run_for(4000);
    net.assert_ring(&[2, 3]);
    let in_old_ring = |id| {
        let ev = &net.node(id).events;
        let start = ev
            .iter()
            .position(|e| matches!(e, Event::Conf(c) if c.ring_id == old && c.kind == ConfChgKind::Regular))
            .unwrap();
        let trans = ev
            .iter()
            .position(|e| matches!(e, Event::Conf(c) if c.kind == ConfChgKind::Transitional && c.ring_id != old))
            .unwrap();
        let after: Vec<_> = ev[trans..]
            .iter()
            .take_while(|e| !matches!(e, Event::Conf(c) if c.kind == ConfChgKind::Regular))
            .cloned()
            .collect();
        (ev[start + 1..trans].to_vec(), after)
    };
    let (before2, after2) = in_old_ring(2);
    let (before3, after3) = in_old_ring(3);
    // Node 2 delivered the agreed ones in the old configuration; node 3
    // delivers them at the same place, received through recovery.
    assert_eq!(before2, before3);
    assert_eq!(after2, after3);
    let d3 = net.node(3).delivered();
    assert!((0..10).all(|i| d3.contains(&payload(1, i))), "{d3:?}");
    assert!(before3.contains(&Event::Deliver(1, payload(1, 9))));
    assert_eq!(
        after3,
        vec![
            Event::Conf(
                net.node(3)
                    .confs()
                    .into_iter()
                    .find(|c| c.kind == ConfChgKind::Transitional && c.ring_id != old)
                    .unwrap()
            ),
            Event::Deliver(1, payload(1, 10))
        ]
    );
    assert!(net.node(2).srp.stats().messages_sent >= 10);
    net.check_order();
}

fn join_from(sender: u32, ring_seq: u64, proc_set: &[u32], fail_set: &[u32]) -> crate::Input {
    let j = crate::wire::Join {
        sender,
        ring_seq,
        proc_set: proc_set.to_vec(),
        fail_set: fail_set.to_vec(),
    };
    crate::Input::Packet {
        from: sender,
        bytes: Packet::Join(j).encode(),
    }
}

#[test]
fn a_join_that_fails_us_does_not_make_us_fail_its_sender() {
    let mut net = Net::with_nodes(&[1, 2]);
    net.run_for(300);
    let seq = net.node(1).srp.ring_id().seq;
    // Processor 5, of another ring, gave up on us in an earlier round.
    net.input(1, join_from(5, seq, &[1, 2, 5], &[1]));
    let s = &net.node(1).srp;
    assert_eq!(s.state(), State::Gather);
    assert!(s.proc_set.contains(&5));
    assert!(s.fail_set.is_empty(), "{:?}", s.fail_set);
}

#[test]
fn failures_of_processors_we_hear_are_not_taken_from_others() {
    let mut net = Net::with_nodes(&[1, 2]);
    net.run_for(300);
    let seq = net.node(1).srp.ring_id().seq;
    net.input(1, join_from(5, seq, &[1, 2, 5, 9], &[]));
    assert_eq!(net.node(1).srp.state(), State::Gather);
    // Processor 5 says 2 (which we hear) and 9 (never heard) failed.
    net.input(1, join_from(5, seq, &[1, 2, 5, 9], &[2, 9]));
    let s = &net.node(1).srp;
    assert_eq!(s.fail_set.iter().copied().collect::<Vec<_>>(), vec![9]);
}

#[test]
fn a_member_that_keeps_failing_to_receive_stays_failed_for_the_gather() {
    let mut net = Net::with_nodes(&[1, 2, 3]);
    net.run_for(300);
    let seq = net.node(1).srp.ring_id().seq;
    // Member 2 reports that 3 failed (it kept failing to receive): taken
    // although 3 is heard, and a later join of 3 does not bring it back.
    net.input(1, join_from(2, seq, &[1, 2, 3], &[3]));
    assert!(net.node(1).srp.fail_set.contains(&3));
    net.input(1, join_from(3, seq + 8, &[1, 2, 3], &[]));
    assert!(net.node(1).srp.fail_set.contains(&3));
}

#[test]
fn a_fresh_round_makes_a_gathering_processor_reconsider_its_verdicts() {
    let mut net = Net::with_nodes(&[1, 2]);
    net.run_for(300);
    let seq = net.node(1).srp.ring_id().seq;
    // 1 gathers with 2 and 5; 5 disagrees until 1's consensus timeout
    // fails it although 5 is heard.
    net.input(1, join_from(5, seq, &[1, 2, 5], &[]));
    net.input(1, join_from(5, seq, &[1, 2, 5], &[2]));
    net.input(1, crate::Input::TimerFired(crate::TimerKind::Consensus));
    assert!(net.node(1).srp.fail_set.contains(&5));
    // 5 formed a newer ring since and gathers afresh: 1 takes it back.
    net.input(1, join_from(5, seq + 8, &[5], &[]));
    assert!(
        !net.node(1).srp.fail_set.contains(&5),
        "{:?}",
        net.node(1).srp.fail_set
    );
}

/// 1 and 2 form a ring; 1 gathers with 5, and its consensus timeout fails 5
/// although 5 is heard.
fn gathering_with_a_verdict_against_5() -> (Net, u64) {
    let mut net = Net::with_nodes(&[1, 2]);
    net.run_for(300);
    let seq = net.node(1).srp.ring_id().seq;
    net.input(1, join_from(5, seq, &[1, 2, 5], &[]));
    net.input(1, join_from(5, seq, &[1, 2, 5], &[2]));
    // 2 gathers too and agrees with 1; only 5 keeps other sets.
    net.run_for(5);
    net.input(1, crate::Input::TimerFired(crate::TimerKind::Consensus));
    let s = &net.node(1).srp;
    assert_eq!(s.fail_set.iter().copied().collect::<Vec<_>>(), vec![5]);
    (net, seq)
}

#[test]
fn a_member_join_older_than_the_fresh_round_does_not_revive_a_verdict() {
    let (mut net, seq) = gathering_with_a_verdict_against_5();
    // A fresh round (5 formed a newer ring) makes 1 drop the verdict ...
    net.input(1, join_from(5, seq + 8, &[1, 2, 5], &[]));
    assert!(!net.node(1).srp.fail_set.contains(&5));
    // ... and member 2's join, sent before 2 heard of that round, carries
    // the old verdict: it is not taken back.
    net.input(1, join_from(2, seq, &[1, 2, 5], &[5]));
    let s = &net.node(1).srp;
    assert!(!s.fail_set.contains(&5), "{:?}", s.fail_set);
}

#[test]
fn a_verdict_a_member_passes_on_while_gathering_is_not_firm() {
    let (mut net, seq) = gathering_with_a_verdict_against_5();
    // Member 2, gathering in the same round, reports 6 failed and knows of
    // 7: 6 is taken (it is not heard here anyway) ...
    net.input(1, join_from(2, seq, &[1, 2, 5, 6, 7], &[5, 6]));
    assert!(net.node(1).srp.fail_set.contains(&6));
    assert_eq!(net.node(1).srp.state(), State::Gather);
    // ... but the verdict against 5, heard lately, is not made firm by 2's
    // join: a fresh round still reconsiders it.
    net.input(1, join_from(5, seq + 8, &[1, 2, 5, 6, 7], &[]));
    let s = &net.node(1).srp;
    assert!(!s.fail_set.contains(&5), "{:?}", s.fail_set);
}

#[test]
fn a_processor_that_left_and_came_back_is_no_longer_failed() {
    let mut net = Net::with_nodes(&[1, 2, 3]);
    net.run_for(300);
    net.assert_ring(&[1, 2, 3]);
    let seq = net.node(1).srp.ring_id().seq;
    let leave = |ring_seq| crate::Input::Packet {
        from: 3,
        bytes: Packet::Leave(crate::wire::Leave {
            sender: 3,
            ring_seq,
        })
        .encode(),
    };
    // 3 leaves: failed for the gather, whatever a late join of its old
    // incarnation says.
    net.input(1, leave(seq));
    assert_eq!(net.node(1).srp.state(), State::Gather);
    assert!(net.node(1).srp.fail_set.contains(&3));
    net.input(1, join_from(3, seq, &[1, 2, 3], &[]));
    assert!(net.node(1).srp.fail_set.contains(&3));
    // Restarted, 3 heard of a newer ring: its join lifts the failure.
    net.input(1, join_from(3, seq + 4, &[1, 2, 3], &[]));
    let s = &net.node(1).srp;
    assert!(!s.fail_set.contains(&3), "{:?}", s.fail_set);
}

#[test]
fn a_member_that_saw_a_newer_ring_is_trusted_no_more_than_an_outsider() {
    let mut net = Net::with_nodes(&[1, 2]);
    net.run_for(300);
    let seq = net.node(1).srp.ring_id().seq;
    // 3, of another ring, is heard: 1 gathers with it.
    net.input(1, join_from(3, seq, &[1, 2, 3], &[]));
    assert_eq!(net.node(1).srp.state(), State::Gather);
    // Member 2 has formed a newer ring since and failed 3 there: a verdict
    // from another round, not taken against a processor 1 hears.
    net.input(1, join_from(2, seq + 4, &[1, 2, 3], &[3]));
    let s = &net.node(1).srp;
    assert!(!s.fail_set.contains(&3), "{:?}", s.fail_set);
    // The same verdict from 2 judging the ring 1 and 2 share is taken.
    net.input(1, join_from(2, seq, &[1, 2, 3], &[3]));
    assert!(net.node(1).srp.fail_set.contains(&3));
}

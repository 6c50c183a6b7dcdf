//! Numbers a peer puts in a packet: ring sequences, message sequences,
//! arus and counts must never panic, overflow, allocate without bound or
//! lock the ring.

use super::pump::{payload, Net};
use crate::api::{Config, Guarantee, Input, NodeId, RingId, Time};
use crate::srp::{Srp, State};
use crate::wire::{
    CommitEntry, CommitToken, HoldCancel, Join, Leave, McastMsg, MemberState, MergeDetect, Packet,
    Token,
};

/// Hands `packet` to every live processor as if `from` had sent it.
fn inject(net: &mut Net, from: NodeId, packet: &Packet) {
    let ids: Vec<NodeId> = net.nodes.keys().copied().collect();
    for id in ids {
        net.input(
            id,
            Input::Packet {
                from,
                bytes: packet.encode(),
            },
        );
    }
}

fn forged_join(ring_seq: u64) -> Packet {
    Packet::Join(Join {
        sender: 99,
        ring_seq,
        proc_set: vec![99],
        fail_set: vec![],
    })
}

fn running_ring() -> Net {
    let mut net = Net::with_nodes(&[1, 2, 3]);
    net.run_for(300);
    net.assert_ring(&[1, 2, 3]);
    net
}

#[test]
fn a_forged_join_at_the_end_of_the_sequence_space_leaves_the_ring_alone() {
    let mut net = running_ring();
    let ring = net.node(1).srp.ring_id();
    let installed = net.node(1).srp.stats().rings_installed;
    inject(&mut net, 99, &forged_join(u64::MAX));
    net.mcast(2, b"after", Guarantee::Safe);
    net.run_for(5000);
    net.assert_ring(&[1, 2, 3]);
    for id in [1, 2, 3] {
        let s = &net.node(id).srp;
        assert_eq!(s.ring_id(), ring, "node {id}: the ring was not disturbed");
        assert_eq!(s.stats().rings_installed, installed);
        assert!(
            s.ring_seq_high() < 1 << 40,
            "node {id}: {}",
            s.ring_seq_high()
        );
        assert!(net.node(id).delivered().contains(&b"after".to_vec()));
    }
}

#[test]
fn forged_packets_of_every_membership_kind_at_u64_max_do_not_move_the_ring_sequence() {
    let mut net = running_ring();
    let ring = net.node(1).srp.ring_id();
    let max_ring = RingId {
        rep: 99,
        seq: u64::MAX,
    };
    let packets = [
        forged_join(u64::MAX),
        Packet::MergeDetect(MergeDetect {
            sender: 99,
            ring: max_ring,
        }),
        Packet::HoldCancel(HoldCancel {
            sender: 99,
            ring: max_ring,
        }),
        Packet::Leave(Leave {
            sender: 2,
            ring_seq: u64::MAX,
        }),
        Packet::Commit(CommitToken {
            ring: RingId {
                rep: 1,
                seq: u64::MAX,
            },
            token_seq: u64::MAX,
            entries: vec![CommitEntry {
                node: 1,
                state: None,
            }],
        }),
    ];
    for p in &packets {
        inject(&mut net, 99, p);
    }
    net.run_for(5000);
    net.assert_ring(&[1, 2, 3]);
    for id in [1, 2, 3] {
        let s = &net.node(id).srp;
        assert_eq!(s.ring_id(), ring);
        assert!(s.ring_seq_high() < 1 << 40);
        assert!(
            s.stats().implausible_packets >= 4,
            "node {id}: {:?}",
            s.stats()
        );
    }
}

#[test]
fn a_ring_sequence_within_the_bound_is_followed_and_the_next_ring_is_above_it() {
    let mut net = running_ring();
    let high = net.node(1).srp.ring_seq_high();
    let jump = high + crate::srp::RING_SEQ_MAX_STEP;
    inject(&mut net, 99, &forged_join(jump));
    net.run_for(5000);
    net.assert_ring(&[1, 2, 3]);
    let ring = net.node(1).srp.ring_id();
    assert!(ring.seq > jump && ring.seq <= jump + 16, "{ring}");
    // One reconfiguration (the unknown sender is failed by consensus),
    // not a storm.
    for id in [1, 2, 3] {
        assert!(net.node(id).srp.stats().rings_installed <= 3);
    }
}

#[test]
fn a_join_more_than_the_bound_above_our_highest_sequence_is_dropped_and_counted() {
    let (mut srp, _) = Srp::new(Config::default(), 1, 400, Time(0));
    let too_far = 400 + crate::srp::RING_SEQ_MAX_STEP + 1;
    srp.handle(
        Time(1),
        Input::Packet {
            from: 2,
            bytes: Packet::Join(Join {
                sender: 2,
                ring_seq: too_far,
                proc_set: vec![1, 2],
                fail_set: vec![],
            })
            .encode(),
        },
    );
    assert_eq!(srp.ring_seq_high(), 400);
    assert_eq!(srp.stats().implausible_packets, 1);
}

#[test]
fn an_implausible_persisted_sequence_starts_afresh() {
    let (srp, _) = Srp::new(Config::default(), 1, u64::MAX, Time(0));
    assert_eq!(srp.ring_seq_high(), 0);
    let (srp, _) = Srp::new(Config::default(), 1, crate::srp::RING_SEQ_LIMIT, Time(0));
    assert_eq!(srp.ring_seq_high(), crate::srp::RING_SEQ_LIMIT);
}

#[test]
fn at_the_sequence_limit_no_ring_is_created_and_nothing_overflows() {
    let limit = crate::srp::RING_SEQ_LIMIT;
    let mut net = Net::new(Config::default());
    net.persisted.insert(1, limit);
    net.start(1);
    net.run_for(3000);
    let s = &net.node(1).srp;
    assert_eq!(s.state(), State::Gather);
    assert!(s.ring_seq_high() <= limit);
    assert!(s.stats().commit_tokens_created == 0);
}

/// A token, message or commit token whose counters sit at the end of the
/// space: dropped, never an overflow.
#[test]
fn counters_at_u64_max_in_tokens_messages_and_commit_tokens_never_panic() {
    let mut net = running_ring();
    let ring = net.node(1).srp.ring_id();
    let mut packets = vec![
        Packet::Token(Token {
            ring,
            token_seq: u64::MAX,
            seq: u64::MAX,
            aru: u64::MAX,
            rtr: vec![u64::MAX, 0, u64::MAX - 1],
            install_seq: Some(u64::MAX),
            ..Token::default()
        }),
        Packet::Mcast(McastMsg {
            ring,
            seq: u64::MAX,
            sender: 2,
            guarantee: Guarantee::Agreed,
            origin: None,
            payload: b"forged".to_vec(),
        }),
    ];
    let state = MemberState {
        old_ring: ring,
        aru: u64::MAX,
        high_delivered: u64::MAX,
        received_flg: false,
    };
    for token_seq in [0, u64::MAX] {
        packets.push(Packet::Commit(CommitToken {
            ring: RingId {
                rep: 1,
                seq: ring.seq + 4,
            },
            token_seq,
            entries: [1, 2, 3]
                .into_iter()
                .map(|node| CommitEntry {
                    node,
                    state: Some(state),
                })
                .collect(),
        }));
    }
    for p in &packets {
        inject(&mut net, 2, p);
    }
    for i in 0..5 {
        net.mcast(3, &payload(3, i), Guarantee::Agreed);
    }
    net.run_for(5000);
    net.assert_ring(&[1, 2, 3]);
    for id in [1, 2, 3] {
        let d = net.node(id).delivered();
        assert!(!d.contains(&b"forged".to_vec()));
        assert!((0..5).all(|i| d.contains(&payload(3, i))));
    }
}

#[test]
fn messages_far_ahead_of_what_the_ring_sequenced_are_not_stored() {
    let mut net = running_ring();
    let ring = net.node(1).srp.ring_id();
    for k in 0..200u64 {
        inject(
            &mut net,
            99,
            &Packet::Mcast(McastMsg {
                ring,
                seq: 1_000_000_000 + k,
                sender: 2,
                guarantee: Guarantee::Agreed,
                origin: None,
                payload: vec![0; 1000],
            }),
        );
    }
    for id in [1, 2, 3] {
        assert!(net.node(id).srp.stats().implausible_packets >= 200);
    }
    net.mcast(1, b"still", Guarantee::Safe);
    net.run_for(3000);
    net.assert_ring(&[1, 2, 3]);
    assert!(net.node(3).delivered().contains(&b"still".to_vec()));
}

//! The packer and the assembler together, over a stand-in for Totem that
//! delivers every payload to every node in one agreed order.

use proptest::prelude::*;

use super::*;
use crate::api::{ConfChg, ConfChgKind, Guarantee, NodeId, RingId};

const MTU: usize = 1400;

fn limits() -> Limits {
    Limits::new(MTU)
}

fn message(seed: u32, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2654435761).wrapping_add(seed) as u8)
        .collect()
}

fn drain(packer: &mut Packer) -> Vec<Payload> {
    std::iter::from_fn(|| packer.pop_payload()).collect()
}

fn drain_group(group: &mut ProcessGroup) -> Vec<Payload> {
    std::iter::from_fn(|| group.pop_payload()).collect()
}

fn assemble(from: NodeId, payloads: &[Payload]) -> (Vec<Vec<u8>>, Assembler) {
    let mut assembler = Assembler::new(99, limits()).unwrap();
    let mut out = Vec::new();
    for payload in payloads {
        for m in assembler.deliver(from, &payload.bytes) {
            assert_eq!(m.from, from);
            out.push(m.bytes);
        }
    }
    (out, assembler)
}

fn conf_chg(members: &[NodeId], left: &[NodeId], joined: &[NodeId]) -> ConfChg {
    ConfChg {
        kind: ConfChgKind::Regular,
        ring_id: RingId { rep: 1, seq: 8 },
        members: members.to_vec(),
        left: left.to_vec(),
        joined: joined.to_vec(),
    }
}

#[test]
fn many_small_messages_share_payloads() {
    let mut packer = Packer::new(limits()).unwrap();
    let sent: Vec<Vec<u8>> = (0..1000).map(|i| message(i, (i % 97) as usize)).collect();
    for m in &sent {
        packer.push(Guarantee::Agreed, m).unwrap();
    }
    let payloads = drain(&mut packer);
    let total: usize = sent.iter().map(|m| m.len() + 5).sum();
    assert!(
        payloads.len() <= total / (MTU - 200) + 1,
        "{}",
        payloads.len()
    );
    assert!(payloads.iter().all(|p| p.bytes.len() <= MTU));
    let (received, assembler) = assemble(5, &payloads);
    assert_eq!(received, sent);
    assert_eq!(assembler.stats().messages, 1000);
    assert!(packer.is_idle());
}

#[test]
fn a_message_of_more_than_one_mebibyte_is_fragmented_and_reassembled() {
    let mut packer = Packer::new(limits()).unwrap();
    let huge = message(7, (1 << 20) + 4321);
    packer.push(Guarantee::Safe, &huge).unwrap();
    assert_eq!(packer.queued_bytes(), huge.len());
    let payloads = drain(&mut packer);
    assert!(payloads.len() > (1 << 20) / MTU);
    assert!(payloads.iter().all(|p| p.bytes.len() <= MTU));
    assert!(payloads.iter().all(|p| p.guarantee == Guarantee::Safe));
    let (received, assembler) = assemble(3, &payloads);
    assert_eq!(received, vec![huge]);
    assert!(assembler.partial_senders().next().is_none());
}

#[test]
fn mixed_sizes_and_guarantees_keep_their_order() {
    let mut group = ProcessGroup::new(1, limits()).unwrap();
    let plan = [
        (Guarantee::Agreed, 10),
        (Guarantee::Agreed, 3000),
        (Guarantee::Agreed, 20),
        (Guarantee::Safe, 30),
        (Guarantee::Safe, 0),
        (Guarantee::Agreed, 5000),
        (Guarantee::Agreed, MTU - 6),
        (Guarantee::Agreed, 1),
    ];
    let sent: Vec<Vec<u8>> = plan
        .iter()
        .enumerate()
        .map(|(i, &(_, len))| message(i as u32, len))
        .collect();
    for ((guarantee, _), m) in plan.iter().zip(&sent) {
        group.mcast(*guarantee, m).unwrap();
    }
    // Totem delivers to the sender too; payloads behind a fragmented
    // message appear once it is delivered.
    let mut received = Vec::new();
    let mut guarantees = Vec::new();
    while group.has_payload() {
        for payload in drain_group(&mut group) {
            assert!(payload.bytes.len() <= MTU);
            guarantees.push(payload.guarantee);
            received.extend(
                group
                    .deliver(1, &payload.bytes)
                    .into_iter()
                    .map(|m| m.bytes),
            );
        }
    }
    assert_eq!(received, sent);
    assert!(group.packer().is_idle());
    // Agreed and Safe messages never share a payload.
    assert!(guarantees.contains(&Guarantee::Safe));
    let safe_payloads = guarantees.iter().filter(|g| **g == Guarantee::Safe).count();
    assert_eq!(safe_payloads, 1);
}

#[test]
fn messages_behind_a_fragmented_one_wait_for_its_delivery() {
    let mut group = ProcessGroup::new(1, limits()).unwrap();
    group.mcast(Guarantee::Agreed, &message(1, 4000)).unwrap();
    group.mcast(Guarantee::Agreed, b"after").unwrap();
    let first = drain_group(&mut group);
    assert_eq!(first.len(), 3);
    assert!(!group.has_payload());
    assert!(!group.packer().is_idle());
    assert_eq!(group.queued_bytes(), 5);
    let mut received = Vec::new();
    for p in &first {
        received.extend(group.deliver(1, &p.bytes));
    }
    assert_eq!(received.len(), 1);
    let second = drain_group(&mut group);
    assert_eq!(second.len(), 1);
    assert_eq!(group.deliver(1, &second[0].bytes)[0].bytes, b"after");
    assert!(group.packer().is_idle());
}

#[test]
fn an_unpopped_payload_comes_back_first() {
    let mut packer = Packer::new(limits()).unwrap();
    packer.push(Guarantee::Agreed, &message(1, 3000)).unwrap();
    let first = packer.pop_payload().unwrap();
    let second = packer.pop_payload().unwrap();
    packer.unpop_payload(second.clone());
    assert_eq!(packer.pop_payload().unwrap(), second);
    let rest = drain(&mut packer);
    let mut all = vec![first, second];
    all.extend(rest);
    assert_eq!(assemble(2, &all).0, vec![message(1, 3000)]);
}

#[test]
fn interleaved_senders_reassemble_in_one_agreed_order() {
    let senders: [NodeId; 3] = [1, 2, 3];
    let mut groups: Vec<ProcessGroup> = senders
        .iter()
        .map(|&id| ProcessGroup::new(id, limits()).unwrap())
        .collect();
    let mut sent: Vec<Vec<Vec<u8>>> = vec![Vec::new(); 3];
    for (i, group) in groups.iter_mut().enumerate() {
        for k in 0..6u32 {
            let len = [5, 2500, 17, 9000, 1, 1300][k as usize] + i;
            let m = message(k * 10 + i as u32, len);
            group.mcast(Guarantee::Agreed, &m).unwrap();
            sent[i].push(m);
        }
    }
    // Round-robin one payload per sender: fragments of different senders
    // interleave in the delivery stream.
    let mut streams: Vec<Vec<Message>> = vec![Vec::new(); 3];
    while groups.iter().any(|g| g.has_payload()) {
        for s in 0..3 {
            let Some(payload) = groups[s].pop_payload() else {
                continue;
            };
            for (r, stream) in streams.iter_mut().enumerate() {
                stream.extend(groups[r].deliver(senders[s], &payload.bytes));
            }
        }
    }
    assert!(groups.iter().all(|g| g.packer().is_idle()));
    for stream in &streams[1..] {
        assert_eq!(stream, &streams[0], "nodes disagree on the order");
    }
    for (i, &id) in senders.iter().enumerate() {
        let from_i: Vec<Vec<u8>> = streams[0]
            .iter()
            .filter(|m| m.from == id)
            .map(|m| m.bytes.clone())
            .collect();
        assert_eq!(from_i, sent[i]);
    }
}

#[test]
fn a_sender_leaving_mid_message_loses_it_everywhere_consistently() {
    let mut sender = Packer::new(limits()).unwrap();
    sender.push(Guarantee::Agreed, &message(1, 10_000)).unwrap();
    let payloads = drain(&mut sender);
    let mut nodes: Vec<Assembler> = (0..2)
        .map(|_| Assembler::new(1, limits()).unwrap())
        .collect();
    for node in &mut nodes {
        for p in &payloads[..3] {
            assert!(node.deliver(2, &p.bytes).is_empty());
        }
        assert_eq!(node.partial_senders().collect::<Vec<_>>(), vec![2]);
        node.conf_chg(&conf_chg(&[1, 3], &[2], &[]));
        assert!(node.partial_senders().next().is_none());
        // Whatever of it still arrives is an orphan.
        for p in &payloads[3..] {
            assert!(node.deliver(2, &p.bytes).is_empty());
        }
        assert!(node.deliver(3, &frame_with(b"still alive")).len() == 1);
    }
    let stats = nodes[0].stats();
    assert_eq!(stats, nodes[1].stats());
    assert_eq!(stats.discarded_by_confchg, 1);
    assert_eq!(stats.orphan_fragments, (payloads.len() - 3) as u64);
    assert_eq!(stats.messages, 1);
    assert_eq!(stats.sequence_errors, 0);
}

#[test]
fn a_transitional_change_that_others_survive_keeps_partial_messages_until_the_regular_one() {
    let mut sender = Packer::new(limits()).unwrap();
    let m = message(4, 5000);
    sender.push(Guarantee::Agreed, &m).unwrap();
    let payloads = drain(&mut sender);
    let mut node = Assembler::new(1, limits()).unwrap();
    node.deliver(2, &payloads[0].bytes);
    // Node 3 leaves: node 2's fragments recovered from the old ring still
    // complete its message in the transitional configuration.
    let mut transitional = conf_chg(&[1, 2], &[3], &[]);
    transitional.kind = ConfChgKind::Transitional;
    node.conf_chg(&transitional);
    let mut out = Vec::new();
    for p in &payloads[1..] {
        out.extend(node.deliver(2, &p.bytes));
    }
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].bytes, m);
    // A regular configuration ends every partial message: no sender goes
    // on with one in the new ring.
    let mut sender = Packer::new(limits()).unwrap();
    sender.push(Guarantee::Agreed, &m).unwrap();
    let payloads = drain(&mut sender);
    node.deliver(2, &payloads[0].bytes);
    node.conf_chg(&conf_chg(&[1, 2], &[], &[]));
    assert!(node.partial_senders().next().is_none());
}

#[test]
fn a_joiner_mid_message_makes_every_member_drop_it_and_the_sender_drop_the_rest() {
    // Node 2 sends a large message then a small one; node 3 joins after the
    // first two fragments were delivered to nodes 1 and 2.
    let mut nodes: Vec<ProcessGroup> = [1, 2, 3]
        .iter()
        .map(|&id| ProcessGroup::new(id, limits()).unwrap())
        .collect();
    // Nodes 1 and 2 are in a configuration (node 3 in its own).
    for node in nodes.iter_mut() {
        node.conf_chg(&conf_chg(&[1, 2], &[], &[]));
    }
    let big = message(9, 6000);
    nodes[1].mcast(Guarantee::Agreed, &big).unwrap();
    nodes[1].mcast(Guarantee::Agreed, b"next").unwrap();
    let mut delivered: Vec<Vec<Message>> = vec![Vec::new(); 3];
    for _ in 0..2 {
        let p = nodes[1].pop_payload().unwrap();
        for r in 0..2 {
            delivered[r].extend(nodes[r].deliver(2, &p.bytes));
        }
    }
    // One more fragment was already handed to Totem and is delivered after
    // the change, to all three.
    let in_flight = nodes[1].pop_payload().unwrap();
    let change = conf_chg(&[1, 2, 3], &[], &[3]);
    for node in nodes.iter_mut() {
        node.conf_chg(&change);
    }
    for r in 0..3 {
        delivered[r].extend(nodes[r].deliver(2, &in_flight.bytes));
    }
    // Both messages were multicast in the old configuration: neither is
    // sent in the new one.
    assert!(!nodes[1].has_payload());
    assert!(delivered.iter().all(|stream| stream.is_empty()));
    assert!(nodes[1].packer().is_idle());
    assert_eq!(nodes[0].stats().discarded_by_confchg, 1);
    assert_eq!(nodes[1].stats().discarded_by_confchg, 1);
    assert_eq!(nodes[2].stats().discarded_by_confchg, 0);
    assert!(nodes.iter().all(|n| n.stats().orphan_fragments == 1));
}

#[test]
fn messages_over_the_limit_are_refused_and_dropped_without_buffering() {
    let big_limits = Limits {
        max_payload: MTU,
        max_message: 100_000,
    };
    let small_limits = Limits {
        max_payload: MTU,
        max_message: 10_000,
    };
    let mut sender = Packer::new(big_limits).unwrap();
    assert_eq!(
        sender.push(Guarantee::Agreed, &vec![0; 100_001]),
        Err(PackError::TooLarge {
            len: 100_001,
            max: 100_000
        })
    );
    sender.push(Guarantee::Agreed, &message(1, 50_000)).unwrap();
    let mut payloads = drain(&mut sender);
    sender.own_outcome(OwnOutcome::Settled(0));
    sender.push(Guarantee::Agreed, b"small").unwrap();
    payloads.extend(drain(&mut sender));
    let mut receiver = Assembler::new(1, small_limits).unwrap();
    let mut out = Vec::new();
    for p in &payloads {
        out.extend(receiver.deliver(2, &p.bytes));
        assert!(receiver.partial_senders().count() <= 1);
    }
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].bytes, b"small");
    let stats = receiver.stats();
    assert_eq!(stats.oversize_messages, 1);
    assert_eq!(stats.orphan_fragments + stats.sequence_errors, 0);
}

#[test]
fn malformed_payloads_are_counted_and_dropped() {
    let mut node = Assembler::new(1, limits()).unwrap();
    for bad in [&[][..], &[9, 1], &[1, 1, 200, 0, 0, 0, b'x'], &[1, 0x55]] {
        assert!(node.deliver(2, bad).is_empty());
    }
    assert_eq!(node.stats().malformed_payloads, 4);
    assert_eq!(node.deliver(2, &frame_with(b"ok"))[0].bytes, b"ok");
}

#[test]
fn a_broken_fragment_sequence_drops_the_message() {
    let mut sender = Packer::new(limits()).unwrap();
    sender.push(Guarantee::Agreed, &message(1, 5000)).unwrap();
    let payloads = drain(&mut sender);
    let mut node = Assembler::new(1, limits()).unwrap();
    node.deliver(2, &payloads[0].bytes);
    // A fragment skipped: the message cannot be completed.
    node.deliver(2, &payloads[2].bytes);
    assert!(node.partial_senders().next().is_none());
    assert!(node.deliver(2, &payloads[3].bytes).is_empty());
    assert_eq!(node.stats().sequence_errors, 1);
    assert_eq!(node.stats().orphan_fragments, 1);
}

#[test]
fn limits_are_checked() {
    assert_eq!(
        Packer::new(Limits::new(MIN_PAYLOAD - 1)).unwrap_err(),
        LimitsError::PayloadTooSmall {
            max_payload: MIN_PAYLOAD - 1
        }
    );
    assert!(Assembler::new(
        1,
        Limits {
            max_payload: MTU,
            max_message: usize::MAX
        }
    )
    .is_err());
    assert!(ProcessGroup::new(1, Limits::new(MIN_PAYLOAD)).is_ok());
}

#[test]
fn a_first_fragment_claiming_a_large_total_reserves_only_what_arrived() {
    let mut node = Assembler::new(1, limits()).unwrap();
    // First fragments of a 1 MiB message from a thousand senders (a peer
    // may name any sender): memory follows the bytes that came, not the
    // totals they claim.
    for from in 2..1002 {
        let mut payload = Vec::new();
        frame::start(&mut payload);
        frame::put_fragment(
            &mut payload,
            frame::FragmentPos {
                msg_id: 1,
                total: DEFAULT_MAX_MESSAGE as u32,
                offset: 0,
            },
            &[7; 100],
        );
        assert!(node.deliver(from, &payload).is_empty());
    }
    assert_eq!(node.partial_senders().count(), 1000);
    assert!(
        node.buffered_bytes() <= 1000 * 4096,
        "{}",
        node.buffered_bytes()
    );
}

/// A payload holding one whole message, as another node's packer makes it.
fn frame_with(m: &[u8]) -> Vec<u8> {
    let mut packer = Packer::new(limits()).unwrap();
    packer.push(Guarantee::Agreed, m).unwrap();
    packer.pop_payload().unwrap().bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn payloads_never_exceed_max_payload_and_round_trip(
        max_payload in MIN_PAYLOAD..3000usize,
        plan in prop::collection::vec((any::<bool>(), 0..9000usize), 1..40),
    ) {
        let mut group = ProcessGroup::new(4, Limits::new(max_payload)).unwrap();
        let mut sent = Vec::new();
        for (i, &(safe, len)) in plan.iter().enumerate() {
            let guarantee = if safe { Guarantee::Safe } else { Guarantee::Agreed };
            let m = message(i as u32, len);
            group.mcast(guarantee, &m).unwrap();
            sent.push(m);
        }
        let mut received = Vec::new();
        while group.has_payload() {
            let payload = group.pop_payload().unwrap();
            prop_assert!(payload.bytes.len() <= max_payload);
            received.extend(group.deliver(4, &payload.bytes).into_iter().map(|m| m.bytes));
        }
        prop_assert!(group.packer().is_idle());
        prop_assert_eq!(received, sent);
        prop_assert_eq!(group.stats().sequence_errors + group.stats().malformed_payloads, 0);
    }

    #[test]
    fn arbitrary_payloads_never_panic(
        payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..20),
        change_at in any::<prop::sample::Index>(),
    ) {
        let mut group = ProcessGroup::new(1, Limits { max_payload: 256, max_message: 1000 }).unwrap();
        let at = change_at.index(payloads.len());
        for (i, payload) in payloads.iter().enumerate() {
            if i == at {
                group.conf_chg(&conf_chg(&[1], &[2], &[3]));
            }
            for m in group.deliver((i % 3) as NodeId + 1, payload) {
                prop_assert!(m.bytes.len() <= 1000);
            }
        }
    }

    #[test]
    fn well_formed_fragments_in_random_frames_never_panic(
        records in prop::collection::vec(
            (any::<bool>(), 0..4u32, 0..3000u32, 0..3000u32, 1..64usize), 1..30),
    ) {
        let mut node = Assembler::new(1, Limits { max_payload: 512, max_message: 2000 }).unwrap();
        for (whole, msg_id, total, offset, len) in records {
            let mut payload = Vec::new();
            frame::start(&mut payload);
            if whole {
                frame::put_whole(&mut payload, &vec![7; len]);
            } else {
                let total = total.max(offset + len as u32);
                let pos = frame::FragmentPos { msg_id, total, offset };
                frame::put_fragment(&mut payload, pos, &vec![7; len]);
            }
            for m in node.deliver(2, &payload) {
                prop_assert!(m.bytes.len() <= 2000);
            }
        }
    }
}

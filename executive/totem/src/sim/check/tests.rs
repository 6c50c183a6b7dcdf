//! The checker on hand-written histories: each property's violation is
//! found, and a well-formed history passes.

use super::{check, Property};
use crate::api::{ConfChg, ConfChgKind, Config, Guarantee, NodeId, RingId, Time};
use crate::sim::payload::{Decoded, PayloadId};
use crate::sim::record::{Delivered, Delivery, EndReason, Incarnation, Recording, Sent};

fn conf(
    kind: ConfChgKind,
    seq: u64,
    members: &[NodeId],
    left: &[NodeId],
    joined: &[NodeId],
) -> Delivery {
    Delivery::Conf(ConfChg {
        kind,
        ring_id: RingId {
            rep: members[0],
            seq,
        },
        members: members.to_vec(),
        left: left.to_vec(),
        joined: joined.to_vec(),
    })
}

fn trans(seq: u64, members: &[NodeId], left: &[NodeId]) -> Delivery {
    conf(ConfChgKind::Transitional, seq, members, left, &[])
}

fn reg(seq: u64, members: &[NodeId], joined: &[NodeId]) -> Delivery {
    conf(ConfChgKind::Regular, seq, members, &[], joined)
}

fn id(node: NodeId, counter: u64) -> PayloadId {
    PayloadId {
        node,
        inc: 0,
        counter,
    }
}

fn msg(node: NodeId, counter: u64) -> Delivery {
    Delivery::Msg {
        from: node,
        payload: Decoded::Intact(id(node, counter)),
    }
}

struct History {
    rec: Recording,
}

impl History {
    fn new() -> History {
        let mut rec = Recording::new(0, Config::default(), vec![1, 2, 3]);
        rec.phases.converge_by = Time(1_000);
        rec.phases.end = Time(2_000);
        History { rec }
    }

    fn sent(mut self, node: NodeId, counter: u64, guarantee: Guarantee) -> History {
        self.rec.sent.insert(
            id(node, counter),
            Sent {
                at: Time(0),
                guarantee,
                len: 20,
                view: None,
                // Self delivery as strict as before configurations could
                // excuse a lost message.
                stream_len: usize::MAX,
            },
        );
        self
    }

    /// A stream delivered at times 1, 2, 3 ...
    fn stream(mut self, node: NodeId, ended: Option<EndReason>, events: Vec<Delivery>) -> History {
        let n = events.len() as u64;
        self.rec.incarnations.push(Incarnation {
            node,
            inc: 0,
            started: Time(0),
            ended: ended.map(|r| (Time(n + 1), r)),
            stream: events
                .into_iter()
                .enumerate()
                .map(|(i, what)| Delivered {
                    at: Time(i as u64 + 1),
                    event: i as u64,
                    what,
                })
                .collect(),
        });
        self
    }

    fn properties(&self) -> Vec<Property> {
        check(&self.rec).iter().map(|v| v.property).collect()
    }
}

/// Nodes 1 and 2 form ring 4, deliver two messages, then 3 joins in ring 8.
fn clean() -> History {
    let one_two = |me: NodeId| {
        vec![
            trans(4, &[me], &[]),
            reg(4, &[1, 2], &[if me == 1 { 2 } else { 1 }]),
            msg(1, 0),
            msg(2, 0),
            trans(8, &[1, 2], &[]),
            reg(8, &[1, 2, 3], &[3]),
            msg(3, 0),
        ]
    };
    History::new()
        .sent(1, 0, Guarantee::Agreed)
        .sent(2, 0, Guarantee::Safe)
        .sent(3, 0, Guarantee::Agreed)
        .stream(1, None, one_two(1))
        .stream(2, None, one_two(2))
        .stream(
            3,
            None,
            vec![trans(8, &[3], &[]), reg(8, &[1, 2, 3], &[1, 2]), msg(3, 0)],
        )
}

#[test]
fn a_well_formed_history_passes() {
    assert_eq!(clean().properties(), []);
}

#[test]
fn messages_in_different_orders() {
    let mut h = clean();
    h.rec.incarnations[1].stream.swap(2, 3);
    assert!(h.properties().contains(&Property::AgreedOrder));
}

#[test]
fn a_regular_configuration_without_transitional() {
    let mut h = clean();
    h.rec.incarnations[0].stream.remove(4);
    assert!(h.properties().contains(&Property::ConfigChange));
}

#[test]
fn wrong_joined_list() {
    let mut h = clean();
    h.rec.incarnations[2].stream[1].what = reg(8, &[1, 2, 3], &[2]);
    assert_eq!(h.properties(), [Property::ConfigChange]);
}

#[test]
fn a_configuration_change_at_a_different_point() {
    let mut h = clean();
    // Node 2 delivers 2's message after the transitional configuration.
    h.rec.incarnations[1].stream.swap(3, 4);
    assert!(h.properties().contains(&Property::ConfigChange));
}

#[test]
fn ring_sequence_reused_by_a_restarted_node() {
    let h = History::new()
        .stream(
            1,
            Some(EndReason::Crash),
            vec![trans(8, &[1], &[]), reg(8, &[1], &[])],
        )
        .stream(1, None, vec![trans(8, &[1], &[]), reg(8, &[1], &[])]);
    let mut h = h;
    h.rec.incarnations[1].inc = 1;
    h.rec.nodes = vec![1];
    assert!(h.properties().contains(&Property::ConfigChange));
}

#[test]
fn same_move_different_messages() {
    let mut h = clean();
    // Node 2 never delivered 1's message in ring 4, yet moved to ring 8
    // with node 1.
    h.rec.incarnations[1].stream.remove(2);
    let p = h.properties();
    assert!(p.contains(&Property::VirtualSynchrony), "{p:?}");
}

#[test]
fn safe_message_missing_at_a_member_that_moved_on() {
    let h = History::new()
        .sent(1, 0, Guarantee::Safe)
        .stream(
            1,
            Some(EndReason::Crash),
            vec![trans(4, &[1], &[]), reg(4, &[1, 2], &[2]), msg(1, 0)],
        )
        .stream(
            2,
            None,
            vec![
                trans(4, &[2], &[]),
                reg(4, &[1, 2], &[1]),
                trans(8, &[2], &[1]),
                reg(8, &[2], &[]),
            ],
        );
    let p = h.properties();
    assert!(p.contains(&Property::SafeDelivery), "{p:?}");
    assert!(!p.contains(&Property::VirtualSynchrony), "{p:?}");
}

#[test]
fn liveness_wants_one_ring_of_the_live_nodes_in_time() {
    let mut h = clean();
    h.rec.incarnations[2].stream.truncate(1);
    assert!(h.properties().contains(&Property::Liveness));

    let mut late = clean();
    late.rec.phases.converge_by = Time(2);
    assert!(late.properties().contains(&Property::Liveness));

    let mut missing = clean();
    missing.rec.incarnations[0].stream.pop();
    let p = missing.properties();
    assert!(
        p.contains(&Property::SelfDelivery) || p.contains(&Property::Liveness),
        "{p:?}"
    );
}

#[test]
fn a_delivery_of_something_never_sent() {
    let mut h = clean();
    h.rec.incarnations[2].stream.push(Delivered {
        at: Time(8),
        event: 8,
        what: msg(3, 7),
    });
    h.rec.incarnations[1].stream.push(Delivered {
        at: Time(9),
        event: 9,
        what: Delivery::Msg {
            from: 2,
            payload: Decoded::Garbage,
        },
    });
    let v = check(&h.rec);
    assert_eq!(
        v.iter()
            .filter(|v| v.property == Property::Integrity)
            .count(),
        2,
        "{v:?}"
    );
}

#[test]
fn a_message_delivered_in_a_later_configuration_than_it_was_sent_in() {
    let mut h = clean();
    // Node 2 multicast 2.0 in ring 4; had it come out in ring 8 instead
    // (at the end of every stream), its delivery would cross a change.
    h.rec.sent.get_mut(&id(2, 0)).unwrap().view = Some(RingId { rep: 1, seq: 4 });
    assert_eq!(h.properties(), []);
    for s in &mut h.rec.incarnations[..2] {
        let m = s.stream.remove(3);
        s.stream.push(m);
    }
    assert!(h.properties().contains(&Property::SendingView));
}

#[test]
fn a_client_missing_messages_of_a_sender_that_stayed_in_its_group() {
    let view = |members: &[NodeId]| Delivery::View {
        members: members.to_vec(),
        left: Vec::new(),
        joined: members.to_vec(),
    };
    let stream = |skip: bool| {
        let mut s = vec![trans(4, &[1], &[]), reg(4, &[1, 2], &[2]), view(&[1, 2])];
        s.extend(
            (0..4)
                .filter(|&c| !(skip && (c == 1 || c == 2)))
                .map(|c| msg(1, c)),
        );
        s
    };
    let mut h = History::new();
    for c in 0..4 {
        h = h.sent(1, c, Guarantee::Agreed);
    }
    let h = h
        .stream(1, None, stream(false))
        .stream(2, None, stream(true));
    assert!(h.properties().contains(&Property::ViewGap));
}

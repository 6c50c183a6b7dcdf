//! What clients see, above the ordering stack.
//!
//! Sending view: a message is delivered in the regular configuration its
//! sender's layer above had last been given when it multicast, or in the
//! transitional configuration that ends it, or nowhere. Delivered in a
//! later configuration, it would reach members that have meanwhile
//! reported its sender gone (and perhaps back) as if nothing had happened
//! in between.
//!
//! No silent gap: a client whose group (as the CPG model reported it,
//! `Delivery::View`) kept a sender throughout delivered every message of
//! that sender in between that anyone delivered. A gap must be explained
//! by a reported change. One exception: in a transitional configuration
//! the stack passes over holes no survivor can fill, so a sender that the
//! transitional configuration says left may show a gap there; its
//! departure is reported right after.

use super::{ConfKey, Item, Property, StreamIndex, Violation};
use crate::api::{ConfChgKind, NodeId, RingId};
use crate::sim::payload::{Decoded, PayloadId};
use crate::sim::record::{Delivery, Recording};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn check_sending_view(rec: &Recording, streams: &[StreamIndex<'_>]) -> Vec<Violation> {
    let mut first_ring: BTreeMap<(NodeId, u32), RingId> = BTreeMap::new();
    for s in streams {
        let first = s.items.iter().find_map(|(it, _)| match it {
            Item::Conf(ConfKey::Regular(r)) => Some(*r),
            _ => None,
        });
        if let Some(r) = first {
            first_ring.entry((s.inc.node, s.inc.inc)).or_insert(r);
        }
    }
    let mut found = Vec::new();
    for s in streams {
        let mut ring: Option<RingId> = None;
        for (item, pos) in &s.items {
            let id = match item {
                Item::Conf(ConfKey::Regular(r)) => {
                    ring = Some(*r);
                    continue;
                }
                Item::Conf(_) => continue,
                Item::Msg(id) => id,
            };
            let Some(sent) = rec.sent.get(id) else {
                continue; // integrity reports it
            };
            let want = sent
                .view
                .or_else(|| first_ring.get(&(id.node, id.inc)).copied());
            let Some(want) = want else { continue };
            if ring != Some(want) {
                let got = ring.map_or_else(|| "no configuration".to_string(), |r| r.to_string());
                found.push(Violation::in_stream(
                    Property::SendingView,
                    s.inc,
                    *pos,
                    format!(
                        "delivered {id} in ring {got}; its sender multicast it in ring {want} \
                         (at {})",
                        super::fmt_time(sent.at)
                    ),
                ));
                break;
            }
        }
    }
    found
}

pub(super) fn check_no_silent_gap(streams: &[StreamIndex<'_>]) -> Vec<Violation> {
    let mut anywhere: BTreeSet<PayloadId> = BTreeSet::new();
    for s in streams {
        for (item, _) in &s.items {
            if let Item::Msg(id) = item {
                anywhere.insert(*id);
            }
        }
    }
    let mut found = Vec::new();
    'streams: for s in streams {
        let mut group: BTreeSet<NodeId> = BTreeSet::new();
        // Per sender incarnation: the last message delivered from it, and
        // whether its node has been in the group without a break since.
        let mut last: BTreeMap<(NodeId, u32), (u64, bool)> = BTreeMap::new();
        // Senders the current transitional configuration says left.
        let mut departing: Vec<NodeId> = Vec::new();
        for (i, d) in s.inc.stream.iter().enumerate() {
            match &d.what {
                Delivery::View { members, left, .. } => {
                    group = members.iter().copied().collect();
                    for ((node, _), (_, kept)) in last.iter_mut() {
                        if left.contains(node) || !group.contains(node) {
                            *kept = false;
                        }
                    }
                }
                Delivery::Conf(c) => {
                    departing = match c.kind {
                        ConfChgKind::Transitional => c.left.clone(),
                        ConfChgKind::Regular => Vec::new(),
                    };
                }
                Delivery::Msg {
                    payload: Decoded::Intact(id),
                    ..
                } => {
                    if s.first.get(&Item::Msg(*id)) != Some(&i) {
                        continue;
                    }
                    let key = (id.node, id.inc);
                    let checked = !departing.contains(&id.node);
                    if let (Some(&(prev, true)), true) = (last.get(&key), checked) {
                        let skipped = (prev + 1..id.counter)
                            .map(|counter| PayloadId { counter, ..*id })
                            .find(|m| anywhere.contains(m) && !s.has(&Item::Msg(*m)));
                        if let Some(m) = skipped {
                            let holder = streams
                                .iter()
                                .find(|o| o.has(&Item::Msg(m)))
                                .map_or_else(String::new, |o| o.label());
                            found.push(Violation::in_stream(
                                Property::ViewGap,
                                s.inc,
                                i,
                                format!(
                                    "delivered {id} after m{}#{}.{prev} with node {} in its group \
                                     throughout, but never {m}, which {holder} delivered",
                                    id.node, id.inc, id.node
                                ),
                            ));
                            continue 'streams;
                        }
                    }
                    last.insert(key, (id.counter, group.contains(&id.node)));
                }
                Delivery::Msg { .. } => {}
            }
        }
    }
    found
}

//! Property 3 (self delivery) and property 6 (liveness).
//!
//! Self delivery: an incarnation still up at the end delivered every
//! message it accepted, unless it installed a regular configuration after
//! accepting it (a message is delivered in the configuration it was sent
//! in, or not at all).
//!
//! Liveness: once faults stop (the network whole, nothing lost), every live
//! node has installed, by the bound the run was given, one and the same
//! regular configuration made of exactly the live nodes, installs nothing
//! after it, and by the end all of them delivered the same messages in it.

use super::{ConfKey, Item, Property, StreamIndex, Violation};
use crate::api::{ConfChgKind, NodeId};
use crate::sim::record::{Delivery, Recording};
use std::collections::BTreeSet;

pub(super) fn check_self_delivery(rec: &Recording, streams: &[StreamIndex<'_>]) -> Vec<Violation> {
    let mut found = Vec::new();
    for s in streams.iter().filter(|s| s.inc.is_live()) {
        let (node, inc) = (s.inc.node, s.inc.inc);
        let mine = rec
            .sent
            .iter()
            .filter(|(id, _)| id.node == node && id.inc == inc);
        // A message whose sender installed a regular configuration after
        // multicasting it may be lost with the configuration it was sent
        // in (see `view.rs`); the sender saw the change.
        let reconfigured = |from: usize| {
            s.inc.stream[from.min(s.inc.stream.len())..]
                .iter()
                .any(|d| matches!(&d.what, Delivery::Conf(c) if c.kind == ConfChgKind::Regular))
        };
        let missing: Vec<_> = mine
            .filter(|(id, sent)| !s.has(&Item::Msg(**id)) && !reconfigured(sent.stream_len))
            .collect();
        if let Some((id, sent)) = missing.first() {
            let detail = format!(
                "never delivered its own {id} ({:?}, accepted at {}); {} of its messages missing",
                sent.guarantee,
                super::fmt_time(sent.at),
                missing.len()
            );
            found.push(Violation::at_time(
                Property::SelfDelivery,
                s.inc,
                sent.at,
                detail,
            ));
        }
    }
    found
}

pub(super) fn check(rec: &Recording, streams: &[StreamIndex<'_>]) -> Vec<Violation> {
    let live: Vec<&StreamIndex<'_>> = streams.iter().filter(|s| s.inc.is_live()).collect();
    let live_nodes: Vec<NodeId> = {
        let set: BTreeSet<NodeId> = live.iter().map(|s| s.inc.node).collect();
        set.into_iter().collect()
    };
    let deadline = rec.phases.converge_by;
    let mut found = Vec::new();

    // Each live node's last configuration change, and where it was.
    let mut finals = Vec::new();
    for s in &live {
        let last = s
            .inc
            .stream
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, d)| match &d.what {
                Delivery::Conf(c) => Some((i, d.at, c)),
                Delivery::Msg { .. } | Delivery::View { .. } => None,
            });
        let problem = match last {
            None => Some((None, "never installed any configuration".to_string())),
            Some((i, _, c)) if c.kind == ConfChgKind::Transitional => Some((
                Some(i),
                format!("ended in transitional configuration {}", c.ring_id),
            )),
            Some((i, _, c)) if c.members != live_nodes => Some((
                Some(i),
                format!(
                    "final ring {} has members {:?}; live nodes are {:?}",
                    c.ring_id, c.members, live_nodes
                ),
            )),
            Some((i, at, c)) if at > deadline => Some((
                Some(i),
                format!(
                    "installed the final ring {} only at {}, after the bound {}",
                    c.ring_id,
                    super::fmt_time(at),
                    super::fmt_time(deadline)
                ),
            )),
            Some((i, _, c)) => {
                finals.push((s, i, c.ring_id));
                None
            }
        };
        if let Some((index, detail)) = problem {
            found.push(Violation {
                property: Property::Liveness,
                at: index.map_or(deadline, |i| s.inc.stream[i].at.max(deadline)),
                node: s.inc.node,
                inc: s.inc.inc,
                index,
                event: index.map(|i| s.inc.stream[i].event),
                detail,
            });
        }
    }
    if !found.is_empty() {
        return found;
    }
    let Some(&(first, _, ring)) = finals.first() else {
        return found;
    };
    if let Some(&(s, i, other)) = finals.iter().find(|f| f.2 != ring) {
        found.push(Violation::in_stream(
            Property::Liveness,
            s.inc,
            i,
            format!(
                "final ring {other}, but {} ended in ring {ring}",
                first.label()
            ),
        ));
        return found;
    }

    // Everything delivered in the final ring is delivered by every member.
    let in_final = |s: &StreamIndex<'_>| -> BTreeSet<Item> {
        let from = s.first[&Item::Conf(ConfKey::Regular(ring))];
        s.items
            .iter()
            .filter(|(_, p)| *p > from)
            .map(|(it, _)| it.clone())
            .collect()
    };
    let reference = in_final(first);
    for &(s, _, _) in &finals[1..] {
        let mine = in_final(s);
        let gap = mine
            .symmetric_difference(&reference)
            .next()
            .map(|m| (m, if mine.contains(m) { s } else { first }));
        if let Some((m, holder)) = gap {
            let lacking = if std::ptr::eq(holder, s) { first } else { s };
            found.push(Violation::at_time(
                Property::Liveness,
                lacking.inc,
                rec.phases.end,
                format!(
                    "by the end, never delivered {m}, which {} delivered in the final ring {ring}",
                    holder.label()
                ),
            ));
            break;
        }
    }
    found
}

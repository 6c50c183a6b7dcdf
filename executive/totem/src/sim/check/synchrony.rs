//! Property 4, virtual synchrony: two nodes that move together from regular
//! configuration C directly to regular configuration C' delivered the same
//! set of messages in C (its regular part and the transitional part before
//! C'), and passed through the same transitional configuration.

use super::{ConfKey, Item, Property, StreamIndex, Violation};
use crate::api::RingId;
use crate::sim::payload::PayloadId;
use std::collections::{BTreeMap, BTreeSet};

/// What one stream delivered between two consecutive regular
/// configurations.
struct Segment<'s, 'a> {
    stream: &'s StreamIndex<'a>,
    messages: BTreeSet<PayloadId>,
    transitional: Option<ConfKey>,
    /// Stream position of the closing regular configuration.
    closed_at: usize,
}

fn segments<'s, 'a>(s: &'s StreamIndex<'a>) -> Vec<(RingId, RingId, Segment<'s, 'a>)> {
    let mut out = Vec::new();
    let mut open: Option<RingId> = None;
    let mut messages = BTreeSet::new();
    let mut transitional = None;
    for (item, pos) in &s.items {
        match item {
            Item::Msg(id) => {
                messages.insert(*id);
            }
            Item::Conf(k @ ConfKey::Transitional(..)) => transitional = Some(k.clone()),
            Item::Conf(ConfKey::Regular(r)) => {
                if let Some(from) = open {
                    out.push((
                        from,
                        *r,
                        Segment {
                            stream: s,
                            messages: std::mem::take(&mut messages),
                            transitional: transitional.take(),
                            closed_at: *pos,
                        },
                    ));
                }
                messages.clear();
                transitional = None;
                open = Some(*r);
            }
        }
    }
    out
}

pub(super) fn check(streams: &[StreamIndex<'_>]) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut by_move: BTreeMap<(RingId, RingId), Vec<Segment<'_, '_>>> = BTreeMap::new();
    for s in streams {
        for (from, to, seg) in segments(s) {
            by_move.entry((from, to)).or_default().push(seg);
        }
    }
    for ((from, to), segs) in &by_move {
        let first = &segs[0];
        for other in &segs[1..] {
            let detail = if other.transitional != first.transitional {
                Some(format!(
                    "moved from ring {from} to {to} through {}, {} through {}",
                    show(&other.transitional),
                    first.stream.label(),
                    show(&first.transitional)
                ))
            } else if let Some(m) = other.messages.difference(&first.messages).next() {
                Some(format!(
                    "delivered {m} in ring {from} before moving to {to}; {} moved along without it",
                    first.stream.label()
                ))
            } else {
                first.messages.difference(&other.messages).next().map(|m| {
                    format!(
                        "moved from ring {from} to {to} without {m}, which {} delivered in {from}",
                        first.stream.label()
                    )
                })
            };
            if let Some(detail) = detail {
                found.push(Violation::in_stream(
                    Property::VirtualSynchrony,
                    other.stream.inc,
                    other.closed_at,
                    detail,
                ));
            }
        }
    }
    found
}

fn show(k: &Option<ConfKey>) -> String {
    k.as_ref()
        .map_or_else(|| "no transitional configuration".into(), |k| k.to_string())
}

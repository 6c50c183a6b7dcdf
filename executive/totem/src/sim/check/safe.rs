//! Safe delivery, the guarantee `Guarantee::Safe` promises: a safe message
//! is delivered in a regular configuration only once every member holds
//! it, so every member of that configuration that does not fail delivers
//! it too, in the configuration or in the transitional one that ends it.
//!
//! "Does not fail" here means the member's incarnation went on to its next
//! regular configuration, or is still in this one at the end of the run.

use super::{ConfKey, Item, Property, StreamIndex, Violation};
use crate::api::{Guarantee, RingId};
use crate::sim::payload::PayloadId;
use crate::sim::record::Recording;
use std::collections::{BTreeMap, BTreeSet};

/// One stream's stay in one regular configuration.
struct Stay {
    stream: usize,
    /// Safe messages delivered before the transitional configuration, with
    /// their stream positions.
    safe_regular: Vec<(PayloadId, usize)>,
    /// Every message delivered in the stay, transitional part included.
    all: BTreeSet<PayloadId>,
    /// Where the stay ends in the stream: the next regular configuration,
    /// or the end of a live stream. `None` when the incarnation failed in it.
    closed_at: Option<usize>,
}

fn stays(rec: &Recording, si: usize, s: &StreamIndex<'_>, out: &mut BTreeMap<RingId, Vec<Stay>>) {
    let mut open: Option<(RingId, Stay)> = None;
    let mut in_transitional = false;
    for (item, pos) in &s.items {
        match item {
            Item::Msg(id) => {
                if let Some((_, stay)) = open.as_mut() {
                    stay.all.insert(*id);
                    let safe = rec
                        .sent
                        .get(id)
                        .is_some_and(|m| m.guarantee == Guarantee::Safe);
                    if safe && !in_transitional {
                        stay.safe_regular.push((*id, *pos));
                    }
                }
            }
            Item::Conf(ConfKey::Transitional(..)) => in_transitional = true,
            Item::Conf(ConfKey::Regular(r)) => {
                if let Some((ring, mut stay)) = open.take() {
                    stay.closed_at = Some(*pos);
                    out.entry(ring).or_default().push(stay);
                }
                in_transitional = false;
                open = Some((
                    *r,
                    Stay {
                        stream: si,
                        safe_regular: Vec::new(),
                        all: BTreeSet::new(),
                        closed_at: None,
                    },
                ));
            }
        }
    }
    if let Some((ring, mut stay)) = open {
        if s.inc.is_live() {
            stay.closed_at = Some(s.inc.stream.len().saturating_sub(1));
        }
        out.entry(ring).or_default().push(stay);
    }
}

pub(super) fn check(rec: &Recording, streams: &[StreamIndex<'_>]) -> Vec<Violation> {
    let mut by_ring: BTreeMap<RingId, Vec<Stay>> = BTreeMap::new();
    for (si, s) in streams.iter().enumerate() {
        stays(rec, si, s, &mut by_ring);
    }
    let mut found = Vec::new();
    for (ring, visits) in &by_ring {
        'pairs: for p in visits {
            for q in visits.iter().filter(|q| q.stream != p.stream) {
                let Some(q_end) = q.closed_at else { continue };
                if let Some((m, pos)) = p.safe_regular.iter().find(|(m, _)| !q.all.contains(m)) {
                    let detail = format!(
                        "delivered safe {m} in ring {ring} (its transitional part excluded), \
                         but member {} left the ring without delivering it (its stream[{q_end}])",
                        streams[q.stream].label()
                    );
                    found.push(Violation::in_stream(
                        Property::SafeDelivery,
                        streams[p.stream].inc,
                        *pos,
                        detail,
                    ));
                    break 'pairs;
                }
            }
        }
    }
    found
}

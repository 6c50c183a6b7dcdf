//! Property 5, per stream: configuration changes are well formed and come
//! in the order extended virtual synchrony prescribes. Every regular
//! configuration after the first is preceded by a transitional one whose
//! members moved together from the previous regular configuration; member,
//! left and joined lists agree with each other; regular ring sequence
//! numbers strictly increase (across restarts too: the persisted ring
//! sequence number is what makes that true); and every node that installs
//! a ring agrees on its members.

use super::{Property, StreamIndex, Violation};
use crate::api::{ConfChg, ConfChgKind, NodeId, RingId};
use crate::sim::record::{Delivery, Incarnation, Recording};
use std::collections::BTreeMap;

fn sorted_unique(v: &[NodeId]) -> bool {
    v.windows(2).all(|w| w[0] < w[1])
}

fn minus(a: &[NodeId], b: &[NodeId]) -> Vec<NodeId> {
    a.iter().copied().filter(|x| !b.contains(x)).collect()
}

fn subset(a: &[NodeId], b: &[NodeId]) -> bool {
    a.iter().all(|x| b.contains(x))
}

/// Checks one stream; returns the first problem with its stream index.
fn check_stream(inc: &Incarnation, last_seq_before: Option<u64>) -> Option<(usize, String)> {
    let me = inc.node;
    let mut regular: Option<&ConfChg> = None;
    let mut transitional: Option<&ConfChg> = None;
    let mut installed_any = false;
    for (i, d) in inc.stream.iter().enumerate() {
        let c = match &d.what {
            Delivery::Msg { .. } if !installed_any => {
                return Some((i, "delivered a message before any configuration".into()))
            }
            Delivery::Msg { .. } | Delivery::View { .. } => continue,
            Delivery::Conf(c) => c,
        };
        installed_any = true;
        for (name, list) in [
            ("members", &c.members),
            ("left", &c.left),
            ("joined", &c.joined),
        ] {
            if !sorted_unique(list) {
                return Some((
                    i,
                    format!("{name} list {list:?} not sorted ascending without repeats"),
                ));
            }
        }
        if !c.members.contains(&me) {
            return Some((
                i,
                format!(
                    "configuration {} {:?} without the node itself",
                    c.ring_id, c.members
                ),
            ));
        }
        match c.kind {
            ConfChgKind::Transitional => {
                if transitional.is_some() {
                    return Some((
                        i,
                        "two transitional configurations without a regular one between".into(),
                    ));
                }
                if !c.joined.is_empty() {
                    return Some((
                        i,
                        format!("transitional configuration with joined {:?}", c.joined),
                    ));
                }
                match regular {
                    Some(r) => {
                        if !subset(&c.members, &r.members) {
                            return Some((
                                i,
                                format!(
                                    "transitional members {:?} not a subset of the previous regular {:?}",
                                    c.members, r.members
                                ),
                            ));
                        }
                        let left = minus(&r.members, &c.members);
                        if c.left != left {
                            return Some((
                                i,
                                format!("transitional left {:?}, expected {:?}", c.left, left),
                            ));
                        }
                        if c.ring_id.seq < r.ring_id.seq {
                            return Some((
                                i,
                                format!(
                                    "transitional ring {} older than the regular {}",
                                    c.ring_id, r.ring_id
                                ),
                            ));
                        }
                    }
                    None if c.members != [me] => {
                        return Some((
                            i,
                            format!(
                                "first transitional configuration {:?} is not the node alone",
                                c.members
                            ),
                        ));
                    }
                    None => {}
                }
                transitional = Some(c);
            }
            ConfChgKind::Regular => {
                if let Some(r) = regular {
                    if c.ring_id.seq <= r.ring_id.seq {
                        return Some((
                            i,
                            format!(
                                "regular ring {} does not follow the previous {}",
                                c.ring_id, r.ring_id
                            ),
                        ));
                    }
                    if transitional.is_none() {
                        return Some((
                            i,
                            format!(
                                "regular ring {} without a transitional configuration",
                                c.ring_id
                            ),
                        ));
                    }
                } else if let Some(seq) = last_seq_before {
                    if c.ring_id.seq <= seq {
                        return Some((
                            i,
                            format!(
                                "ring {} reuses a sequence number not above {seq}, installed by an earlier incarnation",
                                c.ring_id
                            ),
                        ));
                    }
                }
                if let Some(t) = transitional {
                    if !subset(&t.members, &c.members) {
                        return Some((
                            i,
                            format!(
                                "transitional members {:?} not in the regular {:?}",
                                t.members, c.members
                            ),
                        ));
                    }
                    if t.ring_id.seq > c.ring_id.seq {
                        return Some((
                            i,
                            format!(
                                "regular ring {} older than its transitional {}",
                                c.ring_id, t.ring_id
                            ),
                        ));
                    }
                    let joined = minus(&c.members, &t.members);
                    if c.joined != joined {
                        return Some((
                            i,
                            format!("regular joined {:?}, expected {:?}", c.joined, joined),
                        ));
                    }
                    if !c.left.is_empty() && c.left != t.left {
                        return Some((
                            i,
                            format!("regular left {:?}, transitional left {:?}", c.left, t.left),
                        ));
                    }
                }
                regular = Some(c);
                transitional = None;
            }
        }
    }
    None
}

pub(super) fn check(rec: &Recording, _streams: &[StreamIndex<'_>]) -> Vec<Violation> {
    let mut found = Vec::new();
    // The highest regular ring sequence each node installed so far, over
    // its incarnations in order.
    let mut high: BTreeMap<NodeId, u64> = BTreeMap::new();
    let mut rings: BTreeMap<RingId, (&Incarnation, usize, &[NodeId])> = BTreeMap::new();
    for inc in &rec.incarnations {
        if let Some((i, detail)) = check_stream(inc, high.get(&inc.node).copied()) {
            found.push(Violation::in_stream(Property::ConfigChange, inc, i, detail));
        }
        for (i, d) in inc.stream.iter().enumerate() {
            let Delivery::Conf(c) = &d.what else { continue };
            if c.kind != ConfChgKind::Regular {
                continue;
            }
            let h = high.entry(inc.node).or_insert(0);
            *h = (*h).max(c.ring_id.seq);
            match rings.get(&c.ring_id) {
                Some((other, oi, members)) if *members != c.members.as_slice() => {
                    found.push(Violation::in_stream(
                        Property::ConfigChange,
                        inc,
                        i,
                        format!(
                            "ring {} with members {:?}; node {}#{} installed it (its stream[{oi}]) with {:?}",
                            c.ring_id, c.members, other.node, other.inc, members
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    rings.insert(c.ring_id, (inc, i, &c.members));
                }
            }
        }
    }
    found
}

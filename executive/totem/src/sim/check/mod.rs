//! The extended-virtual-synchrony checker (DESIGN.md section 3): reads a
//! [`Recording`] and reports every property it finds broken, earliest first.
//!
//! Each property lives in its own file. They share a per-stream index of
//! where each message and configuration change was delivered.

mod confchg;
mod integrity;
mod liveness;
mod order;
mod safe;
mod synchrony;
mod view;

use super::payload::{Decoded, PayloadId};
use super::record::{Delivery, Incarnation, Recording};
use crate::api::{ConfChgKind, NodeId, RingId, Time};
use std::collections::BTreeMap;
use std::fmt;

/// The properties the checker knows, plus the two ways a run can fail
/// without reaching the checker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Property {
    /// 1: any two nodes deliver their common messages in the same order.
    AgreedOrder,
    /// 2: only sent payloads are delivered, intact, at most once per
    /// incarnation.
    Integrity,
    /// 3: a node that stays up delivers its own accepted messages.
    SelfDelivery,
    /// 4: nodes that move together from C to C' delivered the same
    /// messages in C.
    VirtualSynchrony,
    /// 5: configuration changes at the same point of the stream everywhere,
    /// transitional before regular, consistent member lists, ring ids
    /// increasing.
    ConfigChange,
    /// 6: after faults stop, one configuration of all live nodes within
    /// the bound, and every message delivered everywhere.
    Liveness,
    /// A safe message delivered in a regular configuration is delivered by
    /// every member of it that does not fail.
    SafeDelivery,
    /// A packet longer than `netmtu` (no datagram carries it).
    PacketSize,
    /// A message delivered outside the configuration its sender
    /// multicast it in (and that configuration's transitional one).
    SendingView,
    /// A client missed messages of a sender that stayed in its group
    /// without a reported change.
    ViewGap,
    /// The protocol panicked.
    Panic,
    /// The run did not finish within its event budget (a busy loop of
    /// zero-delay timers or packets).
    Runaway,
}

impl Property {
    pub fn name(self) -> &'static str {
        match self {
            Property::AgreedOrder => "agreed-order",
            Property::Integrity => "integrity",
            Property::SelfDelivery => "self-delivery",
            Property::VirtualSynchrony => "virtual-synchrony",
            Property::ConfigChange => "config-change",
            Property::Liveness => "liveness",
            Property::SafeDelivery => "safe-delivery",
            Property::PacketSize => "packet-size",
            Property::SendingView => "sending-view",
            Property::ViewGap => "view-gap",
            Property::Panic => "panic",
            Property::Runaway => "runaway",
        }
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A broken property with a pointer into the run: the simulated time, the
/// node and incarnation, and the index in that incarnation's delivery
/// stream where it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub property: Property,
    pub at: Time,
    pub node: NodeId,
    pub inc: u32,
    pub index: Option<usize>,
    /// The simulator event number, to find the spot in a trace.
    pub event: Option<u64>,
    pub detail: String,
}

impl Violation {
    fn in_stream(property: Property, inc: &Incarnation, index: usize, detail: String) -> Violation {
        let d = inc.stream.get(index);
        Violation {
            property,
            at: d.map_or(inc.started, |d| d.at),
            node: inc.node,
            inc: inc.inc,
            index: Some(index),
            event: d.map(|d| d.event),
            detail,
        }
    }

    fn at_time(property: Property, inc: &Incarnation, at: Time, detail: String) -> Violation {
        Violation {
            property,
            at,
            node: inc.node,
            inc: inc.inc,
            index: None,
            event: None,
            detail,
        }
    }
}

/// Simulated time as seconds with microseconds.
pub fn fmt_time(t: Time) -> String {
    format!("{}.{:06}s", t.0 / 1_000_000, t.0 % 1_000_000)
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={} node {}#{}", fmt_time(self.at), self.node, self.inc)?;
        if let Some(i) = self.index {
            write!(f, " stream[{i}]")?;
        }
        if let Some(e) = self.event {
            write!(f, " event #{e}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// Identifies a configuration across streams. Transitional configurations
/// with the same ring id but different members are different
/// configurations (each old ring's survivors get their own).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ConfKey {
    Regular(RingId),
    Transitional(RingId, Vec<NodeId>),
}

impl fmt::Display for ConfKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfKey::Regular(r) => write!(f, "regular {r}"),
            ConfKey::Transitional(r, m) => write!(f, "transitional {r} {m:?}"),
        }
    }
}

/// One item of a delivery stream, as the cross-stream checks compare them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Item {
    Msg(PayloadId),
    Conf(ConfKey),
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::Msg(id) => write!(f, "{id}"),
            Item::Conf(k) => write!(f, "{k}"),
        }
    }
}

/// An incarnation's stream reduced to its well-formed items: intact
/// messages (first delivery only) and configuration changes, with their
/// positions in the original stream.
pub(crate) struct StreamIndex<'a> {
    pub inc: &'a Incarnation,
    pub items: Vec<(Item, usize)>,
    pub first: BTreeMap<Item, usize>,
}

impl<'a> StreamIndex<'a> {
    fn new(inc: &'a Incarnation) -> StreamIndex<'a> {
        let mut items = Vec::with_capacity(inc.stream.len());
        let mut first = BTreeMap::new();
        for (i, d) in inc.stream.iter().enumerate() {
            let item = match &d.what {
                Delivery::Msg {
                    payload: Decoded::Intact(id),
                    ..
                } => Item::Msg(*id),
                Delivery::Msg { .. } | Delivery::View { .. } => continue,
                Delivery::Conf(c) => Item::Conf(match c.kind {
                    ConfChgKind::Regular => ConfKey::Regular(c.ring_id),
                    ConfChgKind::Transitional => {
                        ConfKey::Transitional(c.ring_id, c.members.clone())
                    }
                }),
            };
            if first.contains_key(&item) {
                continue;
            }
            first.insert(item.clone(), i);
            items.push((item, i));
        }
        StreamIndex { inc, items, first }
    }

    pub fn has(&self, item: &Item) -> bool {
        self.first.contains_key(item)
    }

    pub fn label(&self) -> String {
        format!("{}#{}", self.inc.node, self.inc.inc)
    }
}

/// Checks every property; returns the violations found, earliest first
/// (at most one per property and pair of streams, so a single bug does not
/// drown the report).
pub fn check(rec: &Recording) -> Vec<Violation> {
    let streams: Vec<StreamIndex<'_>> = rec.incarnations.iter().map(StreamIndex::new).collect();
    let mut found = Vec::new();
    found.extend(integrity::check(rec));
    found.extend(order::check_agreed_order(&streams));
    found.extend(confchg::check(rec, &streams));
    found.extend(order::check_same_point(&streams));
    found.extend(synchrony::check(&streams));
    found.extend(safe::check(rec, &streams));
    found.extend(view::check_sending_view(rec, &streams));
    found.extend(view::check_no_silent_gap(&streams));
    found.extend(liveness::check_self_delivery(rec, &streams));
    found.extend(liveness::check(rec, &streams));
    found.sort_by_key(|v| (v.at, v.property, v.node, v.inc));
    found
}

#[cfg(test)]
mod tests;

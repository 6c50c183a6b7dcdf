//! Redundant networks (`rrp_mode: active | passive`): which of the rings'
//! networks each datagram goes out on, and which networks are faulty.
//!
//! Every network carries the same Totem ring (one membership, one order);
//! a datagram is sealed once and the same bytes go out on one or more
//! networks. The receiver delivers the first copy and drops the others
//! ([`super::replay`]), so Totem sees each datagram once.
//!
//! * active: every datagram on every network that is not faulty (on all
//!   of them when all are).
//! * passive: each multicast on one network, round robin over the
//!   networks that are usable for it: not faulty, and every processor
//!   heard lately (within two check periods) has been heard on it; each
//!   token on one network, round robin over those its next holder has
//!   been heard on lately. A network is dropped from the rotation within
//!   two check periods of going silent, before it is marked faulty.
//!
//! Fault detection ([`faults`]) is per network and judges what this
//! processor receives: each check period (`rrp_token_expired_timeout`),
//! a network that carried nothing from a processor that another network
//! carried in that period missed it. Every processor multicasts a
//! heartbeat (a sealed datagram with no Totem packet) on each network
//! that carried no multicast of its own for a quarter period, faulty
//! networks included, so a network is judged by whether it works, never
//! by whether a sender chose it, and a repaired network is seen working
//! again.

pub mod faults;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use totem::Dest;

use crate::config::{RrpMode, RrpSettings};
use crate::ordering::NodeId;
use faults::{Change, Fault, RingFaults};

/// Processors whose links are tracked at most: beyond this many senders
/// (only possible with `secauth: off` and forged node ids) new ones are
/// not tracked.
const MAX_PEERS: usize = 4096;
/// A processor silent on every network this long is forgotten.
const FORGET_PEER: Duration = Duration::from_secs(30);

/// A set of networks, bit `r` for ring `r` (at most 8 rings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rings(u8);

impl Rings {
    pub fn one(ring: usize) -> Rings {
        Rings(if ring < 8 { 1 << ring } else { 0 })
    }

    pub fn all(count: usize) -> Rings {
        Rings((0..count.min(8)).fold(0, |m, r| m | (1 << r)))
    }

    pub fn contains(self, ring: usize) -> bool {
        ring < 8 && self.0 & (1 << ring) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..8).filter(move |&r| self.contains(r))
    }

    fn with(self, ring: usize) -> Rings {
        Rings(self.0 | Rings::one(ring).0)
    }
}

/// A fault or recovery of one network, for the driver to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingChange {
    pub ring: usize,
    pub change: Change,
}

/// What a tick asks of the driver.
#[derive(Debug, Default)]
pub struct Tick {
    /// Networks to multicast a heartbeat on.
    pub heartbeats: Rings,
    /// Faults and recoveries to log.
    pub changes: Vec<RingChange>,
}

/// When each network last carried something from one processor.
#[derive(Debug, Clone)]
struct Links {
    heard: Vec<Option<Instant>>,
    any: Instant,
}

/// The redundant ring protocol's state on this processor.
#[derive(Debug)]
pub struct Redundancy {
    mode: RrpMode,
    settings: RrpSettings,
    rings: usize,
    period: Duration,
    links: HashMap<NodeId, Links>,
    faults: Vec<RingFaults>,
    /// Networks usable for a multicast (passive), as of the last tick.
    multicast_ok: Rings,
    next_multicast: usize,
    next_token: usize,
    last_multicast: Vec<Instant>,
    period_start: Instant,
    next_decrement: Instant,
}

impl Redundancy {
    /// `mode` active or passive over `rings` networks.
    pub fn new(mode: RrpMode, settings: RrpSettings, rings: usize, now: Instant) -> Redundancy {
        let rings = rings.clamp(1, 8);
        Redundancy {
            mode,
            settings,
            rings,
            period: Duration::from_millis(settings.token_expired_timeout.max(1)),
            links: HashMap::new(),
            faults: vec![RingFaults::default(); rings],
            multicast_ok: Rings::all(rings),
            next_multicast: 0,
            next_token: 0,
            last_multicast: vec![now; rings],
            period_start: now,
            next_decrement: now + Duration::from_millis(settings.problem_count_timeout),
        }
    }

    /// How often [`Redundancy::tick`] wants to run.
    pub fn tick_interval(&self) -> Duration {
        (self.period / 4).max(Duration::from_millis(5))
    }

    pub fn fault(&self, ring: usize) -> Option<&Fault> {
        self.faults.get(ring).and_then(RingFaults::fault)
    }

    pub fn problems(&self, ring: usize) -> u32 {
        self.faults.get(ring).map_or(0, RingFaults::problems)
    }

    /// An authenticated datagram of `from` arrived on `ring` (a first
    /// copy, another network's copy, or a heartbeat).
    pub fn heard(&mut self, ring: usize, from: NodeId, now: Instant) {
        if ring >= self.rings {
            return;
        }
        if !self.links.contains_key(&from) && self.links.len() >= MAX_PEERS {
            return;
        }
        let links = self.links.entry(from).or_insert_with(|| Links {
            heard: vec![None; self.rings],
            any: now,
        });
        links.heard[ring] = Some(now);
        links.any = now;
    }

    fn fresh(&self, at: Option<Instant>, now: Instant) -> bool {
        at.is_some_and(|t| now.saturating_duration_since(t) <= self.period * 2)
    }

    fn not_faulty(&self) -> Rings {
        (0..self.rings)
            .filter(|&r| !self.faults[r].is_faulty())
            .fold(Rings::default(), Rings::with)
    }

    /// The networks a datagram to `to` goes out on now.
    pub fn rings_for(&mut self, to: Dest, now: Instant) -> Rings {
        let mut healthy = self.not_faulty();
        if healthy.is_empty() {
            healthy = Rings::all(self.rings);
        }
        let chosen = match (self.mode, to) {
            (RrpMode::Passive, Dest::Multicast) => {
                let candidates = Rings(healthy.0 & self.multicast_ok.0);
                let candidates = if candidates.is_empty() {
                    healthy
                } else {
                    candidates
                };
                let (ring, next) = round_robin(candidates, self.next_multicast, self.rings);
                self.next_multicast = next;
                Rings::one(ring)
            }
            (RrpMode::Passive, Dest::Node(node)) => {
                let reachable = self.links.get(&node).map_or(Rings::default(), |l| {
                    (0..self.rings)
                        .filter(|&r| self.fresh(l.heard[r], now))
                        .fold(Rings::default(), Rings::with)
                });
                let candidates = Rings(healthy.0 & reachable.0);
                let candidates = if candidates.is_empty() {
                    healthy
                } else {
                    candidates
                };
                let (ring, next) = round_robin(candidates, self.next_token, self.rings);
                self.next_token = next;
                Rings::one(ring)
            }
            _ => healthy,
        };
        if to == Dest::Multicast {
            for r in chosen.iter() {
                self.last_multicast[r] = now;
            }
        }
        chosen
    }

    /// A heartbeat went out on `ring`.
    pub fn heartbeat_sent(&mut self, ring: usize, now: Instant) {
        if let Some(t) = self.last_multicast.get_mut(ring) {
            *t = now;
        }
    }

    /// The periodic work: heartbeats due, the end of a check period, the
    /// problem counters' decrement.
    pub fn tick(&mut self, now: Instant) -> Tick {
        let mut out = Tick::default();
        let quarter = self.tick_interval();
        for r in 0..self.rings {
            if now.saturating_duration_since(self.last_multicast[r]) >= quarter {
                out.heartbeats = out.heartbeats.with(r);
            }
        }
        if now.saturating_duration_since(self.period_start) >= self.period {
            self.end_period(now, &mut out.changes);
        }
        while now >= self.next_decrement {
            for f in &mut self.faults {
                f.decrement();
            }
            self.next_decrement += Duration::from_millis(self.settings.problem_count_timeout);
        }
        self.links
            .retain(|_, l| now.saturating_duration_since(l.any) < FORGET_PEER);
        self.multicast_ok = (0..self.rings)
            .filter(|&r| {
                self.links
                    .values()
                    .filter(|l| self.fresh(Some(l.any), now))
                    .all(|l| self.fresh(l.heard[r], now))
            })
            .fold(Rings::default(), Rings::with);
        out
    }

    fn end_period(&mut self, now: Instant, changes: &mut Vec<RingChange>) {
        let start = self.period_start;
        let recover_after = Duration::from_millis(self.settings.problem_count_timeout);
        for r in 0..self.rings {
            // A processor heard during the period, but not on this network.
            let missed = self
                .links
                .iter()
                .filter(|(_, l)| l.any >= start)
                .find(|(_, l)| l.heard[r].is_none_or(|t| t < start))
                .map(|(&id, _)| id);
            if let Some(change) = self.faults[r].period_end(
                start,
                now,
                missed,
                self.settings.problem_count_threshold,
                recover_after,
            ) {
                changes.push(RingChange { ring: r, change });
            }
        }
        self.period_start = now;
    }

    /// The local interface of `ring` is down.
    pub fn interface_down(&mut self, ring: usize) -> Option<RingChange> {
        let change = self.faults.get_mut(ring)?.interface_down()?;
        Some(RingChange { ring, change })
    }

    /// The local interface of `ring` is up again.
    pub fn interface_up(&mut self, ring: usize) {
        if let Some(f) = self.faults.get_mut(ring) {
            f.interface_up();
        }
    }

    /// `openais-cfgtool -r`: every network back in use at once.
    pub fn reenable(&mut self, now: Instant) {
        for f in &mut self.faults {
            f.clear();
        }
        self.period_start = now;
        self.multicast_ok = Rings::all(self.rings);
    }
}

/// The first ring of `set` at or after `from` (cyclically), and where the
/// next search starts.
fn round_robin(set: Rings, from: usize, rings: usize) -> (usize, usize) {
    let rings = rings.max(1);
    for i in 0..rings {
        let r = (from + i) % rings;
        if set.contains(r) {
            return (r, (r + 1) % rings);
        }
    }
    (0, 1 % rings)
}

#[cfg(test)]
mod tests;

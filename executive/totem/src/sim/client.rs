//! The simulated clients: the layer above Totem on each node, multicasting
//! unique payloads. A refused multicast (queue full) is counted and tried
//! again later, as a library retries on SA_AIS_ERR_TRY_AGAIN.

use super::payload::HEADER_LEN;
use super::protocol::Protocol;
use super::rng::Rng;
use super::trace::TraceWhat;
use super::world::{Event, World};
use crate::api::{Guarantee, NodeId, Time};

/// How much the clients send.
#[derive(Debug, Clone, PartialEq)]
pub enum Load {
    Off,
    /// Each node multicasts every `min_gap_us..=max_gap_us`, random sizes up
    /// to the protocol's maximum, `safe` of them with the Safe guarantee,
    /// until `until`; with probability `burst` a tick sends up to
    /// `burst_max` at once (stopping when the queue is full), so flow
    /// control and full queues are exercised too.
    Random {
        min_gap_us: u64,
        max_gap_us: u64,
        safe: f64,
        burst: f64,
        burst_max: u32,
        until: Time,
    },
    /// Every node refills its send queue after each input, with payloads
    /// of `len` bytes: the ring runs at saturation.
    Saturate {
        len: usize,
        guarantee: Guarantee,
    },
}

/// Most payloads are small, some large, a few exactly the maximum.
fn payload_len(rng: &mut Rng, max: usize) -> usize {
    let small = 128.min(max);
    let r = rng.unit();
    if r < 0.6 {
        rng.range(HEADER_LEN as u64, small as u64) as usize
    } else if r < 0.95 {
        rng.range(small as u64, max as u64) as usize
    } else {
        max
    }
}

/// A saturating client stops refilling after this many multicasts in one
/// go, so a protocol whose queue never fills cannot hang the simulator.
const REFILL_LIMIT: usize = 10_000;

impl<P: Protocol> World<P> {
    pub(crate) fn schedule_client(&mut self, id: NodeId) {
        if let Load::Random {
            min_gap_us,
            max_gap_us,
            until,
            ..
        } = self.load
        {
            let at = Time(self.now.0 + self.client_rng.range(min_gap_us, max_gap_us));
            if at < until {
                self.queue.push(at, Event::ClientTick(id));
            }
        }
    }

    pub(crate) fn client_tick(&mut self, id: NodeId) {
        let Load::Random {
            safe,
            until,
            burst,
            burst_max,
            ..
        } = self.load
        else {
            return;
        };
        if self.now >= until {
            return;
        }
        if self.slot(id).is_some_and(|i| self.hold_request(i)) {
            self.schedule_client(id);
            return;
        }
        let count = if self.client_rng.chance(burst) {
            self.client_rng.range(2, u64::from(burst_max.max(2)))
        } else {
            1
        };
        if let Some(i) = self.slot(id) {
            for _ in 0..count {
                let Some(p) = self.slots[i].proto.as_ref() else {
                    break;
                };
                let max = p.max_payload();
                if p.queue_full() {
                    // The client gives up until its next tick.
                    self.stats.refused += 1;
                    self.note(Some(id), TraceWhat::Refused);
                    break;
                }
                if max < HEADER_LEN {
                    break;
                }
                let len = payload_len(&mut self.client_rng, max);
                let guarantee = if self.client_rng.chance(safe) {
                    Guarantee::Safe
                } else {
                    Guarantee::Agreed
                };
                self.mcast(i, len, guarantee);
            }
        }
        self.schedule_client(id);
    }

    /// A request a stalled node's client made meanwhile, handled as it
    /// resumes: one multicast.
    pub(crate) fn client_request(&mut self, id: NodeId) {
        let Load::Random { safe, .. } = self.load else {
            return;
        };
        let Some(i) = self.slot(id) else { return };
        let Some(p) = self.slots[i].proto.as_ref() else {
            return;
        };
        let max = p.max_payload();
        if p.queue_full() || max < HEADER_LEN {
            self.stats.refused += 1;
            self.note(Some(id), TraceWhat::Refused);
            return;
        }
        let len = payload_len(&mut self.client_rng, max);
        let guarantee = if self.client_rng.chance(safe) {
            Guarantee::Safe
        } else {
            Guarantee::Agreed
        };
        self.mcast(i, len, guarantee);
    }

    /// Called after every input a node handled.
    pub(crate) fn after_input(&mut self, i: usize) {
        let Load::Saturate { len, guarantee } = self.load else {
            return;
        };
        for _ in 0..REFILL_LIMIT {
            match self.slots[i].proto.as_ref() {
                Some(p) if !p.queue_full() => {
                    let len = len.clamp(HEADER_LEN, p.max_payload().max(HEADER_LEN));
                    let before = self.stats.refused;
                    self.mcast(i, len, guarantee);
                    if self.stats.refused != before {
                        return;
                    }
                }
                _ => return,
            }
        }
    }
}

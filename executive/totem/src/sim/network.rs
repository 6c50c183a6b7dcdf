//! The simulated network: who can reach whom, and what happens to each
//! packet on the way (loss, duplication, reordering, delay).
//!
//! A multicast is one transmission on the sender's interface, then an
//! independent fate per receiver, as on a real LAN. Transmissions from one
//! interface are serialized at the link's bandwidth, so a burst of large
//! packets takes time to leave, and throughput figures mean something.

use super::rng::Rng;
use crate::api::{NodeId, Time};
use std::collections::BTreeMap;

/// Fixed properties of the wire.
#[derive(Debug, Clone)]
pub struct Wire {
    /// One-way latency between two interfaces, drawn per packet.
    pub latency_min_us: u64,
    pub latency_max_us: u64,
    /// Nanoseconds the interface needs per byte (8 for 1 Gbit/s).
    pub ns_per_byte: u64,
    /// Whether a multicast also reaches its sender (IP_MULTICAST_LOOP, on by
    /// default on Linux; udpu sends to every configured member, self
    /// included). Looped-back packets are never lost.
    pub multicast_loopback: bool,
}

impl Default for Wire {
    fn default() -> Self {
        Wire {
            latency_min_us: 60,
            latency_max_us: 250,
            ns_per_byte: 8,
            multicast_loopback: true,
        }
    }
}

/// The faults currently applied to packets between different interfaces.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Weather {
    /// Probability that a packet is lost, per receiver.
    pub loss: f64,
    /// Probability that a packet arrives twice.
    pub dup: f64,
    /// Probability that a packet is held back by up to `reorder_us`, so
    /// later packets overtake it.
    pub reorder: f64,
    pub reorder_us: u64,
    /// Probability of a long delay of up to `delay_us` (a congested
    /// switch, a descheduled receiver).
    pub delay: f64,
    pub delay_us: u64,
}

impl Weather {
    pub fn is_calm(&self) -> bool {
        *self == Weather::default()
    }
}

/// Packet counters of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetStats {
    pub transmissions: u64,
    pub bytes: u64,
    pub arrivals: u64,
    pub lost: u64,
    pub cut_off: u64,
    pub duplicated: u64,
}

#[derive(Debug, Clone)]
pub struct Network {
    pub wire: Wire,
    pub weather: Weather,
    /// Connectivity: nodes with the same group number reach each other.
    groups: BTreeMap<NodeId, u32>,
    /// When each interface finishes its current transmission.
    busy_until: BTreeMap<NodeId, Time>,
    /// Largest frame; a longer datagram travels as IP fragments and is
    /// lost when any of them is.
    frame_len: usize,
    pub stats: NetStats,
}

impl Network {
    pub fn new(wire: Wire, nodes: &[NodeId]) -> Network {
        Network {
            wire,
            weather: Weather::default(),
            groups: nodes.iter().map(|&n| (n, 0)).collect(),
            busy_until: BTreeMap::new(),
            frame_len: usize::MAX,
            stats: NetStats::default(),
        }
    }

    pub fn with_frame_len(mut self, frame_len: usize) -> Network {
        self.frame_len = frame_len.max(1);
        self
    }

    pub fn connected(&self, a: NodeId, b: NodeId) -> bool {
        a == b || (self.groups.contains_key(&a) && self.groups.get(&a) == self.groups.get(&b))
    }

    /// Splits the network into the given sets; nodes not named form one
    /// more set of their own.
    pub fn partition(&mut self, sets: &[Vec<NodeId>]) {
        let rest = sets.len() as u32;
        for g in self.groups.values_mut() {
            *g = rest;
        }
        for (i, set) in sets.iter().enumerate() {
            for n in set {
                self.groups.insert(*n, i as u32);
            }
        }
    }

    pub fn heal(&mut self) {
        for g in self.groups.values_mut() {
            *g = 0;
        }
    }

    /// The current partition as sets of node ids, ascending.
    pub fn components(&self) -> Vec<Vec<NodeId>> {
        let mut by_group: BTreeMap<u32, Vec<NodeId>> = BTreeMap::new();
        for (&n, &g) in &self.groups {
            by_group.entry(g).or_default().push(n);
        }
        let mut sets: Vec<Vec<NodeId>> = by_group.into_values().collect();
        sets.sort();
        sets
    }

    /// Transmits `len` bytes from `from` to `receivers` at `now`; returns
    /// each copy that will arrive, with its arrival time, in receiver order.
    pub fn transmit(
        &mut self,
        rng: &mut Rng,
        from: NodeId,
        receivers: &[NodeId],
        len: usize,
        now: Time,
    ) -> Vec<(NodeId, Time)> {
        self.stats.transmissions += 1;
        self.stats.bytes += len as u64;
        let start = (*self.busy_until.get(&from).unwrap_or(&now)).max(now);
        let on_wire = Time(start.0 + (len as u64 * self.wire.ns_per_byte).div_ceil(1000));
        self.busy_until.insert(from, on_wire);

        let mut arrivals = Vec::with_capacity(receivers.len());
        for &to in receivers {
            if to == from {
                if self.wire.multicast_loopback {
                    arrivals.push((to, Time(on_wire.0 + 1)));
                }
                continue;
            }
            if !self.connected(from, to) {
                self.stats.cut_off += 1;
                continue;
            }
            let fragments = len.div_ceil(self.frame_len).max(1);
            if (0..fragments).any(|_| rng.chance(self.weather.loss)) {
                self.stats.lost += 1;
                continue;
            }
            arrivals.push((to, Time(on_wire.0 + self.delay(rng))));
            if rng.chance(self.weather.dup) {
                self.stats.duplicated += 1;
                arrivals.push((to, Time(on_wire.0 + self.delay(rng))));
            }
        }
        self.stats.arrivals += arrivals.len() as u64;
        arrivals
    }

    fn delay(&self, rng: &mut Rng) -> u64 {
        let w = &self.weather;
        let mut d = rng.range(self.wire.latency_min_us, self.wire.latency_max_us);
        if w.reorder_us > 0 && rng.chance(w.reorder) {
            d += rng.range(0, w.reorder_us);
        }
        if w.delay_us > 0 && rng.chance(w.delay) {
            d += rng.range(0, w.delay_us);
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_datagram_of_several_frames_is_lost_more_often() {
        let mut net = Network::new(Wire::default(), &[1, 2]).with_frame_len(100);
        net.weather.loss = 0.2;
        let mut rng = Rng::new(7);
        let mut arrived = |len: usize| -> usize {
            (0..2000)
                .map(|i| net.transmit(&mut rng, 1, &[2], len, Time(i * 1000)).len())
                .sum()
        };
        let one_frame = arrived(100);
        let four_frames = arrived(400);
        // 0.8 and 0.8^4 = 0.41 of 2000.
        assert!((1500..1700).contains(&one_frame), "{one_frame}");
        assert!((700..950).contains(&four_frames), "{four_frames}");
    }

    #[test]
    fn partitions_cut_links_and_heal_restores_them() {
        let mut net = Network::new(Wire::default(), &[1, 2, 3, 4]);
        assert!(net.connected(1, 4));
        net.partition(&[vec![1, 2]]);
        assert!(net.connected(1, 2));
        assert!(net.connected(3, 4));
        assert!(!net.connected(1, 3));
        assert_eq!(net.components(), vec![vec![1, 2], vec![3, 4]]);
        let mut rng = Rng::new(1);
        let got = net.transmit(&mut rng, 1, &[1, 2, 3, 4], 100, Time(0));
        let to: Vec<_> = got.iter().map(|a| a.0).collect();
        assert_eq!(to, [1, 2]);
        assert_eq!(net.stats.cut_off, 2);
        net.heal();
        assert_eq!(net.components(), vec![vec![1, 2, 3, 4]]);
    }

    #[test]
    fn loss_and_duplication_follow_the_weather() {
        let mut net = Network::new(Wire::default(), &[1, 2]);
        let mut rng = Rng::new(5);
        net.weather.loss = 0.5;
        net.weather.dup = 0.5;
        let mut copies = 0;
        for i in 0..2000 {
            copies += net.transmit(&mut rng, 1, &[2], 10, Time(i * 1000)).len();
        }
        // Expected 2000 * 0.5 * 1.5 = 1500 copies.
        assert!((1300..1700).contains(&copies), "{copies}");
        assert!(net.stats.lost > 800 && net.stats.duplicated > 300);
    }

    #[test]
    fn an_interface_sends_one_packet_at_a_time() {
        let wire = Wire {
            latency_min_us: 100,
            latency_max_us: 100,
            ns_per_byte: 1000, // 1 µs per byte
            ..Wire::default()
        };
        let mut net = Network::new(wire, &[1, 2]);
        let mut rng = Rng::new(0);
        let a = net.transmit(&mut rng, 1, &[2], 50, Time(0));
        let b = net.transmit(&mut rng, 1, &[2], 50, Time(0));
        assert_eq!(a, [(2, Time(150))]);
        assert_eq!(b, [(2, Time(200))]);
    }
}

//! The fault schedule of a checking run: a fault phase of random steps,
//! each of which may partition or heal the network, crash, restart or
//! retire a node, or change the packet weather; then a quiet phase in
//! which the network is whole and calm and the checker expects the ring to
//! re-form and deliver everything.

use super::client::Load;
use super::network::Weather;
use super::protocol::Protocol;
use super::record::{Delivery, EndReason};
use super::rng::Rng;
use super::trace::TraceWhat;
use super::world::{Event, World};
use crate::api::{ConfChgKind, Config, NodeId, Time};
use std::fmt;

/// The kinds of fault a run may inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Faults {
    pub loss: bool,
    pub dup: bool,
    pub reorder: bool,
    pub delay: bool,
    pub partition: bool,
    pub crash: bool,
    pub leave: bool,
    /// A node stops (SIGSTOP) for a while, its socket buffer filling, then
    /// handles the backlog. Not in `all`, so the seeds of runs made before
    /// it existed replay as they did: ask for it by name.
    pub stall: bool,
}

/// A name in a fault list that is not a fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault `{0}` (known: loss, dup, reorder, delay, partition, crash, leave, stall, all, none)")]
pub struct UnknownFault(pub String);

impl Faults {
    pub const ALL: Faults = Faults {
        loss: true,
        dup: true,
        reorder: true,
        delay: true,
        partition: true,
        crash: true,
        leave: true,
        stall: false,
    };
    pub const NONE: Faults = Faults {
        loss: false,
        dup: false,
        reorder: false,
        delay: false,
        partition: false,
        crash: false,
        leave: false,
        stall: false,
    };

    /// Parses a comma list such as `loss,partition,crash`; `none` (or an
    /// empty list) is no fault at all.
    pub fn parse(list: &str) -> Result<Faults, UnknownFault> {
        let mut f = Faults::NONE;
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match name {
                "loss" => f.loss = true,
                "dup" => f.dup = true,
                "reorder" => f.reorder = true,
                "delay" => f.delay = true,
                "partition" => f.partition = true,
                "crash" => f.crash = true,
                "leave" => f.leave = true,
                "stall" => f.stall = true,
                "all" => {
                    f = Faults {
                        stall: f.stall,
                        ..Faults::ALL
                    }
                }
                "none" => {}
                other => return Err(UnknownFault(other.to_string())),
            }
        }
        Ok(f)
    }

    fn any_weather(&self) -> bool {
        self.loss || self.dup || self.reorder || self.delay
    }
}

impl fmt::Display for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (self.loss, "loss"),
            (self.dup, "dup"),
            (self.reorder, "reorder"),
            (self.delay, "delay"),
            (self.partition, "partition"),
            (self.crash, "crash"),
            (self.leave, "leave"),
            (self.stall, "stall"),
        ];
        let on: Vec<&str> = names.iter().filter(|n| n.0).map(|n| n.1).collect();
        if on.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&on.join(","))
        }
    }
}

/// How long after the faults stop every live node must have installed the
/// final configuration: a few times what one membership round may take
/// (token loss detection, consensus, a join round, merge detection).
pub fn liveness_bound_us(cfg: &Config) -> u64 {
    4 * (cfg.token + cfg.consensus + cfg.join + cfg.merge) * 1000
}

/// How long after convergence (or after the bound, when the ring does not
/// re-form) the run goes on, so that everything accepted gets delivered and
/// a configuration that does not hold shows; clients stop half-way.
pub fn drain_us(cfg: &Config) -> u64 {
    2 * (cfg.token + cfg.consensus) * 1000
}

/// Most drain periods added to a run whose nodes still hold queued
/// multicasts at its end.
const MAX_DRAIN_EXTENSIONS: u32 = 8;

/// Nodes that come back when faults stop do so within this time.
const RESTART_SPREAD_US: u64 = 200_000;
/// How often the quiet phase looks whether the ring has re-formed.
const CONVERGE_POLL_US: u64 = 20_000;

/// The fault schedule of one run, consulted at each `Step` event.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub faults: Faults,
    pub max_loss: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Partition,
    Heal,
    Crash,
    Restart,
    Leave,
    Weather,
    Calm,
    Stall,
    Nothing,
}

/// Step times of a fault phase of `steps` steps: short steps (faults in
/// quick succession, mid-membership) and long ones (rings form and run).
pub fn step_times(rng: &mut Rng, steps: u32) -> Vec<Time> {
    let mut t = 0;
    let mut times = Vec::with_capacity(steps as usize + 1);
    for _ in 0..steps {
        times.push(Time(t));
        t += if rng.chance(0.5) {
            rng.range(10_000, 300_000)
        } else {
            rng.range(300_000, 4_000_000)
        };
    }
    times.push(Time(t));
    times
}

fn random_weather(rng: &mut Rng, faults: &Faults, max_loss: f64, cfg: &Config) -> Weather {
    let mut w = Weather::default();
    if faults.loss && rng.chance(0.7) {
        w.loss = rng.unit() * max_loss;
    }
    if faults.dup && rng.chance(0.5) {
        w.dup = rng.unit() * 0.1;
    }
    if faults.reorder && rng.chance(0.5) {
        w.reorder = rng.unit() * 0.3;
        w.reorder_us = rng.range(100, 5_000);
    }
    if faults.delay && rng.chance(0.3) {
        w.delay = rng.unit() * 0.05;
        w.delay_us = rng.range(1_000, 2 * cfg.max_network_delay.max(1) * 1000);
    }
    w
}

impl<P: Protocol> World<P> {
    /// Arms a checking run: node starts, the fault steps, the end of the
    /// fault phase, and the phase boundaries in the recording.
    pub(crate) fn plan(&mut self, schedule: Schedule, steps: u32) {
        let times = step_times(&mut self.fault_rng, steps);
        for id in self.ids() {
            let at = Time(self.fault_rng.range(0, 100_000));
            self.schedule_start(id, at);
        }
        let fault_end = *times.last().unwrap_or(&Time(0));
        for &t in &times[..times.len() - 1] {
            self.queue.push(t, Event::Step);
        }
        self.queue.push(fault_end, Event::FaultEnd);
        let phases = &mut self.recording.phases;
        phases.fault_end = fault_end;
        phases.converge_by = Time(fault_end.0 + liveness_bound_us(&self.cfg));
        phases.clients_stop = Time(phases.converge_by.0 + drain_us(&self.cfg) / 2);
        phases.end = Time(phases.converge_by.0 + drain_us(&self.cfg));
        if let Load::Random { until, .. } = &mut self.load {
            *until = phases.clients_stop;
        }
        self.schedule = Some(schedule);
    }

    pub(crate) fn step(&mut self) {
        let Some(s) = self.schedule.clone() else {
            return;
        };
        let (up, down) = (self.up_nodes(), self.down_nodes());
        let split = self.net.components().len() > 1;
        let f = &s.faults;
        let choices = [
            (Action::Partition, f.partition, 3),
            (Action::Heal, f.partition && split, 2),
            (Action::Crash, f.crash && !up.is_empty(), 2),
            (Action::Restart, !down.is_empty(), 3),
            (Action::Leave, f.leave && !up.is_empty(), 1),
            (Action::Weather, f.any_weather(), 3),
            (Action::Calm, f.any_weather(), 1),
            (Action::Stall, f.stall && !up.is_empty(), 3),
            (Action::Nothing, true, 1),
        ];
        let total: u64 = choices.iter().filter(|c| c.1).map(|c| c.2).sum();
        let mut pick = self.fault_rng.below(total);
        let mut action = Action::Nothing;
        for (a, enabled, w) in choices {
            if !enabled {
                continue;
            }
            if pick < w {
                action = a;
                break;
            }
            pick -= w;
        }
        match action {
            Action::Partition => self.partition_randomly(),
            Action::Heal => {
                self.net.heal();
                self.note(None, TraceWhat::Note("network healed".into()));
            }
            Action::Crash => {
                let id = *self.fault_rng.pick(&up);
                self.stop(id, EndReason::Crash);
            }
            Action::Leave => {
                let id = *self.fault_rng.pick(&up);
                self.stop(id, EndReason::Leave);
            }
            Action::Restart => {
                let id = *self.fault_rng.pick(&down);
                self.start(id);
            }
            Action::Weather => {
                self.net.weather = random_weather(&mut self.fault_rng, f, s.max_loss, &self.cfg);
                let note = format!("weather {:?}", self.net.weather);
                self.note(None, TraceWhat::Note(note));
            }
            Action::Calm => {
                self.net.weather = Weather::default();
                self.note(None, TraceWhat::Note("weather calm".into()));
            }
            Action::Stall => {
                let id = *self.fault_rng.pick(&up);
                // Mostly longer than the token timeout (the ring goes on
                // without the node), sometimes shorter (it comes back to a
                // ring that waited, or that is reconfiguring).
                let token = self.cfg.token * 1000;
                let duration = if self.fault_rng.chance(0.7) {
                    self.fault_rng.range(token + token / 5, 6 * token)
                } else {
                    self.fault_rng.range(20_000, token)
                };
                let capacity = self.fault_rng.range(16, 400) as usize;
                self.stall(id, duration, capacity);
            }
            Action::Nothing => {}
        }
    }

    fn partition_randomly(&mut self) {
        let ids = self.ids();
        let groups = self.fault_rng.range(2, 3.min(ids.len() as u64).max(2)) as usize;
        let mut sets: Vec<Vec<NodeId>> = vec![Vec::new(); groups];
        for id in ids {
            let g = self.fault_rng.below(groups as u64) as usize;
            sets[g].push(id);
        }
        self.net.partition(&sets);
        self.stats.partitions += 1;
        let note = format!("partition {:?}", self.net.components());
        self.note(None, TraceWhat::Note(note));
    }

    /// Faults stop: the network is whole and calm; some of the nodes that
    /// are down come back (at least one node is up from here on).
    pub(crate) fn fault_end(&mut self) {
        self.resume_all();
        self.net.heal();
        self.net.weather = Weather::default();
        self.note(
            None,
            TraceWhat::Note("faults end: network whole and calm".into()),
        );
        let down = self.down_nodes();
        let mut restarting: Vec<NodeId> = down
            .iter()
            .copied()
            .filter(|_| self.fault_rng.chance(0.6))
            .collect();
        if self.up_nodes().is_empty() && restarting.is_empty() {
            restarting.extend(down.first());
        }
        for id in restarting {
            let at = Time(self.now.0 + self.fault_rng.range(0, RESTART_SPREAD_US));
            self.schedule_start(id, at);
        }
        self.schedule = None;
        self.queue.push(
            Time(self.now.0 + RESTART_SPREAD_US + 1),
            Event::ConvergeCheck,
        );
    }

    /// Whether every node that is up has installed, as its latest
    /// configuration change, one and the same regular configuration whose
    /// members are exactly the nodes that are up.
    fn converged(&self) -> bool {
        let up = self.up_nodes();
        let mut ring = None;
        for inc in self.recording.incarnations.iter().filter(|i| i.is_live()) {
            let last = inc.stream.iter().rev().find_map(|d| match &d.what {
                Delivery::Conf(c) => Some(c),
                Delivery::Msg { .. } | Delivery::View { .. } => None,
            });
            match last {
                Some(c) if c.kind == ConfChgKind::Regular && c.members == up => {
                    if ring.get_or_insert(c.ring_id) != &c.ring_id {
                        return false;
                    }
                }
                _ => return false,
            }
        }
        true
    }

    /// At the end of the run: when a live node still holds multicasts its
    /// clients queued (a small window, many senders), the run goes on for
    /// another half drain period, a bounded number of times, so that
    /// self-delivery judges the protocol rather than the offered load. A
    /// node starved of its share of the window still shows.
    pub(crate) fn extend_drain(&mut self) -> bool {
        let queued = self
            .slots
            .iter()
            .any(|s| s.proto.as_ref().is_some_and(|p| p.queued() > 0));
        if !queued || self.drain_extensions >= MAX_DRAIN_EXTENSIONS {
            return false;
        }
        self.drain_extensions += 1;
        self.recording.phases.end = Time(self.recording.phases.end.0 + drain_us(&self.cfg) / 2);
        true
    }

    /// Once the ring has re-formed, the run ends one drain period later;
    /// until the bound, look again every few milliseconds.
    pub(crate) fn converge_check(&mut self) {
        let phases = self.recording.phases;
        if self.converged() {
            let drain = drain_us(&self.cfg);
            let p = &mut self.recording.phases;
            p.converged = Some(self.now);
            p.clients_stop = Time(self.now.0 + drain / 2);
            p.end = Time(self.now.0 + drain);
            if let Load::Random { until, .. } = &mut self.load {
                *until = p.clients_stop;
            }
            self.note(
                None,
                TraceWhat::Note("ring re-formed of every live node".into()),
            );
        } else if self.now < phases.converge_by {
            self.queue
                .push(Time(self.now.0 + CONVERGE_POLL_US), Event::ConvergeCheck);
        }
    }
}

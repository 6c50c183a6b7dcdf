//! One checking run per seed: pick the cluster, run the schedule, check
//! the recording.

use super::check::{self, Property, Violation};
use super::client::Load;
use super::network::{NetStats, Wire};
use super::protocol::Protocol;
use super::record::Phases;
use super::rng::Rng;
use super::scenario::{Faults, Schedule};
use super::trace::{Trace, TraceEntry};
use super::world::{Halt, RunStats, World};
use crate::api::{Config, NodeId, Time};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};

/// Everything a checking run depends on besides its seed.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Cluster size, drawn per seed from `nodes.0..=nodes.1`.
    pub nodes: (u32, u32),
    /// The highest per-packet loss probability the weather may reach.
    pub loss: f64,
    pub faults: Faults,
    /// Steps of the fault phase.
    pub steps: u32,
    pub config: Config,
    pub wire: Wire,
    /// Gap between one client's multicasts, in µs.
    pub client_gap_us: (u64, u64),
    /// Share of multicasts with the Safe guarantee.
    pub safe: f64,
    /// Probability that a client tick is a burst, and the largest burst.
    pub burst: f64,
    pub burst_max: u32,
    /// Half of the seeds run with a random flow-control window, per-visit
    /// limit and MTU instead of `config`'s.
    pub vary_config: bool,
    /// Trace ring buffer size (0: no trace) and the event after which the
    /// trace stops recording.
    pub trace_capacity: usize,
    pub trace_stop: Option<u64>,
    /// A run handling more events than this is reported as a runaway.
    pub event_budget: u64,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            nodes: (3, 9),
            loss: 0.2,
            faults: Faults::ALL,
            steps: 12,
            config: Config::default(),
            wire: Wire::default(),
            client_gap_us: (5_000, 60_000),
            safe: 0.3,
            burst: 0.01,
            burst_max: 400,
            vary_config: true,
            trace_capacity: 0,
            trace_stop: None,
            event_budget: 20_000_000,
        }
    }
}

/// The result of one seed.
#[derive(Debug)]
pub struct Outcome {
    pub seed: u64,
    pub nodes: Vec<NodeId>,
    /// The protocol configuration the run used.
    pub config: Config,
    pub phases: Phases,
    /// Earliest first; empty when the run passed.
    pub violations: Vec<Violation>,
    pub stats: RunStats,
    pub net: NetStats,
    pub end: Time,
    pub trace: Vec<TraceEntry>,
    pub trace_dropped: u64,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Distinct node ids: mostly small numbers in random order of size, now
/// and then IPv4-derived ones (large).
pub fn pick_nodes(rng: &mut Rng, min: u32, max: u32) -> Vec<NodeId> {
    let n = rng.range(u64::from(min.max(1)), u64::from(max.max(min).max(1))) as usize;
    let mut ids = BTreeSet::new();
    let large = rng.chance(0.2);
    while ids.len() < n {
        let id = if large {
            rng.range(1, 0x7fff_ffff) as NodeId
        } else {
            rng.range(1, 4 * n as u64) as NodeId
        };
        ids.insert(id);
    }
    ids.into_iter().collect()
}

/// A configuration with a random flow-control window, per-visit limit and
/// MTU, for half of the seeds: small windows and MTUs stress flow control,
/// retransmission and recovery differently from the defaults.
fn vary(rng: &mut Rng, base: &Config) -> Config {
    let mut cfg = base.clone();
    if rng.chance(0.5) {
        cfg.window_size = rng.range(4, 120) as u32;
        cfg.max_messages = rng.range(1, u64::from(cfg.window_size.min(40))) as u32;
        cfg.netmtu = rng.range(400, 1500) as usize;
    }
    cfg
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the panic hook with one that keeps the message and location
/// of a panic for the run's report instead of printing it; a simulator
/// binary calls this once at start.
pub fn capture_panics() {
    panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
    }));
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    LAST_PANIC
        .with(|p| p.borrow_mut().take())
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic".into())
}

/// Runs one seed and checks it.
pub fn run_seed<P: Protocol>(seed: u64, opts: &SimOptions) -> Outcome {
    let mut rng = Rng::new(seed);
    let ids = pick_nodes(&mut rng, opts.nodes.0, opts.nodes.1);
    let load = Load::Random {
        min_gap_us: opts.client_gap_us.0,
        max_gap_us: opts.client_gap_us.1,
        safe: opts.safe,
        burst: opts.burst,
        burst_max: opts.burst_max,
        until: Time(u64::MAX),
    };
    let config = if opts.vary_config {
        vary(&mut rng, &opts.config)
    } else {
        opts.config.clone()
    };
    let mut world: World<P> = World::new(
        rng.next_u64(),
        config.clone(),
        opts.wire.clone(),
        &ids,
        load,
    );
    world.trace = Trace::new(opts.trace_capacity, opts.trace_stop);
    let schedule = Schedule {
        faults: opts.faults,
        max_loss: if opts.faults.loss { opts.loss } else { 0.0 },
    };
    world.plan(schedule, opts.steps);
    let budget = opts.event_budget;
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        world.run_while(budget, |w| w.recording.phases.end)?;
        while world.extend_drain() {
            world.run_while(budget, |w| w.recording.phases.end)?;
        }
        Ok(())
    }));
    let violations = match result {
        Ok(Ok(())) => {
            let mut v = check::check(&world.recording);
            if let Some(o) = world.oversize {
                v.push(Violation {
                    property: Property::PacketSize,
                    at: o.at,
                    node: o.node,
                    inc: world
                        .recording
                        .incarnations
                        .iter()
                        .rev()
                        .find(|i| i.node == o.node)
                        .map_or(0, |i| i.inc),
                    index: None,
                    event: Some(o.event),
                    detail: format!(
                        "sent a {}-byte packet over its limit (netmtu {})",
                        o.len, world.cfg.netmtu
                    ),
                });
                v.sort_by_key(|v| (v.at, v.property, v.node, v.inc));
            }
            v
        }
        Ok(Err(Halt::Budget { events, at })) => vec![Violation {
            property: Property::Runaway,
            at,
            node: world.current.unwrap_or(0),
            inc: 0,
            index: None,
            event: Some(events),
            detail: format!(
                "still running after {events} events (queue {})",
                world.queue.len()
            ),
        }],
        Err(payload) => {
            let node = world.current.unwrap_or(0);
            let inc = world
                .recording
                .incarnations
                .iter()
                .rev()
                .find(|i| i.node == node)
                .map_or(0, |i| i.inc);
            vec![Violation {
                property: Property::Panic,
                at: world.now,
                node,
                inc,
                index: None,
                event: Some(world.stats.events),
                detail: panic_message(payload.as_ref()),
            }]
        }
    };
    Outcome {
        seed,
        nodes: ids,
        config,
        phases: world.recording.phases,
        violations,
        stats: world.stats.clone(),
        net: world.net.stats.clone(),
        end: world.now,
        trace_dropped: world.trace.dropped,
        trace: world.trace.entries().cloned().collect(),
    }
}

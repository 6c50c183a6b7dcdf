//! The `totem-sim` command line, generic over the protocol so it can be
//! exercised on other protocols in tests.
//!
//! ```text
//! totem-sim --seeds A..B [--nodes MIN..MAX] [--loss P] [--faults LIST]
//!           [--steps N] [--burst P] [--fixed-config] [--jobs N]
//!           [--trace SEED [--trace-len N]] [--verbose] [--bench]
//! ```
//!
//! Seeds are a half-open range (`0..500` is 500 seeds; `A..=B` and a single
//! number work too); nodes an inclusive one (`3..9`). One line per failing
//! seed, `seed S: <property>: <pointer>`, then `N passed, M failed`. The
//! output depends only on the arguments, never on timing or thread count.

use super::bench::{bench, BenchRow};
use super::check::fmt_time;
use super::network::Wire;
use super::protocol::Protocol;
use super::run::{run_seed, Outcome, SimOptions};
use super::scenario::{Faults, UnknownFault};
use crate::api::Time;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A command line the simulator cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    #[error("{0} needs a value")]
    MissingValue(String),
    #[error("{option}: cannot read `{value}`")]
    BadValue { option: String, value: String },
    #[error("unknown argument `{0}`")]
    Unknown(String),
    #[error(transparent)]
    Fault(#[from] UnknownFault),
}

/// What the command line asks for.
#[derive(Debug, Clone)]
pub struct Args {
    pub seeds: Range<u64>,
    pub opts: SimOptions,
    pub jobs: usize,
    pub trace: Option<u64>,
    pub trace_len: usize,
    pub bench: bool,
    /// Print a line for passing seeds too, with their statistics.
    pub verbose: bool,
}

pub const USAGE: &str = "usage: totem-sim --seeds A..B [--nodes MIN..MAX] [--loss P] \
[--faults loss,dup,reorder,delay,partition,crash,leave,stall] [--steps N] [--burst P] [--fixed-config] [--jobs N] \
[--trace SEED [--trace-len N]] [--verbose] [--srp] | totem-sim --bench";

pub const HELP: &str = "\
Runs the Totem state machine over a simulated network, one run per seed,
and checks extended virtual synchrony after each run.

  --seeds A..B      seeds to run (half-open; A..=B or A also work) [0..100]
  --nodes MIN..MAX  cluster size, drawn per seed (inclusive)        [3..9]
  --loss P          highest per-packet loss the faults reach         [0.2]
  --faults LIST     comma list of loss,dup,reorder,delay,partition,crash,
                    leave, stall (or all, none; all is every fault but
                    stall, so `all,stall` is every one)              [all]
  --steps N         steps of the fault phase                         [12]
  --burst P         probability that a client tick is a burst        [0.01]
  --fixed-config    always the default protocol configuration (else half
                    of the seeds draw window_size, max_messages, netmtu)
  --jobs N          worker threads (the output does not depend on it)
  --trace SEED      replay SEED and print its trace up to the violation
  --trace-len N     trace entries kept                               [4000]
  --verbose         a line for passing seeds too
  --bench           throughput at saturation without faults
  --srp             drive the Totem state machine alone instead of the
                    executive's stack (state machine, process-group layer
                    and their glue); older findings replay there

One line per failing seed: `seed S: <property>: <pointer>`, then
`N passed, M failed`; exit status 1 when a seed failed.";

fn bad(option: &str, value: &str) -> UsageError {
    UsageError::BadValue {
        option: option.into(),
        value: value.into(),
    }
}

/// `A..B` (half-open), `A..=B`, or `A` (one value: `A..A+1`).
fn parse_range(option: &str, v: &str, inclusive_default: bool) -> Result<(u64, u64), UsageError> {
    let num = |s: &str| s.trim().parse::<u64>().map_err(|_| bad(option, v));
    if let Some((a, b)) = v.split_once("..=") {
        return Ok((num(a)?, num(b)?));
    }
    if let Some((a, b)) = v.split_once("..") {
        let (a, b) = (num(a)?, num(b)?);
        if inclusive_default {
            return Ok((a, b));
        }
        return if b > a {
            Ok((a, b - 1))
        } else {
            Err(bad(option, v))
        };
    }
    let a = num(v)?;
    Ok((a, a))
}

impl Args {
    pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Args, UsageError> {
        let mut a = Args {
            seeds: 0..100,
            opts: SimOptions::default(),
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            trace: None,
            trace_len: 4000,
            bench: false,
            verbose: false,
        };
        let mut it = args.into_iter();
        while let Some(opt) = it.next() {
            let mut value = || {
                it.next()
                    .ok_or_else(|| UsageError::MissingValue(opt.clone()))
            };
            match opt.as_str() {
                "--seeds" => {
                    let v = value()?;
                    let (lo, hi) = parse_range(&opt, &v, false)?;
                    a.seeds = lo..hi + 1;
                }
                "--nodes" => {
                    let v = value()?;
                    let (lo, hi) = parse_range(&opt, &v, true)?;
                    if lo < 1 || hi < lo || hi > 64 {
                        return Err(bad(&opt, &v));
                    }
                    a.opts.nodes = (lo as u32, hi as u32);
                }
                "--loss" => {
                    let v = value()?;
                    let p: f64 = v.parse().map_err(|_| bad(&opt, &v))?;
                    if !(0.0..=1.0).contains(&p) {
                        return Err(bad(&opt, &v));
                    }
                    a.opts.loss = p;
                }
                "--faults" => a.opts.faults = Faults::parse(&value()?)?,
                "--steps" => {
                    let v = value()?;
                    a.opts.steps = v.parse().map_err(|_| bad(&opt, &v))?;
                }
                "--jobs" => {
                    let v = value()?;
                    a.jobs = v.parse::<usize>().map_err(|_| bad(&opt, &v))?.max(1);
                }
                "--trace" => {
                    let v = value()?;
                    a.trace = Some(v.parse().map_err(|_| bad(&opt, &v))?);
                }
                "--trace-len" => {
                    let v = value()?;
                    a.trace_len = v.parse().map_err(|_| bad(&opt, &v))?;
                }
                "--burst" => {
                    let v = value()?;
                    let p: f64 = v.parse().map_err(|_| bad(&opt, &v))?;
                    if !(0.0..=1.0).contains(&p) {
                        return Err(bad(&opt, &v));
                    }
                    a.opts.burst = p;
                }
                "--fixed-config" => a.opts.vary_config = false,
                "--bench" => a.bench = true,
                "--verbose" | "-v" => a.verbose = true,
                _ => return Err(UsageError::Unknown(opt)),
            }
        }
        Ok(a)
    }
}

/// The one-line report of a seed.
pub fn seed_line(o: &Outcome) -> String {
    match o.violations.first() {
        Some(v) => format!("seed {}: {}: {}", o.seed, v.property, v),
        None => format!(
            "seed {}: ok: {} nodes, {} events, {} mcasts ({} refused), {} deliveries, {} confchgs, \
             {} crashes, {} leaves, {} restarts, {} partitions, re-formed {} after the faults, end {}",
            o.seed,
            o.nodes.len(),
            o.stats.events,
            o.stats.mcasts,
            o.stats.refused,
            o.stats.deliveries,
            o.stats.confchgs,
            o.stats.crashes,
            o.stats.leaves,
            o.stats.restarts,
            o.stats.partitions,
            o.phases
                .converged
                .map_or_else(|| "never".to_string(), |c| fmt_time(Time(c.0 - o.phases.fault_end.0))),
            fmt_time(o.end)
        ),
    }
}

/// Runs the seeds on `jobs` threads; returns the outcomes' report lines in
/// seed order and whether each passed.
pub fn run_seeds<P: Protocol>(
    seeds: Range<u64>,
    opts: &SimOptions,
    jobs: usize,
) -> Vec<(String, bool)> {
    let count = (seeds.end - seeds.start) as usize;
    let results: Mutex<Vec<Option<(String, bool)>>> = Mutex::new(vec![None; count]);
    let next = AtomicU64::new(seeds.start);
    std::thread::scope(|s| {
        for _ in 0..jobs.min(count.max(1)) {
            s.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= seeds.end {
                    break;
                }
                let o = run_seed::<P>(seed, opts);
                let line = seed_line(&o);
                if let Ok(mut r) = results.lock() {
                    r[(seed - seeds.start) as usize] = Some((line, o.passed()));
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.unwrap_or_else(|| ("seed ?: lost result".into(), false)))
        .collect()
}

/// Replays one seed with the trace on and writes the entries leading up to
/// its first violation (or the end of the run), then every violation.
pub fn write_trace<P: Protocol>(
    out: &mut dyn Write,
    seed: u64,
    opts: &SimOptions,
    len: usize,
) -> io::Result<bool> {
    let first = run_seed::<P>(seed, opts);
    let mut traced = opts.clone();
    traced.trace_capacity = len.max(1);
    // A little past the violation, to show its immediate consequences;
    // liveness shows at the end of the run, so keep the end.
    traced.trace_stop = first
        .violations
        .first()
        .filter(|v| v.property != super::check::Property::Liveness)
        .and_then(|v| v.event)
        .map(|e| e + 20);
    let o = run_seed::<P>(seed, &traced);
    writeln!(out, "seed {seed}: nodes {:?}", o.nodes)?;
    writeln!(out, "config {:?}", o.config)?;
    if o.trace_dropped > 0 {
        writeln!(
            out,
            "... {} earlier trace entries not kept",
            o.trace_dropped
        )?;
    }
    for e in &o.trace {
        writeln!(out, "{e}")?;
    }
    for v in &o.violations {
        writeln!(out, "VIOLATION {}: {}", v.property, v)?;
    }
    writeln!(out, "{}", seed_line(&o))?;
    Ok(o.passed())
}

/// The benchmark table: 2, 3, 5 and 9 nodes at the configured window, and
/// again with the window doubled.
pub fn write_bench<P: Protocol>(out: &mut dyn Write, opts: &SimOptions) -> io::Result<bool> {
    let wire = Wire::default();
    let len = 128;
    let measure_us = 2_000_000;
    writeln!(
        out,
        "saturation, no loss: {len}-byte agreed multicasts, latency {}..{} us, {} ns/byte, {} s measured",
        wire.latency_min_us,
        wire.latency_max_us,
        wire.ns_per_byte,
        measure_us / 1_000_000
    )?;
    writeln!(
        out,
        "limit: what one rotation may carry, min(window_size, nodes x max_messages); \
         the second half repeats with both doubled"
    )?;
    writeln!(
        out,
        "{:>5} {:>6} {:>8} {:>6} {:>10} {:>10} {:>9} {:>10} {:>9}",
        "nodes",
        "window",
        "max_msgs",
        "limit",
        "delivered",
        "rotations",
        "rotn_us",
        "msgs/rotn",
        "msgs/s"
    )?;
    let base = opts.config.clone();
    let mut doubled = base.clone();
    doubled.window_size *= 2;
    doubled.max_messages *= 2;
    let mut ok = true;
    for cfg in [&base, &doubled] {
        for n in [2, 3, 5, 9] {
            let row: BenchRow = match bench::<P>(n, cfg, &wire, len, measure_us) {
                Ok(r) => r,
                Err(h) => {
                    writeln!(out, "{n:>5} halted: {h:?}")?;
                    ok = false;
                    continue;
                }
            };
            ok &= row.ring_formed && row.delivered > 0;
            writeln!(
                out,
                "{:>5} {:>6} {:>8} {:>6} {:>10} {:>10.0} {:>9.0} {:>10.1} {:>9.0}{}",
                row.nodes,
                row.window_size,
                row.max_messages,
                row.limit(),
                row.delivered,
                row.rotations,
                row.seconds * 1e6 / row.rotations.max(1.0),
                row.per_rotation(),
                row.per_second(),
                if row.ring_formed {
                    ""
                } else {
                    "  (no full ring formed)"
                }
            )?;
        }
    }
    Ok(ok)
}

/// The whole program; returns the exit status.
pub fn main<P: Protocol>(args: impl IntoIterator<Item = String>) -> i32 {
    let args: Vec<String> = args.into_iter().collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}\n\n{HELP}");
        return 0;
    }
    let args = match Args::parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("totem-sim: {e}\n{USAGE}");
            return 2;
        }
    };
    super::run::capture_panics();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = if args.bench {
        write_bench::<P>(&mut out, &args.opts)
    } else if let Some(seed) = args.trace {
        write_trace::<P>(&mut out, seed, &args.opts, args.trace_len)
    } else {
        let lines = run_seeds::<P>(args.seeds.clone(), &args.opts, args.jobs);
        let failed = lines.iter().filter(|l| !l.1).count();
        let mut r = Ok(());
        for (line, passed) in &lines {
            if !passed || args.verbose {
                r = r.and_then(|_| writeln!(out, "{line}"));
            }
        }
        r.and_then(|_| writeln!(out, "{} passed, {} failed", lines.len() - failed, failed))
            .map(|_| failed == 0)
    };
    match result {
        Ok(true) => 0,
        Ok(false) => 1,
        // The reader went away (`totem-sim ... | head`): nothing to report.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 1,
        Err(e) => {
            eprintln!("totem-sim: {e}");
            2
        }
    }
}

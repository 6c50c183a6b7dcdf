//! The deterministic Totem simulator (DESIGN.md section 3).
//!
//! N processors run over a simulated network driven by a seeded random
//! generator: packet loss, duplication, reordering and delay, partitions and
//! merges, crashes and restarts, graceful leaves, and clients multicasting
//! unique payloads. After the run, [`check`] verifies the six properties of
//! extended virtual synchrony over every incarnation's delivery stream. A
//! seed replays exactly, so a failing seed is a bug report.
//!
//! - [`run_seed`] runs and checks one seed;
//! - [`bench`] measures throughput at saturation without faults;
//! - the `totem-sim` binary runs seed ranges from the command line.

pub mod bench;
pub mod check;
pub mod cli;
mod client;
mod group;
pub mod network;
pub mod payload;
mod protocol;
mod queue;
pub mod record;
pub mod rng;
mod run;
mod scenario;
mod srp;
mod stack;
pub mod trace;
mod world;

pub use check::{check, Property, Violation};
pub use client::Load;
pub use protocol::Protocol;
pub use run::{capture_panics, pick_nodes, run_seed, Outcome, SimOptions};
pub use scenario::{drain_us, liveness_bound_us, Faults, UnknownFault};
pub use world::{Halt, RunStats, World};

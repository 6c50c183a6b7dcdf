//! Seeds that once found a bug in the Totem state machine, each kept as a
//! named test with the options of the run that found it. A seed replays
//! exactly, so each test fails again if its bug comes back.

use totem::sim::cli::seed_line;
use totem::sim::{run_seed, SimOptions};
use totem::Srp;

/// The options of CI's run (`totem-sim --seeds 0..500 --nodes 3..9 --loss
/// 0.2`) when the seeds below were found: before client bursts and
/// per-seed configurations were added to the defaults.
fn first_options() -> SimOptions {
    SimOptions {
        burst: 0.0,
        vary_config: false,
        ..SimOptions::default()
    }
}

fn passes(seed: u64) {
    let o = run_seed::<Srp>(seed, &first_options());
    assert!(o.passed(), "{}", seed_line(&o));
}

// Two live, connected processors that had put each other in their fail
// sets kept excluding each other's joins and never merged again
// (SIM-FINDINGS.md 1).
#[test]
fn seed_145_mutual_fail_sets_keep_two_nodes_apart() {
    passes(145);
}

// The same exclusion between a four-node ring and one restarted node
// (SIM-FINDINGS.md 1).
#[test]
fn seed_149_restarted_node_never_rejoins() {
    passes(149);
}

// Three groups with different fail sets kept forming separate rings on a
// calm network: merge livelock (SIM-FINDINGS.md 2).
#[test]
fn seed_283_three_groups_never_merge() {
    passes(283);
}

// The merge livelock with eight nodes in four groups (SIM-FINDINGS.md 2).
#[test]
fn seed_305_four_groups_never_merge() {
    passes(305);
}

// The merge livelock leaving one node in gather for good, so it never
// delivered its own messages (SIM-FINDINGS.md 2).
#[test]
fn seed_398_node_stuck_in_gather_loses_own_messages() {
    passes(398);
}

// The merge livelock with the current defaults (client bursts, window 91,
// max_messages 36, netmtu 588): {11, 27} against {13, 15, 28} and 16
// (SIM-FINDINGS.md 2).
#[test]
fn seed_18_merge_livelock_with_bursts() {
    let o = run_seed::<Srp>(18, &SimOptions::default());
    assert!(o.passed(), "{}", seed_line(&o));
}

// The merge livelock after a7b5269: five processors agree, the sixth keeps
// a verdict against one of them for the whole consensus period, and the
// rounds repeat with roles exchanged (SIM-FINDINGS.md 2, state at a7b5269).
#[test]
fn seed_382_one_stale_verdict_splits_the_ring_every_round() {
    let o = run_seed::<Srp>(382, &SimOptions::default());
    assert!(o.passed(), "{}", seed_line(&o));
}

// The same after a7b5269, with the options of the first runs.
#[test]
fn seed_124_merge_livelock_nine_nodes() {
    passes(124);
}

//! A quick fixed set of simulator seeds against the Totem state machine,
//! with every fault on (the CI stage runs `totem-sim` over 500 more).

use totem::sim::cli::run_seeds;
use totem::sim::{Faults, SimOptions};
use totem::Srp;

fn check(seeds: std::ops::Range<u64>, opts: &SimOptions) {
    let lines = run_seeds::<Srp>(seeds, opts, 2);
    let failures: Vec<&str> = lines
        .iter()
        .filter(|l| !l.1)
        .map(|l| l.0.as_str())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} seeds failed:\n{}",
        failures.len(),
        lines.len(),
        failures.join("\n")
    );
}

#[test]
fn fifty_seeds_with_every_fault() {
    // Smaller and shorter than CI's runs, to stay quick in a debug build.
    let opts = SimOptions {
        nodes: (3, 5),
        steps: 4,
        client_gap_us: (20_000, 100_000),
        ..SimOptions::default()
    };
    check(10_000..10_050, &opts);
}

#[test]
fn twenty_seeds_of_small_rings_under_heavy_loss() {
    let opts = SimOptions {
        nodes: (2, 3),
        loss: 0.4,
        faults: Faults::parse("loss,dup,reorder,delay").expect("fault names"),
        ..SimOptions::default()
    };
    check(20_000..20_020, &opts);
}

#[test]
fn ten_seeds_without_faults() {
    let opts = SimOptions {
        faults: Faults::NONE,
        steps: 3,
        client_gap_us: (20_000, 100_000),
        ..SimOptions::default()
    };
    check(30_000..30_010, &opts);
}

//! The simulator and its checker, exercised on a deliberately simple
//! central-sequencer protocol (tests/fake): the correct variant passes, each
//! deliberately broken variant is caught under the property it breaks, and
//! a seed replays identically.

mod fake;

use fake::Fake;
use totem::sim::cli::{run_seeds, seed_line, write_trace, Args};
use totem::sim::{run_seed, Faults, Property, SimOptions};

fn quiet_opts() -> SimOptions {
    SimOptions {
        nodes: (2, 5),
        faults: Faults::NONE,
        steps: 2,
        client_gap_us: (10_000, 80_000),
        burst: 0.0,
        ..SimOptions::default()
    }
}

fn properties<const BUG: u8>(seed: u64, opts: &SimOptions) -> Vec<Property> {
    let o = run_seed::<Fake<BUG>>(seed, opts);
    o.violations.iter().map(|v| v.property).collect()
}

#[test]
fn a_correct_protocol_passes_without_faults() {
    let opts = quiet_opts();
    for seed in 0..10 {
        let o = run_seed::<Fake<{ fake::CORRECT }>>(seed, &opts);
        assert!(o.passed(), "{}\n{:?}", seed_line(&o), o.violations);
        assert!(o.stats.deliveries > 100, "{}", seed_line(&o));
        assert!(
            o.stats.confchgs >= o.nodes.len() as u64,
            "{}",
            seed_line(&o)
        );
    }
}

#[test]
fn reordering_and_delay_alone_do_not_break_the_sequencer() {
    let opts = SimOptions {
        faults: Faults::parse("reorder,delay").unwrap(),
        steps: 6,
        ..quiet_opts()
    };
    for seed in 0..5 {
        let o = run_seed::<Fake<{ fake::CORRECT }>>(seed, &opts);
        assert!(o.passed(), "{}", seed_line(&o));
    }
}

#[test]
fn loss_without_retransmission_is_caught() {
    let opts = SimOptions {
        faults: Faults::parse("loss").unwrap(),
        loss: 0.3,
        steps: 6,
        ..quiet_opts()
    };
    let failing: Vec<Vec<Property>> = (0..5)
        .map(|seed| properties::<{ fake::CORRECT }>(seed, &opts))
        .filter(|p| !p.is_empty())
        .collect();
    assert!(
        !failing.is_empty(),
        "a protocol that never retransmits survived 30% loss"
    );
    assert!(failing
        .iter()
        .flatten()
        .any(|p| matches!(p, Property::Liveness | Property::SelfDelivery)));
}

fn caught<const BUG: u8>(expected: &[Property]) {
    let opts = quiet_opts();
    let hits = (0..6)
        .filter(|&seed| {
            let found = properties::<BUG>(seed, &opts);
            found.iter().any(|p| expected.contains(p))
        })
        .count();
    assert!(
        hits >= 3,
        "bug {BUG} caught as {expected:?} in only {hits} of 6 seeds"
    );
}

#[test]
fn a_duplicate_delivery_is_caught() {
    caught::<{ fake::DUPLICATE }>(&[Property::Integrity]);
}

#[test]
fn swapped_deliveries_are_caught() {
    caught::<{ fake::SWAP }>(&[Property::AgreedOrder]);
}

#[test]
fn a_late_configuration_change_is_caught() {
    caught::<{ fake::LATE_CONF }>(&[Property::ConfigChange]);
}

#[test]
fn a_skipped_message_is_caught() {
    caught::<{ fake::SKIP }>(&[Property::VirtualSynchrony, Property::Liveness]);
}

#[test]
fn forgetting_own_messages_is_caught() {
    caught::<{ fake::FORGET_OWN }>(&[Property::SelfDelivery]);
}

#[test]
fn an_invented_message_is_caught() {
    caught::<{ fake::INVENT }>(&[Property::Integrity]);
}

#[test]
fn a_panic_is_reported() {
    caught::<{ fake::PANIC }>(&[Property::Panic]);
}

#[test]
fn a_busy_loop_is_reported() {
    let opts = SimOptions {
        event_budget: 300_000,
        ..quiet_opts()
    };
    let found = properties::<{ fake::BUSY }>(1, &opts);
    assert_eq!(found, [Property::Runaway]);
}

#[test]
fn reused_ring_ids_are_caught() {
    caught::<{ fake::BAD_RING }>(&[Property::ConfigChange]);
}

#[test]
fn an_oversized_packet_is_caught() {
    caught::<{ fake::OVERSIZE }>(&[Property::PacketSize]);
}

#[test]
fn a_seed_replays_identically() {
    let opts = SimOptions {
        faults: Faults::parse("reorder,delay,dup,loss").unwrap(),
        steps: 4,
        ..quiet_opts()
    };
    let trace = |seed| {
        let mut out = Vec::new();
        write_trace::<Fake<{ fake::CORRECT }>>(&mut out, seed, &opts, 500).unwrap();
        String::from_utf8(out).unwrap()
    };
    let a = trace(3);
    assert_eq!(a, trace(3));
    assert_ne!(a, trace(4));
    assert!(a.lines().count() > 100);
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let opts = quiet_opts();
    let one = run_seeds::<Fake<{ fake::CORRECT }>>(0..6, &opts, 1);
    let two = run_seeds::<Fake<{ fake::CORRECT }>>(0..6, &opts, 2);
    assert_eq!(one, two);
    assert!(one.iter().all(|(_, passed)| *passed));
}

#[test]
fn the_command_line_is_parsed() {
    let a = Args::parse(
        "--seeds 5..10 --nodes 3..9 --loss 0.2 --faults loss,crash --steps 7 --jobs 1"
            .split(' ')
            .map(String::from),
    )
    .unwrap();
    assert_eq!(a.seeds, 5..10);
    assert_eq!(a.opts.nodes, (3, 9));
    assert_eq!(a.opts.loss, 0.2);
    assert!(a.opts.faults.loss && a.opts.faults.crash && !a.opts.faults.partition);
    assert_eq!(a.opts.steps, 7);
    let b = Args::parse(["--seeds".into(), "4".into()]).unwrap();
    assert_eq!(b.seeds, 4..5);
    let c = Args::parse(["--seeds".into(), "0..=2".into()]).unwrap();
    assert_eq!(c.seeds, 0..3);
    assert!(Args::parse(["--faults".into(), "meteor".into()]).is_err());
    assert!(Args::parse(["--loss".into(), "2".into()]).is_err());
    assert!(Args::parse(["--seeds".into()]).is_err());
}

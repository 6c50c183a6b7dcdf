//! The saturation benchmark of the simulator on the Totem state machine:
//! a ring forms, delivers at saturation within the flow-control window, and
//! a larger window carries more per rotation.

use totem::sim::bench::bench;
use totem::sim::network::Wire;
use totem::{Config, Srp};

#[test]
fn throughput_is_bounded_by_the_window() {
    let cfg = Config::default();
    let wire = Wire::default();
    let base = bench::<Srp>(3, &cfg, &wire, 128, 300_000).expect("bench run");
    assert!(base.ring_formed, "{base:?}");
    assert!(base.delivered > 0 && base.rotations > 10.0, "{base:?}");
    assert!(base.per_rotation() <= base.limit() as f64, "{base:?}");

    let doubled = Config {
        window_size: cfg.window_size * 2,
        max_messages: cfg.max_messages * 2,
        ..cfg
    };
    let more = bench::<Srp>(3, &doubled, &wire, 128, 300_000).expect("bench run");
    assert!(more.per_rotation() <= more.limit() as f64, "{more:?}");
    assert!(
        more.per_rotation() > 1.3 * base.per_rotation(),
        "doubling the window did not raise what a rotation carries: {base:?} {more:?}"
    );
}

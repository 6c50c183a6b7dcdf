use super::*;

fn settings() -> RrpSettings {
    RrpSettings {
        token_expired_timeout: 100,
        problem_count_threshold: 10,
        problem_count_timeout: 2000,
    }
}

const PERIOD: Duration = Duration::from_millis(100);

/// Peers 2 and 3 heard on `rings` every tick for `periods` periods.
fn run(r: &mut Redundancy, t: &mut Instant, periods: u32, rings: &[usize]) -> Vec<RingChange> {
    let mut changes = Vec::new();
    for _ in 0..periods * 4 {
        *t += PERIOD / 4;
        for &ring in rings {
            r.heard(ring, 2, *t);
            r.heard(ring, 3, *t);
        }
        changes.extend(r.tick(*t).changes);
    }
    changes
}

#[test]
fn active_sends_on_every_healthy_network() {
    let t = Instant::now();
    let mut r = Redundancy::new(RrpMode::Active, settings(), 2, t);
    assert_eq!(r.rings_for(Dest::Multicast, t), Rings::all(2));
    assert_eq!(r.rings_for(Dest::Node(2), t), Rings::all(2));
    r.interface_down(0).unwrap();
    assert_eq!(r.rings_for(Dest::Node(2), t), Rings::one(1));
    r.interface_down(1).unwrap();
    // All faulty: all of them, rather than none.
    assert_eq!(r.rings_for(Dest::Multicast, t), Rings::all(2));
}

#[test]
fn passive_spreads_multicasts_and_tokens_round_robin() {
    let mut t = Instant::now();
    let mut r = Redundancy::new(RrpMode::Passive, settings(), 3, t);
    run(&mut r, &mut t, 2, &[0, 1, 2]);
    let picks: Vec<Rings> = (0..6).map(|_| r.rings_for(Dest::Multicast, t)).collect();
    assert_eq!(
        picks,
        [0, 1, 2, 0, 1, 2].map(Rings::one).to_vec(),
        "one network each, in turn"
    );
    let tokens: Vec<Rings> = (0..3).map(|_| r.rings_for(Dest::Node(3), t)).collect();
    assert_eq!(tokens, [0, 1, 2].map(Rings::one).to_vec());
}

#[test]
fn a_silent_network_leaves_the_rotation_then_turns_faulty_once_then_recovers() {
    let mut t = Instant::now();
    let mut r = Redundancy::new(RrpMode::Passive, settings(), 2, t);
    assert!(run(&mut r, &mut t, 3, &[0, 1]).is_empty());
    // Network 0 goes silent: within two periods it carries neither
    // multicasts nor tokens.
    run(&mut r, &mut t, 3, &[1]);
    for _ in 0..4 {
        assert_eq!(r.rings_for(Dest::Multicast, t), Rings::one(1));
        assert_eq!(r.rings_for(Dest::Node(2), t), Rings::one(1));
    }
    assert!(r.fault(0).is_none(), "not faulty yet");
    let changes = run(&mut r, &mut t, 20, &[1]);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].ring, 0);
    assert!(matches!(
        changes[0].change,
        Change::Faulty(Fault::Silent { problems: 10, .. })
    ));
    assert!(r.fault(1).is_none());
    // Heartbeats keep going out on the faulty network.
    let tick = r.tick(t + PERIOD);
    assert!(tick.heartbeats.contains(0));
    // Repaired: back after being healthy for problem_count_timeout.
    let changes = run(&mut r, &mut t, 25, &[0, 1]);
    assert_eq!(
        changes,
        vec![RingChange {
            ring: 0,
            change: Change::Recovered
        }]
    );
    assert!(r.fault(0).is_none());
    let picks: Vec<Rings> = (0..2).map(|_| r.rings_for(Dest::Multicast, t)).collect();
    assert!(picks.contains(&Rings::one(0)));
}

#[test]
fn a_dead_processor_is_no_network_fault() {
    let mut t = Instant::now();
    let mut r = Redundancy::new(RrpMode::Active, settings(), 2, t);
    run(&mut r, &mut t, 3, &[0, 1]);
    // Nothing heard from anyone on any network (processors 2 and 3 died).
    for _ in 0..200 {
        t += PERIOD / 4;
        assert!(r.tick(t).changes.is_empty());
    }
    assert!(r.fault(0).is_none() && r.fault(1).is_none());
    assert_eq!(r.problems(0) + r.problems(1), 0);
}

#[test]
fn reenable_clears_at_once() {
    let mut t = Instant::now();
    let mut r = Redundancy::new(RrpMode::Active, settings(), 2, t);
    run(&mut r, &mut t, 30, &[1]);
    assert!(r.fault(0).is_some());
    r.reenable(t);
    assert!(r.fault(0).is_none());
    assert_eq!(r.problems(0), 0);
    assert_eq!(r.rings_for(Dest::Multicast, t), Rings::all(2));
}

#[test]
fn heartbeats_only_where_nothing_was_multicast() {
    let t = Instant::now();
    let mut r = Redundancy::new(RrpMode::Passive, settings(), 2, t);
    let later = t + PERIOD / 4;
    r.heartbeat_sent(0, later);
    let tick = r.tick(later);
    assert_eq!(tick.heartbeats, Rings::one(1));
}

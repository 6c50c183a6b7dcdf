//! One network's problem counter and fault state, after openais 0.80's
//! redundant ring protocol (totemrrp): every check period in which the
//! network missed a processor that another network carried counts a
//! problem; the count drops by one every `rrp_problem_count_timeout`; at
//! `rrp_problem_count_threshold` problems the network is faulty. Unlike
//! openais, where only `openais-cfgtool -r` brought a faulty network back,
//! a faulty network that has missed nothing for `rrp_problem_count_timeout`
//! comes back by itself (corosync's behaviour); `-r` still clears it at
//! once.

use std::time::{Duration, Instant};

use crate::ordering::NodeId;

/// Why a network is faulty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Too many check periods missed a processor heard on another network.
    Silent { processor: NodeId, problems: u32 },
    /// The local interface carrying the network is down.
    InterfaceDown,
}

/// A change worth logging, once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Faulty(Fault),
    Recovered,
}

/// One network's problem counter and fault.
#[derive(Debug, Clone, Default)]
pub struct RingFaults {
    problems: u32,
    fault: Option<Fault>,
    /// Start of the current run of periods that missed nothing.
    healthy_since: Option<Instant>,
    /// The local interface is down (nothing heard on it means nothing
    /// then, and it cannot be healthy).
    down: bool,
}

impl RingFaults {
    pub fn fault(&self) -> Option<&Fault> {
        self.fault.as_ref()
    }

    pub fn is_faulty(&self) -> bool {
        self.fault.is_some()
    }

    pub fn problems(&self) -> u32 {
        self.problems
    }

    /// The end of a check period that began at `start`: `missed` names a
    /// processor heard on another network during it but not on this one.
    pub fn period_end(
        &mut self,
        start: Instant,
        now: Instant,
        missed: Option<NodeId>,
        threshold: u32,
        recover_after: Duration,
    ) -> Option<Change> {
        match missed {
            Some(processor) => {
                self.healthy_since = None;
                if self.fault.is_some() {
                    return None;
                }
                self.problems = self.problems.saturating_add(1);
                if self.problems < threshold {
                    return None;
                }
                let fault = Fault::Silent {
                    processor,
                    problems: self.problems,
                };
                self.fault = Some(fault.clone());
                Some(Change::Faulty(fault))
            }
            None if self.down => None,
            None => {
                let since = *self.healthy_since.get_or_insert(start);
                if self.fault.is_some() && now.saturating_duration_since(since) >= recover_after {
                    self.clear();
                    return Some(Change::Recovered);
                }
                None
            }
        }
    }

    /// `rrp_problem_count_timeout` passed: one problem less (a faulty
    /// network comes back only by being healthy, or by `-r`).
    pub fn decrement(&mut self) {
        if self.fault.is_none() {
            self.problems = self.problems.saturating_sub(1);
        }
    }

    /// The interface is down: faulty at once.
    pub fn interface_down(&mut self) -> Option<Change> {
        self.healthy_since = None;
        self.down = true;
        if self.fault == Some(Fault::InterfaceDown) {
            return None;
        }
        self.fault = Some(Fault::InterfaceDown);
        Some(Change::Faulty(Fault::InterfaceDown))
    }

    /// The interface is up again: the network may be judged healthy from
    /// now on (the fault stays until it is).
    pub fn interface_up(&mut self) {
        self.down = false;
    }

    /// `openais-cfgtool -r`: no fault, no problems.
    pub fn clear(&mut self) {
        *self = RingFaults {
            down: self.down,
            ..RingFaults::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECOVER: Duration = Duration::from_millis(2000);
    const PERIOD: Duration = Duration::from_millis(238);

    #[test]
    fn threshold_missed_periods_make_a_fault_logged_once() {
        let mut f = RingFaults::default();
        let mut t = Instant::now();
        for i in 1..10 {
            assert_eq!(f.period_end(t, t + PERIOD, Some(3), 10, RECOVER), None);
            assert_eq!(f.problems(), i);
            t += PERIOD;
        }
        let change = f.period_end(t, t + PERIOD, Some(3), 10, RECOVER);
        assert_eq!(
            change,
            Some(Change::Faulty(Fault::Silent {
                processor: 3,
                problems: 10
            }))
        );
        t += PERIOD;
        // Logged once: later misses change nothing.
        assert_eq!(f.period_end(t, t + PERIOD, Some(3), 10, RECOVER), None);
        assert!(f.is_faulty());
        // Decrements do not clear a fault.
        f.decrement();
        assert!(f.is_faulty());
    }

    #[test]
    fn decrements_forgive_sporadic_misses() {
        let mut f = RingFaults::default();
        let mut t = Instant::now();
        for _ in 0..100 {
            // One miss per problem_count_timeout never adds up.
            assert_eq!(f.period_end(t, t + PERIOD, Some(2), 10, RECOVER), None);
            f.decrement();
            t += PERIOD;
        }
        assert_eq!(f.problems(), 0);
        assert!(!f.is_faulty());
    }

    #[test]
    fn a_faulty_network_healthy_for_a_while_comes_back() {
        let mut f = RingFaults::default();
        let mut t = Instant::now();
        assert!(f.interface_down().is_some());
        assert!(f.interface_down().is_none(), "logged once");
        // Nobody to miss while the interface is down: still faulty.
        for _ in 0..20 {
            assert_eq!(f.period_end(t, t + PERIOD, None, 10, RECOVER), None);
            t += PERIOD;
        }
        assert!(f.is_faulty());
        f.interface_up();
        // Healthy periods, but one miss restarts the count.
        for _ in 0..5 {
            assert_eq!(f.period_end(t, t + PERIOD, None, 10, RECOVER), None);
            t += PERIOD;
        }
        assert_eq!(f.period_end(t, t + PERIOD, Some(2), 10, RECOVER), None);
        t += PERIOD;
        let mut back = None;
        for i in 0..20 {
            if let Some(c) = f.period_end(t, t + PERIOD, None, 10, RECOVER) {
                back = Some((i, c));
                break;
            }
            t += PERIOD;
        }
        // 2000 ms of 238 ms periods: the ninth.
        assert_eq!(back, Some((8, Change::Recovered)));
        assert!(!f.is_faulty());
        assert_eq!(f.problems(), 0);
    }
}

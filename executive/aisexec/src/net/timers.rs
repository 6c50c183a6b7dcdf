//! Totem's timers on the tokio clock: one pending deadline per
//! [`TimerKind`], as the state machine's `SetTimer`/`CancelTimer` ask.
//!
//! Deadlines are kept as plain data and the driver sleeps until the
//! earliest one, so dropping the driver's future (the executive polls it
//! in a `select!`) loses nothing: the deadlines are still there next time.

use std::time::{Duration, Instant};

use totem::{Time, TimerKind};

const KINDS: usize = 7;

fn slot(kind: TimerKind) -> usize {
    match kind {
        TimerKind::TokenLoss => 0,
        TimerKind::TokenRetransmit => 1,
        TimerKind::TokenHold => 2,
        TimerKind::Join => 3,
        TimerKind::Consensus => 4,
        TimerKind::MergeDetect => 5,
        TimerKind::Downcheck => 6,
    }
}

const ALL: [TimerKind; KINDS] = [
    TimerKind::TokenLoss,
    TimerKind::TokenRetransmit,
    TimerKind::TokenHold,
    TimerKind::Join,
    TimerKind::Consensus,
    TimerKind::MergeDetect,
    TimerKind::Downcheck,
];

/// Totem's clock and its pending timers.
#[derive(Debug)]
pub struct Timers {
    /// Time zero of the state machine's [`Time`].
    epoch: Instant,
    deadlines: [Option<Time>; KINDS],
}

impl Timers {
    pub fn new(epoch: Instant) -> Timers {
        Timers {
            epoch,
            deadlines: [None; KINDS],
        }
    }

    /// The state machine's time at `instant`.
    pub fn time_at(&self, instant: Instant) -> Time {
        let micros = instant.saturating_duration_since(self.epoch).as_micros();
        Time(u64::try_from(micros).unwrap_or(u64::MAX))
    }

    /// The state machine's time now.
    pub fn now(&self) -> Time {
        self.time_at(Instant::now())
    }

    /// The instant of a state-machine time.
    pub fn instant_of(&self, t: Time) -> Instant {
        self.epoch + Duration::from_micros(t.as_micros())
    }

    pub fn set(&mut self, kind: TimerKind, at: Time) {
        self.deadlines[slot(kind)] = Some(at);
    }

    pub fn cancel(&mut self, kind: TimerKind) {
        self.deadlines[slot(kind)] = None;
    }

    pub fn is_set(&self, kind: TimerKind) -> bool {
        self.deadlines[slot(kind)].is_some()
    }

    /// The earliest pending deadline.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.deadlines
            .iter()
            .flatten()
            .min()
            .map(|&t| self.instant_of(t))
    }

    /// Removes and returns the timers due at `now`, earliest first.
    pub fn take_due(&mut self, now: Time) -> Vec<TimerKind> {
        let mut due: Vec<(Time, TimerKind)> = ALL
            .iter()
            .filter_map(|&k| match self.deadlines[slot(k)] {
                Some(at) if at <= now => Some((at, k)),
                _ => None,
            })
            .collect();
        due.sort();
        for (_, k) in &due {
            self.deadlines[slot(*k)] = None;
        }
        due.into_iter().map(|(_, k)| k).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_deadline_per_kind_earliest_first() {
        let epoch = Instant::now();
        let mut t = Timers::new(epoch);
        assert_eq!(t.next_deadline(), None);
        t.set(TimerKind::Join, Time::from_millis(50));
        t.set(TimerKind::TokenLoss, Time::from_millis(1000));
        t.set(TimerKind::Consensus, Time::from_millis(30));
        // A new deadline of a kind replaces the old one.
        t.set(TimerKind::Consensus, Time::from_millis(40));
        assert_eq!(t.next_deadline(), Some(epoch + Duration::from_millis(40)));
        assert_eq!(
            t.take_due(Time::from_millis(60)),
            vec![TimerKind::Consensus, TimerKind::Join]
        );
        assert!(t.take_due(Time::from_millis(60)).is_empty());
        t.cancel(TimerKind::TokenLoss);
        assert!(!t.is_set(TimerKind::TokenLoss));
        assert_eq!(t.next_deadline(), None);
    }

    #[test]
    fn clock_conversions() {
        let epoch = Instant::now();
        let t = Timers::new(epoch);
        let later = epoch + Duration::from_micros(1234);
        assert_eq!(t.time_at(later), Time(1234));
        assert_eq!(t.instant_of(Time(1234)), later);
        if let Some(before) = epoch.checked_sub(Duration::from_secs(1)) {
            assert_eq!(t.time_at(before), Time(0));
        }
    }
}

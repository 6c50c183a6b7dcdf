//! Service timers: deadlines a service asks for (checkpoint retention,
//! section expiration, event retention) and the executive loop waits on.
//!
//! A timer is named by its service and a service-chosen token; setting it
//! again moves it. Deadlines are wall-clock SaTimeT nanoseconds, the clock
//! the SA Forum APIs speak. A timer firing is a local event: a service that
//! must change replicated state because of it multicasts an exec message
//! and changes the state on delivery, like for any other request.

use std::collections::{BTreeSet, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

/// The wall clock in SaTimeT nanoseconds since the epoch.
pub fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The pending timers of every service.
#[derive(Debug, Default)]
pub struct Timers {
    by_deadline: BTreeSet<(i64, u16, u64)>,
    by_key: HashMap<(u16, u64), i64>,
}

impl Timers {
    /// Arms (or moves) `service`'s timer `token` to `at_ns`.
    pub fn set(&mut self, service: u16, token: u64, at_ns: i64) {
        self.cancel(service, token);
        self.by_deadline.insert((at_ns, service, token));
        self.by_key.insert((service, token), at_ns);
    }

    /// Disarms `service`'s timer `token`; nothing happens if it is not armed.
    pub fn cancel(&mut self, service: u16, token: u64) {
        if let Some(at) = self.by_key.remove(&(service, token)) {
            self.by_deadline.remove(&(at, service, token));
        }
    }

    /// The earliest deadline.
    pub fn next_deadline(&self) -> Option<i64> {
        self.by_deadline.first().map(|&(at, _, _)| at)
    }

    /// Removes and returns the timers due at `now_ns`, earliest first.
    pub fn take_expired(&mut self, now_ns: i64) -> Vec<(u16, u64)> {
        let mut due = Vec::new();
        while let Some(&(at, service, token)) = self.by_deadline.first() {
            if at > now_ns {
                break;
            }
            self.by_deadline.pop_first();
            self.by_key.remove(&(service, token));
            due.push((service, token));
        }
        due
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expire_in_deadline_order_and_only_when_due() {
        let mut t = Timers::default();
        t.set(3, 1, 300);
        t.set(4, 9, 100);
        t.set(3, 2, 200);
        assert_eq!(t.next_deadline(), Some(100));
        assert_eq!(t.take_expired(99), vec![]);
        assert_eq!(t.take_expired(250), vec![(4, 9), (3, 2)]);
        assert_eq!(t.len(), 1);
        assert_eq!(t.next_deadline(), Some(300));
    }

    #[test]
    fn set_again_moves_and_cancel_disarms() {
        let mut t = Timers::default();
        t.set(3, 1, 100);
        t.set(3, 1, 500);
        assert_eq!(t.take_expired(400), vec![]);
        assert_eq!(t.next_deadline(), Some(500));
        t.cancel(3, 1);
        t.cancel(3, 1);
        assert!(t.is_empty());
        assert_eq!(t.next_deadline(), None);
    }

    #[test]
    fn same_token_of_two_services_are_distinct() {
        let mut t = Timers::default();
        t.set(3, 7, 10);
        t.set(4, 7, 20);
        t.cancel(3, 7);
        assert_eq!(t.take_expired(100), vec![(4, 7)]);
    }
}

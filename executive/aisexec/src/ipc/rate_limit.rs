//! Rate limiting of log lines a misbehaving client can provoke at will.

use std::time::{Duration, Instant};

/// At most `burst` lines per `window`; the lines suppressed are counted
/// and reported with the next line let through.
#[derive(Debug)]
pub struct RateLimit {
    window: Duration,
    burst: u32,
    window_start: Option<Instant>,
    in_window: u32,
    suppressed: u64,
}

impl RateLimit {
    pub fn new(window: Duration, burst: u32) -> RateLimit {
        RateLimit {
            window,
            burst,
            window_start: None,
            in_window: 0,
            suppressed: 0,
        }
    }

    /// `Some(n)`: log now, after mentioning the `n` lines suppressed
    /// since the last one logged. `None`: stay quiet.
    pub fn check(&mut self, now: Instant) -> Option<u64> {
        match self.window_start {
            Some(start) if now.duration_since(start) < self.window => {}
            _ => {
                self.window_start = Some(now);
                self.in_window = 0;
            }
        }
        if self.in_window < self.burst {
            self.in_window += 1;
            Some(std::mem::take(&mut self.suppressed))
        } else {
            self.suppressed += 1;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_quiet_then_summary() {
        let t0 = Instant::now();
        let mut r = RateLimit::new(Duration::from_secs(10), 2);
        assert_eq!(r.check(t0), Some(0));
        assert_eq!(r.check(t0), Some(0));
        assert_eq!(r.check(t0 + Duration::from_secs(1)), None);
        assert_eq!(r.check(t0 + Duration::from_secs(2)), None);
        assert_eq!(r.check(t0 + Duration::from_secs(11)), Some(2));
        assert_eq!(r.check(t0 + Duration::from_secs(11)), Some(0));
    }
}

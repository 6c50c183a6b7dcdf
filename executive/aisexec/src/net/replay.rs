//! Replay protection: every sealed datagram carries its sender's
//! incarnation and a per-incarnation counter inside the seal, and the
//! receiver keeps, per sender, a sliding window of the counters it
//! accepted (as IPsec's anti-replay window does).
//!
//! * A counter above the highest seen is the sender's newest datagram:
//!   accepted, and the only kind that may move the sender's route.
//! * A counter within [`WINDOW`] below it that was not seen yet (reordered
//!   on the way) is accepted, but moves nothing.
//! * A counter seen already, or older than the window, is a replay (or a
//!   duplicate): dropped and counted.
//! * An incarnation above the current one is a restarted sender: its
//!   window starts over. One below is an earlier life's datagram, dropped,
//!   unless the current incarnation has been silent for [`FORGET_AFTER`]:
//!   a sender whose clock stepped back across a restart (the incarnation
//!   is its start time) is let in once its previous life has been quiet
//!   that long, and a forged incarnation (with `secauth: off`) locks a
//!   sender out only for as long as the forger keeps sending.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::ordering::NodeId;

/// Datagrams of one sender that may arrive out of order and still be
/// accepted: a full window of messages plus the token, read from two
/// sockets in batches, stays well within it.
pub const WINDOW: u64 = 1024;
const WORDS: usize = (WINDOW / 64) as usize;

/// How long a sender's current incarnation must be silent before an
/// earlier incarnation is accepted again.
pub const FORGET_AFTER: Duration = Duration::from_secs(30);

/// What the seal says about a datagram's place in its sender's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The sender's start time in microseconds since the epoch.
    pub incarnation: u64,
    /// Datagrams the sender sealed in this incarnation, this one included.
    pub counter: u64,
}

/// An accepted datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fresh {
    /// Newer than every datagram of its sender before it: may move the
    /// sender's route.
    Newest,
    /// Within the window and not seen before: delivered, moves nothing.
    Reordered,
}

/// Why a datagram was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Stale {
    #[error("counter {counter} was accepted before")]
    Replayed { counter: u64 },
    #[error("counter {counter} is older than the window below {highest}")]
    TooOld { counter: u64, highest: u64 },
    #[error("incarnation {theirs} is older than the current {current}")]
    OldIncarnation { theirs: u64, current: u64 },
}

#[derive(Debug, Clone)]
struct SenderWindow {
    incarnation: u64,
    highest: u64,
    /// Bit `c % WINDOW` is set when counter `c` (within the window below
    /// `highest`) was accepted.
    seen: [u64; WORDS],
    last_fresh: Instant,
}

impl SenderWindow {
    fn start(stamp: Stamp, now: Instant) -> SenderWindow {
        let mut w = SenderWindow {
            incarnation: stamp.incarnation,
            highest: stamp.counter,
            seen: [0; WORDS],
            last_fresh: now,
        };
        w.mark(stamp.counter);
        w
    }

    fn bit(counter: u64) -> (usize, u64) {
        let i = counter % WINDOW;
        // i < WINDOW = 64 * WORDS: the index fits.
        ((i / 64) as usize, 1 << (i % 64))
    }

    fn mark(&mut self, counter: u64) {
        let (word, mask) = Self::bit(counter);
        self.seen[word] |= mask;
    }

    fn is_marked(&self, counter: u64) -> bool {
        let (word, mask) = Self::bit(counter);
        self.seen[word] & mask != 0
    }

    fn check(&mut self, counter: u64, now: Instant) -> Result<Fresh, Stale> {
        if counter > self.highest {
            let advance = counter - self.highest;
            if advance >= WINDOW {
                self.seen = [0; WORDS];
            } else {
                // The slots of the counters skipped over now stand for
                // them, not for counters a window older.
                for c in self.highest + 1..counter {
                    let (word, mask) = Self::bit(c);
                    self.seen[word] &= !mask;
                }
            }
            self.highest = counter;
            self.mark(counter);
            self.last_fresh = now;
            return Ok(Fresh::Newest);
        }
        if self.highest - counter >= WINDOW {
            return Err(Stale::TooOld {
                counter,
                highest: self.highest,
            });
        }
        if self.is_marked(counter) {
            return Err(Stale::Replayed { counter });
        }
        self.mark(counter);
        self.last_fresh = now;
        Ok(Fresh::Reordered)
    }
}

/// Counters of refused datagrams.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplayStats {
    /// Seen before, or older than the window.
    pub replayed: u64,
    /// From an earlier incarnation of their sender.
    pub old_incarnation: u64,
}

/// The windows of every sender heard from.
#[derive(Debug, Default)]
pub struct ReplayGuard {
    senders: HashMap<NodeId, SenderWindow>,
    stats: ReplayStats,
}

impl ReplayGuard {
    pub fn stats(&self) -> ReplayStats {
        self.stats
    }

    /// Judges one authenticated datagram of `sender`; a refusal is counted.
    pub fn check(&mut self, sender: NodeId, stamp: Stamp, now: Instant) -> Result<Fresh, Stale> {
        let Some(w) = self.senders.get_mut(&sender) else {
            self.senders.insert(sender, SenderWindow::start(stamp, now));
            return Ok(Fresh::Newest);
        };
        let restart = stamp.incarnation > w.incarnation
            || (stamp.incarnation < w.incarnation
                && now.saturating_duration_since(w.last_fresh) >= FORGET_AFTER);
        let res = if restart {
            *w = SenderWindow::start(stamp, now);
            Ok(Fresh::Newest)
        } else if stamp.incarnation < w.incarnation {
            Err(Stale::OldIncarnation {
                theirs: stamp.incarnation,
                current: w.incarnation,
            })
        } else {
            w.check(stamp.counter, now)
        };
        match res {
            Err(Stale::OldIncarnation { .. }) => self.stats.old_incarnation += 1,
            Err(_) => self.stats.replayed += 1,
            Ok(_) => {}
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(incarnation: u64, counter: u64) -> Stamp {
        Stamp {
            incarnation,
            counter,
        }
    }

    #[test]
    fn newest_reordered_replayed_and_too_old() {
        let mut g = ReplayGuard::default();
        let t = Instant::now();
        assert_eq!(g.check(1, st(5, 10), t), Ok(Fresh::Newest));
        assert_eq!(g.check(1, st(5, 12), t), Ok(Fresh::Newest));
        assert_eq!(g.check(1, st(5, 11), t), Ok(Fresh::Reordered));
        assert_eq!(
            g.check(1, st(5, 11), t),
            Err(Stale::Replayed { counter: 11 })
        );
        assert_eq!(
            g.check(1, st(5, 12), t),
            Err(Stale::Replayed { counter: 12 })
        );
        assert_eq!(g.check(1, st(5, 12 + WINDOW), t), Ok(Fresh::Newest));
        assert!(matches!(
            g.check(1, st(5, 12), t),
            Err(Stale::TooOld { .. })
        ));
        // Another sender has its own window.
        assert_eq!(g.check(2, st(5, 11), t), Ok(Fresh::Newest));
        assert_eq!(g.stats().replayed, 3);
    }

    #[test]
    fn a_slot_reused_by_the_window_moving_on_is_free_again() {
        let mut g = ReplayGuard::default();
        let t = Instant::now();
        g.check(1, st(1, 1), t).unwrap();
        g.check(1, st(1, 3), t).unwrap();
        // WINDOW + 1 shares counter 1's slot; skipped over, it is free.
        assert_eq!(g.check(1, st(1, WINDOW + 2), t), Ok(Fresh::Newest));
        assert_eq!(g.check(1, st(1, WINDOW + 1), t), Ok(Fresh::Reordered));
        assert_eq!(g.check(1, st(1, 3), t), Err(Stale::Replayed { counter: 3 }));
        assert!(matches!(g.check(1, st(1, 2), t), Err(Stale::TooOld { .. })));
    }

    #[test]
    fn a_restart_starts_a_new_window_and_the_old_life_stays_out() {
        let mut g = ReplayGuard::default();
        let t = Instant::now();
        g.check(1, st(100, 5000), t).unwrap();
        assert_eq!(g.check(1, st(200, 1), t), Ok(Fresh::Newest));
        assert_eq!(
            g.check(1, st(100, 5001), t),
            Err(Stale::OldIncarnation {
                theirs: 100,
                current: 200
            })
        );
        assert_eq!(g.stats().old_incarnation, 1);
        // Once the current life has been silent long enough, an earlier
        // one (a clock stepped back) gets in.
        let later = t + FORGET_AFTER;
        assert_eq!(g.check(1, st(100, 5002), later), Ok(Fresh::Newest));
    }
}

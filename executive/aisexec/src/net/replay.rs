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
//!
//! Redundant networks (`rrp_mode` active or passive): a datagram is sealed
//! once and the same bytes may travel on several networks, so each sender
//! also has a window per network. The first copy of a counter, on any
//! network, is delivered; a copy arriving on another network later is
//! [`Accepted::first`]` == false`: not delivered again and not a replay,
//! but evidence that its network works. Only a copy seen twice on one
//! network is a replay. Routes are per network: a copy moves its
//! network's route to the sender only when it is the newest that network
//! carried from it ([`Accepted::newest_here`]), so a copy re-sent from
//! elsewhere on one network moves nothing, and no copy ever moves another
//! network's route.

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
pub struct Accepted {
    /// The first copy of this datagram, on any network: delivered. A
    /// later copy (another network's) is only evidence that its network
    /// works.
    pub first: bool,
    /// Newer than every datagram of its sender that this network carried
    /// before: may move the sender's route on this network.
    pub newest_here: bool,
}

impl Accepted {
    /// The sender's newest datagram, first seen on this network.
    pub const NEWEST: Accepted = Accepted {
        first: true,
        newest_here: true,
    };
    /// An older datagram not seen before (reordered on the way).
    pub const REORDERED: Accepted = Accepted {
        first: true,
        newest_here: false,
    };
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

/// The counters accepted within [`WINDOW`] below the highest.
#[derive(Debug, Clone)]
struct Window {
    highest: u64,
    /// Bit `c % WINDOW` is set when counter `c` (within the window below
    /// `highest`) was accepted.
    seen: [u64; WORDS],
    /// Nothing accepted yet.
    empty: bool,
}

/// Where a counter stands in a [`Window`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Above the highest (or the window is empty).
    Newest,
    /// Within the window, not seen.
    Unseen,
    /// Within the window, seen.
    Seen,
    /// Below the window.
    TooOld,
}

impl Window {
    fn empty() -> Window {
        Window {
            highest: 0,
            seen: [0; WORDS],
            empty: true,
        }
    }

    fn starting_at(counter: u64) -> Window {
        let mut w = Window::empty();
        w.accept(counter);
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

    fn place(&self, counter: u64) -> Place {
        if self.empty || counter > self.highest {
            Place::Newest
        } else if self.highest - counter >= WINDOW {
            Place::TooOld
        } else if self.is_marked(counter) {
            Place::Seen
        } else {
            Place::Unseen
        }
    }

    /// Records `counter`, whose place is [`Place::Newest`] or
    /// [`Place::Unseen`].
    fn accept(&mut self, counter: u64) {
        if self.empty {
            self.empty = false;
            self.highest = counter;
        } else if counter > self.highest {
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
        }
        self.mark(counter);
    }
}

/// One sender's windows: over all networks, and per network (only with
/// more than one network).
#[derive(Debug, Clone)]
struct SenderWindow {
    incarnation: u64,
    all: Window,
    per_ring: Vec<Window>,
    last_fresh: Instant,
}

impl SenderWindow {
    fn start(stamp: Stamp, ring: usize, rings: usize, now: Instant) -> SenderWindow {
        let mut per_ring = vec![Window::empty(); if rings > 1 { rings } else { 0 }];
        if let Some(w) = per_ring.get_mut(ring) {
            *w = Window::starting_at(stamp.counter);
        }
        SenderWindow {
            incarnation: stamp.incarnation,
            all: Window::starting_at(stamp.counter),
            per_ring,
            last_fresh: now,
        }
    }

    fn check(&mut self, counter: u64, ring: usize, now: Instant) -> Result<Accepted, Stale> {
        let all = self.all.place(counter);
        if all == Place::TooOld {
            return Err(Stale::TooOld {
                counter,
                highest: self.all.highest,
            });
        }
        let Some(here) = self.per_ring.get_mut(ring) else {
            // One network: the window over all is this network's.
            if all == Place::Seen {
                return Err(Stale::Replayed { counter });
            }
            self.all.accept(counter);
            self.last_fresh = now;
            return Ok(Accepted {
                first: true,
                newest_here: all == Place::Newest,
            });
        };
        let place = here.place(counter);
        match place {
            Place::Seen => return Err(Stale::Replayed { counter }),
            Place::TooOld => {
                return Err(Stale::TooOld {
                    counter,
                    highest: here.highest,
                })
            }
            Place::Newest | Place::Unseen => here.accept(counter),
        }
        let first = all != Place::Seen;
        if first {
            self.all.accept(counter);
            self.last_fresh = now;
        }
        Ok(Accepted {
            first,
            newest_here: place == Place::Newest,
        })
    }
}

/// Counters of refused datagrams.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplayStats {
    /// Seen before on the same network, or older than the window.
    pub replayed: u64,
    /// Copies of a datagram already accepted through another network
    /// (redundant networks): expected, not delivered again.
    pub copies: u64,
    /// From an earlier incarnation of their sender.
    pub old_incarnation: u64,
}

/// The windows of every sender heard from.
#[derive(Debug)]
pub struct ReplayGuard {
    senders: HashMap<NodeId, SenderWindow>,
    /// Networks datagrams arrive on (1 without redundant rings).
    rings: usize,
    stats: ReplayStats,
}

impl Default for ReplayGuard {
    fn default() -> Self {
        ReplayGuard::new(1)
    }
}

impl ReplayGuard {
    /// A guard for datagrams arriving on `rings` networks (at least 1).
    pub fn new(rings: usize) -> ReplayGuard {
        ReplayGuard {
            senders: HashMap::new(),
            rings: rings.max(1),
            stats: ReplayStats::default(),
        }
    }

    pub fn stats(&self) -> ReplayStats {
        self.stats
    }

    /// Judges one authenticated datagram of `sender` that arrived on
    /// network `ring`; a refusal is counted.
    pub fn check(
        &mut self,
        sender: NodeId,
        ring: usize,
        stamp: Stamp,
        now: Instant,
    ) -> Result<Accepted, Stale> {
        let rings = self.rings;
        let ring = ring.min(rings - 1);
        let Some(w) = self.senders.get_mut(&sender) else {
            self.senders
                .insert(sender, SenderWindow::start(stamp, ring, rings, now));
            return Ok(Accepted::NEWEST);
        };
        let restart = stamp.incarnation > w.incarnation
            || (stamp.incarnation < w.incarnation
                && now.saturating_duration_since(w.last_fresh) >= FORGET_AFTER);
        let res = if restart {
            *w = SenderWindow::start(stamp, ring, rings, now);
            Ok(Accepted::NEWEST)
        } else if stamp.incarnation < w.incarnation {
            Err(Stale::OldIncarnation {
                theirs: stamp.incarnation,
                current: w.incarnation,
            })
        } else {
            w.check(stamp.counter, ring, now)
        };
        match res {
            Err(Stale::OldIncarnation { .. }) => self.stats.old_incarnation += 1,
            Err(_) => self.stats.replayed += 1,
            Ok(Accepted { first: false, .. }) => self.stats.copies += 1,
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
        assert_eq!(g.check(1, 0, st(5, 10), t), Ok(Accepted::NEWEST));
        assert_eq!(g.check(1, 0, st(5, 12), t), Ok(Accepted::NEWEST));
        assert_eq!(g.check(1, 0, st(5, 11), t), Ok(Accepted::REORDERED));
        assert_eq!(
            g.check(1, 0, st(5, 11), t),
            Err(Stale::Replayed { counter: 11 })
        );
        assert_eq!(
            g.check(1, 0, st(5, 12), t),
            Err(Stale::Replayed { counter: 12 })
        );
        assert_eq!(g.check(1, 0, st(5, 12 + WINDOW), t), Ok(Accepted::NEWEST));
        assert!(matches!(
            g.check(1, 0, st(5, 12), t),
            Err(Stale::TooOld { .. })
        ));
        // Another sender has its own window.
        assert_eq!(g.check(2, 0, st(5, 11), t), Ok(Accepted::NEWEST));
        assert_eq!(g.stats().replayed, 3);
    }

    #[test]
    fn a_slot_reused_by_the_window_moving_on_is_free_again() {
        let mut g = ReplayGuard::default();
        let t = Instant::now();
        g.check(1, 0, st(1, 1), t).unwrap();
        g.check(1, 0, st(1, 3), t).unwrap();
        // WINDOW + 1 shares counter 1's slot; skipped over, it is free.
        assert_eq!(g.check(1, 0, st(1, WINDOW + 2), t), Ok(Accepted::NEWEST));
        assert_eq!(g.check(1, 0, st(1, WINDOW + 1), t), Ok(Accepted::REORDERED));
        assert_eq!(
            g.check(1, 0, st(1, 3), t),
            Err(Stale::Replayed { counter: 3 })
        );
        assert!(matches!(
            g.check(1, 0, st(1, 2), t),
            Err(Stale::TooOld { .. })
        ));
    }

    #[test]
    fn a_restart_starts_a_new_window_and_the_old_life_stays_out() {
        let mut g = ReplayGuard::default();
        let t = Instant::now();
        g.check(1, 0, st(100, 5000), t).unwrap();
        assert_eq!(g.check(1, 0, st(200, 1), t), Ok(Accepted::NEWEST));
        assert_eq!(
            g.check(1, 0, st(100, 5001), t),
            Err(Stale::OldIncarnation {
                theirs: 100,
                current: 200
            })
        );
        assert_eq!(g.stats().old_incarnation, 1);
        // Once the current life has been silent long enough, an earlier
        // one (a clock stepped back) gets in.
        let later = t + FORGET_AFTER;
        assert_eq!(g.check(1, 0, st(100, 5002), later), Ok(Accepted::NEWEST));
    }

    #[test]
    fn another_networks_copy_is_no_replay_and_moves_only_its_networks_route() {
        let copy = |newest_here| Accepted {
            first: false,
            newest_here,
        };
        let mut g = ReplayGuard::new(2);
        let t = Instant::now();
        assert_eq!(g.check(1, 0, st(5, 10), t), Ok(Accepted::NEWEST));
        // The same datagram on network 1: not delivered again, newest
        // there.
        assert_eq!(g.check(1, 1, st(5, 10), t), Ok(copy(true)));
        // Seen twice on one network: a replay.
        assert_eq!(
            g.check(1, 1, st(5, 10), t),
            Err(Stale::Replayed { counter: 10 })
        );
        assert_eq!(
            g.check(1, 0, st(5, 10), t),
            Err(Stale::Replayed { counter: 10 })
        );
        // Network 1 first this time; network 0's copy comes second.
        assert_eq!(g.check(1, 1, st(5, 12), t), Ok(Accepted::NEWEST));
        assert_eq!(g.check(1, 0, st(5, 12), t), Ok(copy(true)));
        // A copy older than what its network carried since moves nothing.
        assert_eq!(g.check(1, 1, st(5, 11), t), Ok(Accepted::REORDERED));
        assert_eq!(g.check(1, 0, st(5, 11), t), Ok(copy(false)));
        let s = g.stats();
        assert_eq!((s.copies, s.replayed), (3, 2));
        // Passive mode: datagrams alternate networks, every one first.
        for c in 13..40 {
            let got = g.check(1, (c % 2) as usize, st(5, c), t).unwrap();
            assert_eq!(got, Accepted::NEWEST, "counter {c}");
        }
        // A sender's restart starts every window afresh.
        assert_eq!(g.check(1, 1, st(6, 1), t), Ok(Accepted::NEWEST));
        assert_eq!(g.check(1, 0, st(6, 1), t), Ok(copy(true)));
    }
}

//! Bounds on the numbers peers put in packets.
//!
//! A ring sequence, message sequence, aru or count read from a packet
//! feeds comparisons, set sizes and arithmetic. Whoever can send us a
//! datagram (anyone, with `secauth: off`) must not be able to make those
//! panic, overflow, allocate without bound, or push the ring sequence to
//! the end of its space, where no new ring can be numbered above the old
//! one and every formation is abandoned again. Packets outside the bounds
//! below are dropped and counted ([`Stats::implausible_packets`]) before
//! the protocol looks at them.
//!
//! [`Stats::implausible_packets`]: super::Stats::implausible_packets

use std::fmt;

use super::Srp;
use crate::api::Time;
use crate::wire::{CommitToken, Packet, MAX_MEMBERSHIP_PACKET};

/// Highest ring sequence number this processor accepts, creates or starts
/// from. A ring sequence grows by 4 per ring formed (a little more with
/// abandoned formations): a cluster reconfiguring every millisecond for a
/// hundred million years stays below it, while everything computed from
/// it (`+ 4`, `+ RING_SEQ_MAX_STEP`) stays far from `u64::MAX`.
pub const RING_SEQ_LIMIT: u64 = 1 << 62;

/// How far above our highest known ring sequence a packet may carry us.
/// Legitimately a peer is ahead by the rings it formed without us: a node
/// that was partitioned away or restarted many times, or a whole cluster
/// ahead of a node whose persisted sequence was lost. 2^32 is a billion
/// ring formations, more than any cluster goes through in its life, so a
/// correct peer is never refused; a forger, on the other hand, needs 2^30
/// accepted packets in a row to walk the sequence up to
/// [`RING_SEQ_LIMIT`]. Dropping (rather than clamping to the bound) keeps
/// the packet's other fields from being judged against a sequence it does
/// not carry.
pub const RING_SEQ_MAX_STEP: u64 = 1 << 32;

/// Highest message sequence, aru, install sequence or token sequence
/// accepted from a peer: a ring would have to carry a billion messages a
/// second for a century to get there, and adding a window's worth of
/// messages to it never overflows.
pub const COUNTER_LIMIT: u64 = 1 << 62;

/// Most processors a proc set may hold: the largest ring a commit token
/// can describe within [`MAX_MEMBERSHIP_PACKET`]. A join naming more
/// would make our own joins too large to send.
pub const MAX_PROCESSORS: usize = max_processors();

const fn max_processors() -> usize {
    let mut n = 1;
    while CommitToken::len_for(n + 1) <= MAX_MEMBERSHIP_PACKET {
        n += 1;
    }
    n
}

/// How often a stream of implausible packets is logged.
const LOG_EVERY_MS: u64 = 10_000;

/// Why a packet was judged implausible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Implausible {
    /// A ring sequence more than [`RING_SEQ_MAX_STEP`] above ours or
    /// above [`RING_SEQ_LIMIT`].
    RingSeq { seq: u64, ceiling: u64 },
    /// A counter above [`COUNTER_LIMIT`].
    Counter { field: &'static str, value: u64 },
    /// A message sequenced further ahead of our aru than the ring can be.
    FarAhead { seq: u64, aru: u64 },
    /// A join whose proc set would grow ours beyond [`MAX_PROCESSORS`].
    TooManyProcessors { count: usize },
}

impl fmt::Display for Implausible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Implausible::RingSeq { seq, ceiling } => {
                write!(f, "ring sequence {seq} above {ceiling}")
            }
            Implausible::Counter { field, value } => write!(f, "{field} {value}"),
            Implausible::FarAhead { seq, aru } => {
                write!(f, "message {seq} far ahead of all-received-up-to {aru}")
            }
            Implausible::TooManyProcessors { count } => {
                write!(f, "{count} processors (at most {MAX_PROCESSORS})")
            }
        }
    }
}

/// At most one log line per [`LOG_EVERY_MS`], with the number held back.
#[derive(Debug, Clone, Default)]
pub(super) struct LogLimit {
    last: Option<Time>,
    suppressed: u64,
}

impl LogLimit {
    /// `Some(held back since the last line)` when a line may be logged.
    pub(super) fn check(&mut self, now: Time) -> Option<u64> {
        let due = self
            .last
            .is_none_or(|t| now.as_micros().saturating_sub(t.as_micros()) >= LOG_EVERY_MS * 1000);
        if due {
            self.last = Some(now);
            Some(std::mem::take(&mut self.suppressed))
        } else {
            self.suppressed = self.suppressed.saturating_add(1);
            None
        }
    }
}

fn counter(field: &'static str, value: u64) -> Result<(), Implausible> {
    if value > COUNTER_LIMIT {
        return Err(Implausible::Counter { field, value });
    }
    Ok(())
}

impl Srp {
    /// The highest ring sequence a packet may carry now.
    pub(super) fn ring_seq_ceiling(&self) -> u64 {
        self.ring_seq_high
            .checked_add(RING_SEQ_MAX_STEP)
            .map_or(RING_SEQ_LIMIT, |c| c.min(RING_SEQ_LIMIT))
    }

    fn ring_seq(&self, seq: u64) -> Result<(), Implausible> {
        let ceiling = self.ring_seq_ceiling();
        if seq > ceiling {
            return Err(Implausible::RingSeq { seq, ceiling });
        }
        Ok(())
    }

    /// Checks every number of a decoded packet against the bounds.
    pub(super) fn check_plausible(&self, packet: &Packet) -> Result<(), Implausible> {
        match packet {
            Packet::Mcast(m) => {
                self.ring_seq(m.ring.seq)?;
                counter("message sequence", m.seq)?;
                if let Some(o) = m.origin {
                    self.ring_seq(o.ring.seq)?;
                    counter("original message sequence", o.seq)?;
                }
            }
            Packet::Token(t) => {
                self.ring_seq(t.ring.seq)?;
                counter("token sequence", t.token_seq)?;
                counter("token seq", t.seq)?;
                counter("token aru", t.aru)?;
                if let Some(i) = t.install_seq {
                    counter("install sequence", i)?;
                }
                for &r in &t.rtr {
                    counter("retransmission request", r)?;
                }
            }
            Packet::Join(j) => {
                self.ring_seq(j.ring_seq)?;
                let count = self.proc_set.len()
                    + j.proc_set
                        .iter()
                        .chain(std::iter::once(&j.sender))
                        .filter(|n| !self.proc_set.contains(n))
                        .count();
                if count > MAX_PROCESSORS {
                    return Err(Implausible::TooManyProcessors { count });
                }
            }
            Packet::Commit(c) => {
                self.ring_seq(c.ring.seq)?;
                counter("commit token sequence", c.token_seq)?;
                for s in c.entries.iter().filter_map(|e| e.state.as_ref()) {
                    self.ring_seq(s.old_ring.seq)?;
                    counter("old ring aru", s.aru)?;
                    counter("old ring delivered", s.high_delivered)?;
                }
            }
            Packet::MergeDetect(m) => self.ring_seq(m.ring.seq)?,
            Packet::Leave(l) => self.ring_seq(l.ring_seq)?,
            Packet::HoldCancel(h) => self.ring_seq(h.ring.seq)?,
        }
        Ok(())
    }

    /// Messages this far ahead of the aru are not stored: legitimately a
    /// member falls behind by at most a window per rotation for
    /// `fail_recv_const` rotations before it is excluded, and a message
    /// dropped here is asked for again once the aru has caught up. Without
    /// it every forged sequence number would be held until the ring ends.
    pub(super) fn max_ahead(&self) -> u64 {
        let per_rotation = u64::from(self.cfg.window_size.max(1));
        let rotations = u64::from(self.cfg.fail_recv_const).saturating_add(1);
        per_rotation
            .saturating_mul(rotations)
            .saturating_mul(2)
            .clamp(4096, 1 << 20)
    }

    /// Counts and (at a rate limit) logs a dropped implausible packet.
    pub(super) fn drop_implausible(&mut self, from: crate::api::NodeId, why: Implausible) {
        self.stats.implausible_packets += 1;
        if let Some(held_back) = self.implausible_log.check(self.now) {
            log::warn!(
                target: "TOTEM",
                "dropping a packet from processor {from}: {why} ({held_back} more since the \
                 last report, {} in all)",
                self.stats.implausible_packets
            );
        }
    }
}

//! The Totem single-ring protocol as a sans-IO state machine.
//!
//! # States
//!
//! * **Operational**: a ring is installed; the token rotates among its
//!   members in ascending node-id order; its holder sequences messages,
//!   answers retransmission requests and forwards it (`token.rs`). Messages
//!   are delivered in sequence order: agreed ones as soon as every earlier
//!   one was delivered, safe ones only when every member holds them
//!   (`delivery.rs`).
//! * **Gather**: something changed (token lost, a join or merge-detect heard,
//!   a member left or kept failing to receive). Processors exchange join
//!   messages carrying their proc and fail sets until all processors of
//!   `proc - fail` sent identical sets (each one's latest join counts), or
//!   the consensus timeout moves those that did not agree to the fail set
//!   (`membership.rs`). Failure verdicts are shared with care, because the
//!   rounds of groups that merge do not start together and an old verdict
//!   would split the merge again: a join never makes us fail ourselves or
//!   its sender; verdicts from a member of our ring that has seen the ring
//!   are taken and stand for the whole gather (a processor that left or
//!   kept failing to receive); from anyone else only verdicts against
//!   processors we have not heard from within a consensus timeout are
//!   taken; and a join that knows of a ring formed after our own consensus
//!   timeout judged makes us drop our verdicts against processors we still
//!   hear.
//! * **Commit**: the lowest processor of the agreed set creates a commit
//!   token for a new ring whose sequence number exceeds every one seen; on
//!   its first rotation each member records its old ring, its
//!   all-received-up-to there and the highest message it delivered; the
//!   second rotation moves everyone into recovery (`commit.rs`).
//! * **Recovery**: on the new ring, members retransmit the old-ring
//!   messages some member of their old ring may lack; when all are received
//!   each member delivers its configuration changes and installs the ring
//!   (`recovery.rs`).
//!
//! # Configuration changes (extended virtual synchrony)
//!
//! On every installation of a new ring, in this order:
//!
//! 1. the old-ring messages up to the highest one any member coming from
//!    the same old ring delivered there, still in the old configuration;
//! 2. `ConfChg { kind: Transitional, ring_id: <new ring>, members: <members
//!    of the new ring that come from this processor's old ring>, left: <old
//!    ring members not among them>, joined: [] }`;
//! 3. the remaining old-ring messages recovered by those members, in order
//!    (messages nobody holds are passed over; all of them share the same
//!    holes);
//! 4. `ConfChg { kind: Regular, ring_id: <new ring>, members: <new ring>,
//!    left: [], joined: <new ring minus the transitional members> }`;
//! 5. then messages of the new ring.
//!
//! A message is sent in the configuration in which it was queued: one
//! queued while ring R is installed is sequenced on R or never. Multicasts
//! are refused (`QueueFull`, the caller retries) from the moment R is left
//! until the next ring is installed, and what is still queued from R when
//! the next ring is installed is dropped: sent there, it would reach
//! members that meanwhile installed a configuration without its sender
//! (extended virtual synchrony's "delivered in the configuration in which
//! it was sent"). The layer above saw the configuration change, which
//! explains the loss. Messages queued before the first ring go out in it.
//!
//! A processor's first ring has no old ring: its transitional configuration
//! is just itself. Before the first installation [`Srp::ring_id`] is
//! `RingId::default()` and [`Srp::members`] is empty.
//!
//! # Timers
//!
//! `TokenLoss` (`token`, restarted by the token and by every new message
//! of the ring, which only the token's holder sends), `TokenRetransmit` (`token_retransmit`, at most
//! `token_retransmits_before_loss_const` times per forward), `TokenHold`
//! (`hold`: the representative of an idle ring holds the token, after
//! `seqno_unchanged_const` rotations without a new message; a member that
//! queues a message meanwhile multicasts a hold cancel, once per visit of
//! its own, and the holder passes the token on at once), `Join`
//! (`join`), `Consensus` (`consensus`), `MergeDetect` (`merge`, the
//! representative only). `Downcheck` is a network-interface timer and is not
//! used by the protocol. `send_join`, when set, spreads the first join of a
//! gather over `[0, send_join]` ms by node id (the state machine has no
//! random source). `max_network_delay` is not used.

mod commit;
mod delivery;
mod membership;
mod recovery;
mod sanity;
mod store;
mod token;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::api::{
    Config, Dest, Guarantee, Input, McastError, NodeId, Output, RingId, Time, TimerKind,
};
use crate::wire::{McastMsg, Packet};
use recovery::Recovery;
use store::RingLog;
use token::TokenState;

/// Messages a processor may have queued and not yet sequenced. The driver
/// refuses new multicasts (TRY_AGAIN) while [`Srp::queue_full`] is true.
pub const SEND_QUEUE_LIMIT: usize = 1024;

pub use sanity::{COUNTER_LIMIT, RING_SEQ_LIMIT, RING_SEQ_MAX_STEP};

/// The membership state of a processor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Operational,
    Gather,
    Commit,
    Recovery,
}

/// Counters, for logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub packets_received: u64,
    /// Datagrams that did not decode (dropped).
    pub malformed_packets: u64,
    /// Packets of a ring this processor is not on, or not expected in its
    /// state (dropped).
    pub foreign_packets: u64,
    /// Messages or tokens received again (dropped).
    pub duplicate_packets: u64,
    /// Packets that would have exceeded `netmtu` (not sent).
    pub oversize_packets: u64,
    pub messages_sent: u64,
    pub messages_retransmitted: u64,
    pub messages_delivered: u64,
    /// Sequence numbers this processor asked to be retransmitted.
    pub retransmit_requests: u64,
    pub tokens_received: u64,
    pub token_retransmits: u64,
    pub token_holds: u64,
    pub token_losses: u64,
    pub gather_entries: u64,
    pub consensus_timeouts: u64,
    pub commit_tokens_created: u64,
    /// Rings abandoned in commit or recovery.
    pub formations_abandoned: u64,
    pub rings_installed: u64,
    /// Processors put in the fail set for failing to receive.
    pub fail_recv_exclusions: u64,
    pub mcast_too_large: u64,
    pub mcast_queue_full: u64,
    /// Packets carrying a number no correct peer sends (a ring sequence
    /// too far above ours, a counter near the end of its space, a message
    /// too far ahead of the ring): dropped.
    pub implausible_packets: u64,
    /// Attempts to create a ring with the ring sequence at its limit.
    pub ring_seq_exhausted: u64,
    /// Multicasts refused because the ring they would be sent in is gone
    /// (gather, commit, recovery after a ring was installed).
    pub mcast_reconfiguring: u64,
    /// Multicasts queued under a ring that ended before they were sent,
    /// dropped when the next ring was installed.
    pub mcast_discarded: u64,
}

/// A multicast waiting for the token.
#[derive(Debug, Clone)]
struct Pending {
    guarantee: Guarantee,
    payload: Vec<u8>,
}

/// The ring being formed (Commit and Recovery).
#[derive(Debug, Clone)]
struct Forming {
    ring: RingId,
    members: Vec<NodeId>,
    /// Highest commit-token sequence seen or sent for this ring.
    ct_seen: u64,
    /// The representative has turned the commit token into the regular token.
    token_started: bool,
}

/// One processor's Totem state machine.
#[derive(Debug)]
pub struct Srp {
    cfg: Config,
    me: NodeId,
    now: Time,
    state: State,
    /// `leave` was called: every further input is ignored.
    left: bool,
    ring_seq_high: u64,
    /// The installed regular ring; `None` before the first installation.
    ring: Option<RingId>,
    /// Its members, ascending.
    members: Vec<NodeId>,
    /// Messages of the installed ring.
    log: RingLog,
    /// Safe point of the installed ring: every member holds every message
    /// at or below it.
    safe_upto: u64,
    send_queue: VecDeque<Pending>,
    /// Token handling of the ring the token currently rotates on (the
    /// installed ring, or the new ring during recovery).
    tok: TokenState,
    proc_set: BTreeSet<NodeId>,
    fail_set: BTreeSet<NodeId>,
    /// Failures that stand for the whole gather even if the processor is
    /// still heard: it left, or it kept failing to receive.
    firm_fail: BTreeSet<NodeId>,
    /// Processors that left during this gather, with the ring sequence
    /// their leave carried: a join with a higher one comes from a new
    /// incarnation, and lifts the failure.
    left_at: BTreeMap<NodeId, u64>,
    /// `ring_seq_high` when our consensus timeout last failed processors,
    /// or the ring sequence of the fresh round we last restarted on: only
    /// a join from a newer round makes us drop verdicts again.
    verdict_seq: u64,
    /// Joins from ring members that carry a lower ring sequence were sent
    /// before the fresh round we restarted on: their verdicts are stale.
    trust_floor: u64,
    /// Processors that sent a join with exactly our current sets.
    consensus: BTreeSet<NodeId>,
    /// When a packet last arrived from each processor.
    last_heard: BTreeMap<NodeId, Time>,
    /// Highest sequence of a ring this processor began to form and gave up.
    abandoned_high: u64,
    forming: Option<Forming>,
    recovery: Option<Recovery>,
    stats: Stats,
    implausible_log: sanity::LogLimit,
    exhausted_log: sanity::LogLimit,
    out: Vec<Output>,
}

impl Srp {
    /// Starts a processor. `ring_seq` is the highest ring sequence number
    /// the driver persisted (0 on first start); every ring this processor
    /// creates has a higher one. It starts by gathering and forms a
    /// singleton ring after `join` ms if nobody answers.
    ///
    /// A `ring_seq` above [`RING_SEQ_LIMIT`] was not written by a correct
    /// processor (a forged packet took an earlier version there, or the
    /// file is damaged): it is refused with an error and the processor
    /// starts afresh from 0, as a new node would, rather than number every
    /// ring at the end of the sequence space.
    pub fn new(cfg: Config, me: NodeId, ring_seq: u64, now: Time) -> (Srp, Vec<Output>) {
        let ring_seq = if ring_seq > RING_SEQ_LIMIT {
            log::error!(
                target: "TOTEM",
                "refusing the persisted ring sequence {ring_seq} (above {RING_SEQ_LIMIT}): starting from 0"
            );
            0
        } else {
            ring_seq
        };
        let mut srp = Srp {
            cfg,
            me,
            now,
            state: State::Gather,
            left: false,
            ring_seq_high: ring_seq,
            ring: None,
            members: Vec::new(),
            log: RingLog::new(),
            safe_upto: 0,
            send_queue: VecDeque::new(),
            tok: TokenState::default(),
            proc_set: BTreeSet::from([me]),
            fail_set: BTreeSet::new(),
            firm_fail: BTreeSet::new(),
            left_at: BTreeMap::new(),
            verdict_seq: 0,
            trust_floor: 0,
            consensus: BTreeSet::new(),
            last_heard: BTreeMap::new(),
            abandoned_high: 0,
            forming: None,
            recovery: None,
            stats: Stats::default(),
            implausible_log: sanity::LogLimit::default(),
            exhausted_log: sanity::LogLimit::default(),
            out: Vec::new(),
        };
        log::info!(target: "TOTEM", "processor {me} starting, ring sequence {ring_seq}");
        srp.stats.gather_entries += 1;
        srp.sets_changed();
        let out = std::mem::take(&mut srp.out);
        (srp, out)
    }

    /// Feeds one input; returns what the driver must do, in order.
    pub fn handle(&mut self, now: Time, input: Input) -> Vec<Output> {
        if self.left {
            return Vec::new();
        }
        self.now = now;
        match input {
            Input::Packet { from, bytes } => self.on_packet(from, &bytes),
            Input::TimerFired(kind) => self.on_timer(kind),
            Input::Mcast { payload, guarantee } => {
                // Refusals are counted in the stats; drivers that need the
                // reason call `mcast` instead.
                let _ = self.enqueue(payload, guarantee);
            }
        }
        self.run_singleton();
        std::mem::take(&mut self.out)
    }

    /// Queues a multicast, as `handle(Input::Mcast)` does, but reports why
    /// it was refused.
    pub fn mcast(
        &mut self,
        now: Time,
        payload: Vec<u8>,
        guarantee: Guarantee,
    ) -> Result<Vec<Output>, McastError> {
        if self.left {
            return Ok(Vec::new());
        }
        self.now = now;
        let res = self.enqueue(payload, guarantee);
        self.run_singleton();
        let out = std::mem::take(&mut self.out);
        res.map(|()| out)
    }

    /// True when the send queue is at its limit: the driver must refuse new
    /// multicasts (TRY_AGAIN) until it is not.
    pub fn queue_full(&self) -> bool {
        self.send_queue.len() >= SEND_QUEUE_LIMIT
    }

    /// Whether a multicast now would be queued: the queue has room and no
    /// ring is being left or formed after an installed one (a message
    /// queued then could only be sent in a later configuration than the
    /// one the layer above is in).
    pub fn accepts_mcast(&self) -> bool {
        !self.left && !self.queue_full() && !self.reconfiguring()
    }

    /// A ring was installed and is no longer operational: multicasts are
    /// refused until the next one is installed.
    pub fn reconfiguring(&self) -> bool {
        self.ring.is_some() && self.state != State::Operational
    }

    /// Messages queued and not yet sequenced on a ring.
    pub fn queued(&self) -> usize {
        self.send_queue.len()
    }

    /// The largest payload one multicast may carry: what fits in one packet
    /// of `netmtu` bytes even when retransmitted during recovery.
    pub fn max_payload(&self) -> usize {
        self.cfg.netmtu.saturating_sub(McastMsg::MAX_OVERHEAD)
    }

    /// Graceful leave: announces that this processor leaves so the others
    /// reconfigure at once instead of waiting for token loss. The instance
    /// ignores every input afterwards.
    pub fn leave(&mut self, now: Time) -> Vec<Output> {
        if self.left {
            return Vec::new();
        }
        self.now = now;
        log::info!(target: "TOTEM", "processor {} leaving", self.me);
        let leave = Packet::Leave(crate::wire::Leave {
            sender: self.me,
            ring_seq: self.ring_seq_high,
        });
        // Sent twice: there is no later chance to repeat it, and a lost
        // leave only costs the others a token-loss timeout.
        self.send(Dest::Multicast, &leave);
        self.send(Dest::Multicast, &leave);
        for kind in ALL_TIMERS {
            self.out.push(Output::CancelTimer(kind));
        }
        self.left = true;
        std::mem::take(&mut self.out)
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn node_id(&self) -> NodeId {
        self.me
    }

    /// The installed regular ring (`RingId::default()` before the first).
    pub fn ring_id(&self) -> RingId {
        self.ring.unwrap_or_default()
    }

    /// Members of the installed regular ring, ascending.
    pub fn members(&self) -> &[NodeId] {
        &self.members
    }

    /// The highest ring sequence number seen or created, for the driver to
    /// persist.
    pub fn ring_seq_high(&self) -> u64 {
        self.ring_seq_high
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    fn enqueue(&mut self, payload: Vec<u8>, guarantee: Guarantee) -> Result<(), McastError> {
        if payload.len() > self.max_payload() {
            self.stats.mcast_too_large += 1;
            log::warn!(
                target: "TOTEM",
                "refusing a {} byte multicast (at most {})",
                payload.len(),
                self.max_payload()
            );
            return Err(McastError::TooLarge);
        }
        if self.queue_full() {
            self.stats.mcast_queue_full += 1;
            return Err(McastError::QueueFull);
        }
        if self.reconfiguring() {
            self.stats.mcast_reconfiguring += 1;
            return Err(McastError::QueueFull);
        }
        self.send_queue.push_back(Pending { guarantee, payload });
        self.release_held_token();
        self.send_hold_cancel();
        Ok(())
    }

    fn on_packet(&mut self, from: NodeId, bytes: &[u8]) {
        self.stats.packets_received += 1;
        let packet = match Packet::decode(bytes) {
            Ok(p) => p,
            Err(e) => {
                self.stats.malformed_packets += 1;
                log::debug!(target: "TOTEM", "dropping a malformed packet from {from}: {e}");
                return;
            }
        };
        if let Err(why) = self.check_plausible(&packet) {
            self.drop_implausible(from, why);
            return;
        }
        self.last_heard.insert(from, self.now);
        if from == self.me {
            // Our own multicasts looped back, or packets of an earlier
            // incarnation with our id: everything we send is processed
            // locally when it is sent.
            return;
        }
        match packet {
            Packet::Mcast(m) => self.on_mcast(m),
            Packet::Token(t) => self.on_token(t),
            Packet::Join(j) if j.sender != self.me => self.on_join(j),
            Packet::Commit(c) => self.on_commit_token(c),
            Packet::MergeDetect(m) if m.sender != self.me => self.on_merge_detect(m),
            Packet::Leave(l) if l.sender != self.me => self.on_leave(l),
            Packet::HoldCancel(h) => self.on_hold_cancel(h),
            Packet::Join(_) | Packet::MergeDetect(_) | Packet::Leave(_) => {}
        }
    }

    fn on_timer(&mut self, kind: TimerKind) {
        match kind {
            TimerKind::TokenLoss => self.on_token_loss(),
            TimerKind::TokenRetransmit => self.on_token_retransmit(),
            TimerKind::TokenHold => self.on_token_hold(),
            TimerKind::Join => self.on_join_timer(),
            TimerKind::Consensus => self.on_consensus_timeout(),
            TimerKind::MergeDetect => self.on_merge_timer(),
            TimerKind::Downcheck => {}
        }
    }

    /// Packets were checked against the ring sequence ceiling on receipt;
    /// the limit is applied again so no path can carry us past it.
    fn see_ring_seq(&mut self, seq: u64) {
        self.ring_seq_high = self.ring_seq_high.max(seq.min(RING_SEQ_LIMIT));
    }

    /// Encodes and queues a packet; one that would exceed its limit
    /// ([`Packet::max_len`]) is counted and not sent.
    fn send(&mut self, to: Dest, packet: &Packet) -> Option<Vec<u8>> {
        let bytes = packet.encode();
        let limit = packet.max_len(self.cfg.netmtu);
        if bytes.len() > limit {
            self.stats.oversize_packets += 1;
            log::error!(
                target: "TOTEM",
                "not sending a {} byte packet: the limit is {limit}",
                bytes.len(),
            );
            return None;
        }
        self.out.push(Output::Send {
            to,
            bytes: bytes.clone(),
        });
        Some(bytes)
    }

    fn set_timer(&mut self, kind: TimerKind, ms: u64) {
        self.out
            .push(Output::SetTimer(kind, self.now.add_millis(ms)));
    }

    fn cancel_timer(&mut self, kind: TimerKind) {
        self.out.push(Output::CancelTimer(kind));
    }

    /// The ring the token rotates on now, and its members.
    fn active_ring(&self) -> Option<(RingId, &[NodeId])> {
        match (&self.state, &self.forming) {
            (State::Recovery, Some(f)) => Some((f.ring, &f.members)),
            (State::Operational, _) => self.ring.map(|r| (r, self.members.as_slice())),
            _ => None,
        }
    }
}

const ALL_TIMERS: [TimerKind; 7] = [
    TimerKind::TokenLoss,
    TimerKind::TokenRetransmit,
    TimerKind::TokenHold,
    TimerKind::Join,
    TimerKind::Consensus,
    TimerKind::MergeDetect,
    TimerKind::Downcheck,
];

/// The member after `me` in ascending ring order, wrapping around.
fn successor(members: &[NodeId], me: NodeId) -> NodeId {
    members
        .iter()
        .copied()
        .find(|&m| m > me)
        .or_else(|| members.first().copied())
        .unwrap_or(me)
}

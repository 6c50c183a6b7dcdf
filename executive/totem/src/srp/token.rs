//! The regular token: sequencing, retransmission, flow control, and the
//! timers that detect its loss.

use super::store::Stored;
use super::{successor, Srp, State};
use crate::api::{Dest, NodeId, TimerKind};
use crate::wire::{HoldCancel, Origin, Packet, Token};

/// Visits a singleton ring makes in one input before yielding.
const SINGLETON_VISITS_PER_INPUT: usize = 1000;
/// Largest retransmission-request list a token carries.
const RTR_MAX: usize = 256;
/// Flow-control shares are counted in thousandths of a message.
const SHARE_UNIT: u64 = 1000;

/// Token bookkeeping for the ring the token rotates on.
#[derive(Debug, Clone, Default)]
pub(super) struct TokenState {
    /// `token_seq` of the last token processed (or held).
    seen: Option<u64>,
    /// The token held instead of forwarded (idle ring, or a singleton ring).
    held: Option<Token>,
    /// The last token or commit token forwarded, for retransmission.
    last_sent: Option<(NodeId, Vec<u8>)>,
    retransmits: u32,
    /// `seq` carried by the token last forwarded: a message above it proves
    /// the token moved on.
    last_forward_seq: u64,
    /// `aru` the token carried on arrival at the previous visit.
    prev_arrival_aru: u64,
    /// Every member holds every message at or below this.
    pub(super) safe_upto: u64,
    /// `(aru, aru_addr)` on arrival at the previous visit.
    prev_aru_mark: Option<(u64, NodeId)>,
    /// Consecutive visits with the same aru, set by the same lagging member.
    aru_stuck_visits: u32,
    /// Messages this processor sent at its previous visit.
    my_fcc: u32,
    /// Backlog this processor reported at its previous visit.
    my_backlog: u32,
    /// Flow-control share accrued while the ring is congested, in
    /// [`SHARE_UNIT`]s of a message.
    share_credit: u64,
    last_seq: u64,
    seq_unchanged: u32,
    /// This processor multicast a hold cancel since its last visit.
    hold_cancel_sent: bool,
    /// A hold cancel arrived since this processor's last visit: the token
    /// is not held at its next arrival.
    hold_cancelled: bool,
}

impl TokenState {
    /// Forgets any token of an earlier ring, keeping only the retransmission
    /// of the last token sent (a commit token handed on into recovery).
    pub(super) fn for_new_ring(&self) -> TokenState {
        TokenState {
            last_sent: self.last_sent.clone(),
            retransmits: self.retransmits,
            ..TokenState::default()
        }
    }

    pub(super) fn set_last_sent(&mut self, to: NodeId, bytes: Vec<u8>) {
        self.last_sent = Some((to, bytes));
        self.retransmits = 0;
    }

    pub(super) fn clear_last_sent(&mut self) {
        self.last_sent = None;
    }

    pub(super) fn last_forward_seq(&self) -> u64 {
        self.last_forward_seq
    }
}

impl Srp {
    pub(super) fn on_token(&mut self, t: Token) {
        let Some((ring, _)) = self.active_ring() else {
            self.stats.foreign_packets += 1;
            return;
        };
        if t.ring != ring {
            self.stats.foreign_packets += 1;
            return;
        }
        if self.tok.seen.is_some_and(|s| t.token_seq <= s) {
            self.stats.duplicate_packets += 1;
            return;
        }
        self.stats.tokens_received += 1;
        if self.should_hold(&t) {
            self.stats.token_holds += 1;
            self.tok.seen = Some(t.token_seq);
            self.tok.held = Some(t);
            self.tok.clear_last_sent();
            self.cancel_timer(TimerKind::TokenRetransmit);
            self.set_timer(TimerKind::TokenLoss, self.cfg.token);
            self.set_timer(TimerKind::TokenHold, self.cfg.hold);
            return;
        }
        self.visit(t);
    }

    /// The representative of an idle ring holds the token for `hold` ms
    /// instead of forwarding it at once, so an idle ring does not spin. A
    /// token that brings messages sequenced since our last visit is not
    /// held: the ring is busy again, and its other members, who saw those
    /// messages, no longer count it idle and would not cancel the hold.
    fn should_hold(&self, t: &Token) -> bool {
        self.state == State::Operational
            && self.ring.is_some_and(|r| r.rep == self.me)
            && self.members.len() > 1
            && t.rtr.is_empty()
            && t.aru == t.seq
            && self.log.aru() == t.seq
            && self.log.delivered() == self.log.high_seq()
            && self.send_queue.is_empty()
            && !self.tok.hold_cancelled
            && t.seq == self.tok.last_seq
            && self.tok.seq_unchanged >= self.cfg.seqno_unchanged_const
    }

    /// A multicast was queued while another member may hold the token of
    /// an idle ring: ask it to pass the token on (once per visit of ours).
    /// The ring counts as idle, as the holder sees it, when no new message
    /// was sequenced for `seqno_unchanged_const` rotations; the holder's
    /// count never exceeds ours, as our last visit came after its own.
    pub(super) fn send_hold_cancel(&mut self) {
        let Some(ring) = self.ring else { return };
        let may_be_held = self.state == State::Operational
            && self.members.len() > 1
            && ring.rep != self.me
            && self.tok.seen.is_some()
            && self.tok.held.is_none()
            && !self.tok.hold_cancel_sent
            && self.tok.seq_unchanged >= self.cfg.seqno_unchanged_const;
        if !may_be_held {
            return;
        }
        self.tok.hold_cancel_sent = true;
        let cancel = Packet::HoldCancel(HoldCancel {
            sender: self.me,
            ring,
        });
        self.send(Dest::Multicast, &cancel);
    }

    /// Another member has a message to send: a held token moves on now; one
    /// still on its way here is not held when it arrives.
    pub(super) fn on_hold_cancel(&mut self, h: HoldCancel) {
        if self.state != State::Operational || self.ring != Some(h.ring) {
            self.stats.foreign_packets += 1;
            return;
        }
        if let Some(t) = self.tok.held.take() {
            self.cancel_timer(TimerKind::TokenHold);
            self.visit(t);
        } else {
            self.tok.hold_cancelled = true;
        }
    }

    /// A multicast was queued: a held token is used at once.
    pub(super) fn release_held_token(&mut self) {
        let singleton = self.active_ring().is_some_and(|(_, m)| m.len() == 1);
        if singleton {
            // `run_singleton` at the end of the input takes it.
            return;
        }
        if let Some(t) = self.tok.held.take() {
            self.cancel_timer(TimerKind::TokenHold);
            self.visit(t);
        }
    }

    pub(super) fn on_token_hold(&mut self) {
        let singleton = self.active_ring().is_some_and(|(_, m)| m.len() == 1);
        if singleton {
            return; // `run_singleton` follows.
        }
        if let Some(t) = self.tok.held.take() {
            self.visit(t);
        }
    }

    /// On a ring of one, the token "rotates" by being visited again while
    /// there is anything to send, deliver or recover.
    pub(super) fn run_singleton(&mut self) {
        for _ in 0..SINGLETON_VISITS_PER_INPUT {
            let singleton = self.active_ring().is_some_and(|(_, m)| m.len() == 1);
            if !singleton || self.tok.held.is_none() {
                return;
            }
            let work = self.state == State::Recovery
                || !self.send_queue.is_empty()
                || self.log.delivered() < self.log.high_seq()
                || self.safe_upto < self.log.high_seq();
            if !work {
                return;
            }
            if let Some(t) = self.tok.held.take() {
                self.visit(t);
            }
        }
        // Still busy: continue after the other inputs had their turn.
        self.set_timer(TimerKind::TokenHold, 0);
    }

    pub(super) fn on_token_retransmit(&mut self) {
        let limit = self.cfg.token_retransmits_before_loss_const.max(1);
        let Some((to, bytes)) = self.tok.last_sent.clone() else {
            return;
        };
        if self.tok.retransmits >= limit {
            return;
        }
        self.tok.retransmits += 1;
        self.stats.token_retransmits += 1;
        self.out.push(crate::api::Output::Send {
            to: Dest::Node(to),
            bytes,
        });
        self.set_timer(TimerKind::TokenRetransmit, self.cfg.token_retransmit);
    }

    pub(super) fn on_token_loss(&mut self) {
        match self.state {
            State::Gather => {}
            State::Operational | State::Commit | State::Recovery => {
                self.stats.token_losses += 1;
                log::info!(
                    target: "TOTEM",
                    "token lost in {:?} state on ring {}",
                    self.state,
                    self.ring_id()
                );
                self.enter_gather();
                self.sets_changed();
            }
        }
    }

    /// One visit of the token: answer retransmission requests, send new
    /// messages within the flow-control window, ask for what we miss,
    /// update the aru, deliver, forward.
    pub(super) fn visit(&mut self, mut t: Token) {
        self.tok.seen = Some(t.token_seq);
        self.tok.held = None;
        self.tok.hold_cancel_sent = false;
        self.tok.hold_cancelled = false;
        self.tok.clear_last_sent();
        self.cancel_timer(TimerKind::TokenRetransmit);
        self.cancel_timer(TimerKind::TokenHold);
        let singleton = self.active_ring().is_some_and(|(_, m)| m.len() == 1);
        if singleton {
            self.cancel_timer(TimerKind::TokenLoss);
        } else {
            self.set_timer(TimerKind::TokenLoss, self.cfg.token);
        }

        let arrival_aru = t.aru;
        if !singleton && self.lagging_member_fails(&t) {
            return;
        }

        // Flow control: the window is shared by everything sent in one
        // rotation; a visit sends at most max_messages, and when the ring
        // is congested each member gets a share in proportion to its
        // backlog.
        let window = self.cfg.window_size.max(1);
        let fcc_others = t.fcc.saturating_sub(self.tok.my_fcc);
        let mut allowed = self
            .cfg
            .max_messages
            .max(1)
            .min(window.saturating_sub(fcc_others));
        let my_backlog = self.backlog();
        let total_backlog = t
            .backlog
            .saturating_sub(self.tok.my_backlog)
            .saturating_add(my_backlog);
        if total_backlog > window && my_backlog > 0 {
            // The share is a fraction of a message when many members
            // compete for a small window: it accrues as credit from visit
            // to visit, so every member gets its turn (rounding each share
            // up or down would let the first members of the ring take the
            // whole window and starve the others).
            let share =
                u64::from(window) * u64::from(my_backlog) * SHARE_UNIT / u64::from(total_backlog);
            let cap = u64::from(window) * SHARE_UNIT;
            self.tok.share_credit = (self.tok.share_credit + share).min(cap);
            let whole = self.tok.share_credit / SHARE_UNIT;
            allowed = allowed.min(u32::try_from(whole).unwrap_or(u32::MAX));
        } else {
            self.tok.share_credit = 0;
        }
        let mut sent: u32 = 0;

        // Retransmissions first; at least one per visit so repairs always
        // progress.
        let rtr_budget = allowed.max(1);
        let requests = std::mem::take(&mut t.rtr);
        let mut rtr = Vec::with_capacity(requests.len());
        for seq in requests {
            if self.active_log().released(seq) || rtr.contains(&seq) {
                continue; // every member held it; a stale request
            }
            if sent < rtr_budget {
                if let Some(m) = self.active_log().get(seq) {
                    let msg = m.to_msg(t.ring, seq);
                    self.send(Dest::Multicast, &Packet::Mcast(msg));
                    self.stats.messages_retransmitted += 1;
                    sent += 1;
                    continue;
                }
            }
            rtr.push(seq);
        }

        let rtr_sent = sent;
        if self.state == State::Recovery {
            self.recovery_visit(&mut t);
        }

        // New messages.
        while sent < allowed {
            let stored = match self.state {
                State::Operational => match self.send_queue.pop_front() {
                    Some(p) => Stored {
                        sender: self.me,
                        guarantee: p.guarantee,
                        origin: None,
                        payload: p.payload,
                    },
                    None => break,
                },
                State::Recovery => match self.next_recovered() {
                    Some(s) => s,
                    None => break,
                },
                State::Gather | State::Commit => break,
            };
            // Below `COUNTER_LIMIT` on receipt; checked all the same.
            let Some(seq) = t.seq.checked_add(1) else {
                break;
            };
            t.seq = seq;
            let msg = stored.to_msg(t.ring, t.seq);
            self.active_log_mut().insert(t.seq, stored);
            self.send(Dest::Multicast, &Packet::Mcast(msg));
            self.stats.messages_sent += 1;
            sent += 1;
        }
        let new_messages = sent.saturating_sub(rtr_sent);
        self.tok.share_credit = self
            .tok
            .share_credit
            .saturating_sub(u64::from(new_messages) * SHARE_UNIT);
        if self.state == State::Recovery && self.recovery.as_ref().is_some_and(|r| r.has_pending())
        {
            t.retrans_flg = true;
        }

        // Ask for what we miss among the messages sent before our previous
        // visit: they had a whole rotation to arrive, while later ones may
        // still be on their way.
        let settled = t.seq.min(self.tok.last_forward_seq);
        let missing: Vec<u64> = self.active_log().missing(settled).take(RTR_MAX).collect();
        let cap = self.rtr_capacity();
        for seq in missing {
            if rtr.len() >= cap {
                break;
            }
            if !rtr.contains(&seq) {
                rtr.push(seq);
                self.stats.retransmit_requests += 1;
            }
        }
        t.rtr = rtr;

        // All-received-up-to: lowered by whoever lacks messages; raised
        // only by the member that lowered it (or by anyone once everybody
        // had everything).
        let my_aru = self.active_log().aru();
        if my_aru < t.aru || t.aru_addr == self.me || t.aru_addr == 0 {
            t.aru = my_aru;
            t.aru_addr = if my_aru == t.seq { 0 } else { self.me };
        }

        t.fcc = fcc_others.saturating_add(sent);
        self.tok.my_fcc = sent;
        let backlog_now = self.backlog();
        t.backlog = t
            .backlog
            .saturating_sub(self.tok.my_backlog)
            .saturating_add(backlog_now);
        self.tok.my_backlog = backlog_now;

        // A message is held by every member once the token arrived with an
        // aru at or above it on two successive visits: in between, every
        // member saw the token and would have lowered the aru.
        let safe = self.tok.prev_arrival_aru.min(arrival_aru).min(my_aru);
        self.tok.prev_arrival_aru = arrival_aru;
        self.tok.safe_upto = self.tok.safe_upto.max(safe);
        if self.state == State::Operational {
            self.safe_upto = self.tok.safe_upto;
            self.deliver();
            self.log.release(self.safe_upto);
        }

        if t.seq == self.tok.last_seq {
            self.tok.seq_unchanged = self.tok.seq_unchanged.saturating_add(1);
        } else {
            self.tok.seq_unchanged = 0;
            self.tok.last_seq = t.seq;
        }
        self.tok.last_forward_seq = t.seq;
        self.forward_token(t);
    }

    /// `fail_recv_const`: a member that stays the one holding the aru down,
    /// with the aru unchanged, for that many visits cannot receive what the
    /// others send; it is moved to the fail set.
    fn lagging_member_fails(&mut self, t: &Token) -> bool {
        let mark = (t.aru, t.aru_addr);
        if t.aru < t.seq
            && t.aru_addr != 0
            && t.aru_addr != self.me
            && self.tok.prev_aru_mark == Some(mark)
        {
            self.tok.aru_stuck_visits += 1;
        } else {
            self.tok.aru_stuck_visits = 0;
        }
        self.tok.prev_aru_mark = Some(mark);
        if self.tok.aru_stuck_visits < self.cfg.fail_recv_const.max(1) {
            return false;
        }
        let lagging = t.aru_addr;
        self.stats.fail_recv_exclusions += 1;
        log::warn!(
            target: "TOTEM",
            "processor {lagging} failed to receive for {} rotations",
            self.tok.aru_stuck_visits
        );
        self.enter_gather();
        self.proc_set.insert(lagging);
        self.fail_set.insert(lagging);
        self.firm_fail.insert(lagging);
        self.sets_changed();
        true
    }

    fn forward_token(&mut self, mut t: Token) {
        let Some(token_seq) = t.token_seq.checked_add(1) else {
            return;
        };
        t.token_seq = token_seq;
        let next = match self.active_ring() {
            Some((_, members)) => successor(members, self.me),
            None => return,
        };
        if next == self.me {
            self.tok.held = Some(t);
            return;
        }
        if let Some(bytes) = self.send(Dest::Node(next), &Packet::Token(t)) {
            self.tok.set_last_sent(next, bytes);
            self.set_timer(TimerKind::TokenRetransmit, self.cfg.token_retransmit);
        }
    }

    /// Messages waiting to be sequenced by this processor.
    fn backlog(&self) -> u32 {
        let n = match self.state {
            State::Recovery => self.recovery.as_ref().map_or(0, |r| r.pending()),
            _ => self.send_queue.len(),
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// How many retransmission requests fit in a token under `netmtu`.
    fn rtr_capacity(&self) -> usize {
        (self.cfg.netmtu.saturating_sub(Token::BASE_LEN) / 8).min(RTR_MAX)
    }

    /// The next old-ring message to retransmit on the new ring.
    fn next_recovered(&mut self) -> Option<Stored> {
        let old_ring = self.ring?;
        loop {
            let seq = self.recovery.as_mut()?.pop_pending()?;
            if let Some(m) = self.log.get(seq) {
                return Some(Stored {
                    sender: m.sender,
                    guarantee: m.guarantee,
                    origin: Some(Origin {
                        ring: old_ring,
                        seq,
                    }),
                    payload: m.payload.clone(),
                });
            }
        }
    }
}

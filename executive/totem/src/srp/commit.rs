//! The commit token: fixing the membership and sequence number of a new
//! ring and collecting what each member brings from its old ring.

use super::{successor, Forming, Srp, State, RING_SEQ_LIMIT};
use crate::api::{Dest, RingId, TimerKind};
use crate::wire::{CommitEntry, CommitToken, MemberState, Packet, Token};

/// Ring sequence numbers step by 4, as openais's do.
const RING_SEQ_STEP: u64 = 4;

impl Srp {
    /// The lowest processor of an agreed membership proposes the new ring.
    pub(super) fn create_commit_token(&mut self, members: Vec<crate::api::NodeId>) {
        let base = self
            .ring_seq_high
            .max(self.ring_id().seq)
            .max(self.abandoned_high);
        // A ring numbered at or below a sequence seen before could be
        // taken for an old ring; past the limit no number is left. Only
        // some 2^30 forged packets in a row get here (see `sanity`): stay
        // gathering rather than reuse a number.
        let Some(seq) = base
            .checked_add(RING_SEQ_STEP)
            .filter(|&s| s <= RING_SEQ_LIMIT)
        else {
            self.stats.ring_seq_exhausted += 1;
            if let Some(n) = self.exhausted_log.check(self.now) {
                log::error!(
                    target: "TOTEM",
                    "cannot number a new ring: the ring sequence {base} is at its limit \
                     {RING_SEQ_LIMIT} ({n} more attempts since the last report)"
                );
            }
            return;
        };
        self.ring_seq_high = seq;
        let ring = RingId { rep: self.me, seq };
        log::info!(target: "TOTEM", "creating commit token for ring {ring} with {members:?}");
        self.stats.commit_tokens_created += 1;
        let ct = CommitToken {
            ring,
            token_seq: 0,
            entries: members
                .into_iter()
                .map(|node| CommitEntry { node, state: None })
                .collect(),
        };
        self.enter_commit(ct);
    }

    pub(super) fn on_commit_token(&mut self, ct: CommitToken) {
        self.see_ring_seq(ct.ring.seq);
        let well_formed = !ct.entries.is_empty()
            && ct.entries.windows(2).all(|w| w[0].node < w[1].node)
            && ct.entries[0].node == ct.ring.rep
            && ct.entries.iter().any(|e| e.node == self.me);
        if !well_formed {
            self.stats.foreign_packets += 1;
            return;
        }
        let complete = ct.entries.iter().all(|e| e.state.is_some());
        match self.state {
            State::Gather => {
                let mine_filled = ct
                    .entries
                    .iter()
                    .any(|e| e.node == self.me && e.state.is_some());
                let newer = ct.ring.seq > self.ring_id().seq.max(self.abandoned_high);
                let nodes: Vec<_> = ct.entries.iter().map(|e| e.node).collect();
                if !mine_filled && newer && nodes == self.candidates() {
                    self.enter_commit(ct);
                } else {
                    self.stats.foreign_packets += 1;
                }
            }
            State::Commit => {
                let Some(f) = &self.forming else { return };
                if f.ring != ct.ring || ct.token_seq <= f.ct_seen {
                    self.stats.duplicate_packets += 1;
                    return;
                }
                if complete {
                    self.enter_recovery(&ct);
                    self.forward_commit(ct);
                }
            }
            State::Recovery => {
                let Some(f) = &self.forming else { return };
                if f.ring != ct.ring
                    || ct.token_seq <= f.ct_seen
                    || f.token_started
                    || ct.ring.rep != self.me
                    || !complete
                {
                    self.stats.duplicate_packets += 1;
                    return;
                }
                // Back at the representative after the second rotation:
                // every member is in recovery; the regular token starts.
                if let Some(f) = self.forming.as_mut() {
                    f.token_started = true;
                    f.ct_seen = ct.token_seq;
                }
                let token = Token {
                    ring: ct.ring,
                    retrans_flg: true,
                    ..Token::default()
                };
                self.visit(token);
            }
            State::Operational => self.stats.foreign_packets += 1,
        }
    }

    /// First rotation: record what we bring from our old ring and pass on.
    fn enter_commit(&mut self, mut ct: CommitToken) {
        let state = MemberState {
            old_ring: self.ring.unwrap_or_default(),
            aru: self.log.aru(),
            high_delivered: self.log.delivered(),
            received_flg: self.log.aru() == self.log.high_seq(),
        };
        for e in ct.entries.iter_mut() {
            if e.node == self.me {
                e.state = Some(state);
            }
        }
        log::info!(target: "TOTEM", "entering COMMIT state for ring {}.", ct.ring);
        self.state = State::Commit;
        self.forming = Some(Forming {
            ring: ct.ring,
            members: ct.entries.iter().map(|e| e.node).collect(),
            ct_seen: ct.token_seq,
            token_started: false,
        });
        self.cancel_timer(TimerKind::Join);
        self.cancel_timer(TimerKind::Consensus);
        self.set_timer(TimerKind::TokenLoss, self.cfg.token);
        self.forward_commit(ct);
    }

    fn forward_commit(&mut self, mut ct: CommitToken) {
        // Below `COUNTER_LIMIT` on receipt; checked all the same.
        let Some(next_seq) = ct.token_seq.checked_add(1) else {
            return;
        };
        ct.token_seq = next_seq;
        let Some(f) = self.forming.as_ref() else {
            return;
        };
        let next = successor(&f.members, self.me);
        self.set_timer(TimerKind::TokenLoss, self.cfg.token);
        if next == self.me {
            // A ring of one: the token comes straight back.
            self.on_commit_token(ct);
            return;
        }
        if let Some(f) = self.forming.as_mut() {
            f.ct_seen = ct.token_seq;
        }
        if let Some(bytes) = self.send(Dest::Node(next), &Packet::Commit(ct)) {
            self.tok.set_last_sent(next, bytes);
            self.set_timer(TimerKind::TokenRetransmit, self.cfg.token_retransmit);
        }
    }
}

//! Receiving sequenced messages and delivering them in agreed order.

use super::store::{RingLog, Stored};
use super::{Srp, State};
use crate::api::{Guarantee, Output, TimerKind};
use crate::wire::McastMsg;

impl Srp {
    pub(super) fn on_mcast(&mut self, m: McastMsg) {
        match self.state {
            State::Operational | State::Gather if Some(m.ring) == self.ring => {
                self.receive_regular(m)
            }
            State::Recovery if self.forming.as_ref().is_some_and(|f| f.ring == m.ring) => {
                self.receive_recovery(m)
            }
            // In commit and recovery the old ring's messages are frozen: what
            // each member holds was reported in the commit token, and
            // recovery makes the members of an old ring hold the same set.
            _ => self.stats.foreign_packets += 1,
        }
    }

    /// False (counted) when `seq` is too far ahead of `aru` to be kept.
    fn within_reach(&mut self, from: crate::api::NodeId, seq: u64, aru: u64) -> bool {
        if seq.saturating_sub(aru) <= self.max_ahead() {
            return true;
        }
        self.drop_implausible(from, super::sanity::Implausible::FarAhead { seq, aru });
        false
    }

    fn receive_regular(&mut self, m: McastMsg) {
        let seq = m.seq;
        if !self.within_reach(m.sender, seq, self.log.aru()) {
            return;
        }
        let fresh = seq > self.log.high_seq();
        if !self.log.insert(seq, Stored::from_msg(m)) {
            self.stats.duplicate_packets += 1;
            return;
        }
        self.note_ring_progress(seq);
        if fresh && self.state == State::Operational && self.members.len() > 1 {
            // Only the token's holder sequences new messages: the token is
            // alive now. Each lost copy of the token costs a retransmission
            // period, and several of them in one rotation (a few lost
            // datagrams on a lossy network) would otherwise add up to a
            // token loss on the members waiting for it, and a membership
            // change although every member is there. A token that stops
            // stops new messages too, so its loss is still detected
            // `token` ms after the last one.
            self.set_timer(TimerKind::TokenLoss, self.cfg.token);
        }
        self.deliver();
    }

    fn receive_recovery(&mut self, m: McastMsg) {
        let seq = m.seq;
        let aru = self.recovery.as_ref().map_or(0, |r| r.log.aru());
        if !self.within_reach(m.sender, seq, aru) {
            return;
        }
        let origin = m.origin;
        let stored = Stored::from_msg(m);
        let copy = stored.clone();
        let Some(rec) = self.recovery.as_mut() else {
            return;
        };
        if !rec.log.insert(seq, stored) {
            self.stats.duplicate_packets += 1;
            return;
        }
        if let Some(o) = origin {
            if Some(o.ring) == self.ring {
                // A message of our old ring some member recovered: keep it
                // with the old ring's messages, and do not send it again.
                rec.forget_pending(o.seq);
                self.log.insert(
                    o.seq,
                    Stored {
                        origin: None,
                        ..copy
                    },
                );
            }
        }
        self.note_ring_progress(seq);
    }

    /// A message sequenced after the token we forwarded proves the token
    /// arrived: stop retransmitting it.
    fn note_ring_progress(&mut self, seq: u64) {
        if seq > self.tok.last_forward_seq() {
            self.tok.clear_last_sent();
            self.cancel_timer(TimerKind::TokenRetransmit);
        }
    }

    /// Delivers the installed ring's messages in sequence order: an agreed
    /// message once every earlier one was delivered, a safe one once every
    /// member is known to hold it.
    pub(super) fn deliver(&mut self) {
        while let Some((seq, m)) = self.log.next_undelivered() {
            if m.origin.is_some() {
                // Recovered old-ring messages were delivered with the
                // configuration change that installed this ring.
                self.log.mark_delivered(seq);
                continue;
            }
            if m.guarantee == Guarantee::Safe && seq > self.safe_upto {
                break;
            }
            let out = Output::Deliver {
                from: m.sender,
                payload: m.payload.clone(),
            };
            self.out.push(out);
            self.stats.messages_delivered += 1;
            self.log.mark_delivered(seq);
        }
    }

    /// Delivers every held message of the installed ring up to `upto`
    /// regardless of guarantee, passing over holes (used when leaving the
    /// ring, when no more messages can arrive).
    pub(super) fn deliver_all_upto(&mut self, upto: u64) {
        let held: Vec<(u64, Stored)> = self
            .log
            .held_after(self.log.delivered())
            .take_while(|(s, _)| *s <= upto)
            .map(|(s, m)| (s, m.clone()))
            .collect();
        for (seq, m) in held {
            if m.origin.is_none() {
                self.out.push(Output::Deliver {
                    from: m.sender,
                    payload: m.payload,
                });
                self.stats.messages_delivered += 1;
            }
            self.log.mark_delivered(seq);
        }
    }

    /// The messages of the ring the token rotates on.
    pub(super) fn active_log(&self) -> &RingLog {
        match (&self.state, &self.recovery) {
            (State::Recovery, Some(r)) => &r.log,
            _ => &self.log,
        }
    }

    pub(super) fn active_log_mut(&mut self) -> &mut RingLog {
        match (&self.state, &mut self.recovery) {
            (State::Recovery, Some(r)) => &mut r.log,
            _ => &mut self.log,
        }
    }
}

//! Recovery: making the members that come from the same old ring hold the
//! same old-ring messages, then installing the new ring with the
//! configuration changes extended virtual synchrony prescribes.

use std::collections::VecDeque;

use super::store::RingLog;
use super::{Srp, State};
use crate::api::{ConfChg, ConfChgKind, NodeId, Output, TimerKind};
use crate::wire::{CommitToken, Token};

/// What a member needs while its new ring recovers.
#[derive(Debug, Clone)]
pub(super) struct Recovery {
    /// Messages of the new ring (recovered old-ring messages).
    pub(super) log: RingLog,
    /// Old-ring sequence numbers this member still has to retransmit.
    pending: VecDeque<u64>,
    /// Members of the new ring that come from our old ring (with us).
    trans: Vec<NodeId>,
    /// Members of our old ring that do not come along.
    left: Vec<NodeId>,
    /// The highest old-ring message any of `trans` delivered there.
    high_ring_delivered: u64,
}

impl Recovery {
    pub(super) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    pub(super) fn pending(&self) -> usize {
        self.pending.len()
    }

    pub(super) fn pop_pending(&mut self) -> Option<u64> {
        self.pending.pop_front()
    }

    /// Someone else already put this old-ring message on the new ring.
    pub(super) fn forget_pending(&mut self, old_seq: u64) {
        self.pending.retain(|s| *s != old_seq);
    }
}

impl Srp {
    /// The commit token completed its first rotation: every member's
    /// old-ring state is known.
    pub(super) fn enter_recovery(&mut self, ct: &CommitToken) {
        let Some(ring) = self.forming.as_ref().map(|f| f.ring) else {
            return;
        };
        let from_my_ring: Vec<_> = match self.ring {
            None => ct
                .entries
                .iter()
                .filter(|e| e.node == self.me)
                .filter_map(|e| e.state.map(|s| (e.node, s)))
                .collect(),
            Some(old) => ct
                .entries
                .iter()
                .filter_map(|e| e.state.map(|s| (e.node, s)))
                .filter(|(_, s)| s.old_ring == old)
                .collect(),
        };
        let trans: Vec<NodeId> = from_my_ring.iter().map(|(n, _)| *n).collect();
        let low_aru = from_my_ring.iter().map(|(_, s)| s.aru).min().unwrap_or(0);
        let high_ring_delivered = from_my_ring
            .iter()
            .map(|(_, s)| s.high_delivered)
            .max()
            .unwrap_or(0);
        // Everything above the lowest aru may be missing somewhere: offer
        // every such message we hold.
        let pending: VecDeque<u64> = if self.ring.is_some() {
            self.log.held_after(low_aru).map(|(s, _)| s).collect()
        } else {
            VecDeque::new()
        };
        let left: Vec<NodeId> = self
            .members
            .iter()
            .copied()
            .filter(|m| !trans.contains(m))
            .collect();
        log::info!(
            target: "TOTEM",
            "entering RECOVERY state for ring {ring}: {} old-ring messages to offer, transitional members {trans:?}.",
            pending.len()
        );
        self.recovery = Some(Recovery {
            log: RingLog::new(),
            pending,
            trans,
            left,
            high_ring_delivered,
        });
        self.state = State::Recovery;
        self.tok = self.tok.for_new_ring();
        self.set_timer(TimerKind::TokenLoss, self.cfg.token);
    }

    /// Recovery part of a token visit. The representative decides when
    /// every member has put its old-ring messages on the ring: when the
    /// token comes back to it with nobody having set `retrans_flg` during a
    /// whole rotation, all of them are at or below the token's `seq`, which
    /// becomes `install_seq`. A member that has received up to
    /// `install_seq` installs the ring.
    pub(super) fn recovery_visit(&mut self, t: &mut Token) {
        let rep = self.forming.as_ref().is_some_and(|f| f.ring.rep == self.me);
        if rep {
            if t.install_seq.is_none() && !t.retrans_flg {
                t.install_seq = Some(t.seq);
            }
            t.retrans_flg = false;
        }
        if let Some(install) = t.install_seq {
            if self
                .recovery
                .as_ref()
                .is_some_and(|r| r.log.aru() >= install)
            {
                self.enter_operational(install);
            }
        }
    }

    fn enter_operational(&mut self, install: u64) {
        let (Some(rec), Some(f)) = (self.recovery.take(), self.forming.take()) else {
            return;
        };
        if self.ring.is_some() && !self.send_queue.is_empty() {
            // Queued under the old ring and not sent there: never sent
            // (see "A message is sent in the configuration in which it was
            // queued" in mod.rs).
            let n = self.send_queue.len();
            log::info!(target: "TOTEM", "dropping {n} message(s) queued in ring {} and not sent there", self.ring_id());
            self.stats.mcast_discarded += n as u64;
            self.send_queue.clear();
        }
        // What some member coming from our old ring delivered there is
        // delivered in the old configuration everywhere.
        self.deliver_all_upto(rec.high_ring_delivered);
        self.out.push(Output::ConfChg(ConfChg {
            kind: ConfChgKind::Transitional,
            ring_id: f.ring,
            members: rec.trans.clone(),
            left: rec.left.clone(),
            joined: Vec::new(),
        }));
        // The rest of the old ring's messages, in the transitional
        // configuration.
        self.deliver_all_upto(u64::MAX);
        let joined: Vec<NodeId> = f
            .members
            .iter()
            .copied()
            .filter(|m| !rec.trans.contains(m))
            .collect();
        self.out.push(Output::ConfChg(ConfChg {
            kind: ConfChgKind::Regular,
            ring_id: f.ring,
            members: f.members.clone(),
            left: Vec::new(),
            joined,
        }));

        log::info!(target: "TOTEM", "entering OPERATIONAL state.");
        log::info!(
            target: "TOTEM",
            "ring {} installed with members {:?}",
            f.ring,
            f.members
        );
        self.state = State::Operational;
        self.ring = Some(f.ring);
        self.members = f.members;
        self.log = rec.log;
        self.log.mark_delivered(install);
        self.safe_upto = self.tok.safe_upto;
        self.proc_set = self.members.iter().copied().collect();
        self.fail_set.clear();
        self.firm_fail.clear();
        self.left_at.clear();
        self.consensus.clear();
        self.stats.rings_installed += 1;
        self.cancel_timer(TimerKind::Join);
        self.cancel_timer(TimerKind::Consensus);
        if f.ring.rep == self.me {
            self.set_timer(TimerKind::MergeDetect, self.cfg.merge);
        }
        self.deliver();
    }

    /// Gives up the ring being formed. The old ring's messages are kept
    /// (with whatever recovery brought), so a later attempt starts from
    /// them.
    pub(super) fn abandon_formation(&mut self) {
        if let Some(f) = self.forming.take() {
            log::info!(target: "TOTEM", "abandoning ring {}", f.ring);
            self.abandoned_high = self.abandoned_high.max(f.ring.seq);
        }
        self.recovery = None;
        self.stats.formations_abandoned += 1;
    }
}

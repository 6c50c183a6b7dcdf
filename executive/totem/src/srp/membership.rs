//! Gathering: join messages, consensus, merge detection and leaves.

use std::collections::BTreeSet;

use super::token::TokenState;
use super::{Srp, State};
use crate::api::{Dest, NodeId, TimerKind};
use crate::wire::{Join, Leave, MergeDetect, Packet};

impl Srp {
    /// Moves to the gather state. From operational the proc set restarts
    /// as the ring's members; from commit or recovery the ring being formed
    /// is abandoned and the sets that led to it are kept. The caller then
    /// adjusts the sets and calls [`Srp::sets_changed`].
    pub(super) fn enter_gather(&mut self) {
        match self.state {
            State::Gather => return,
            State::Operational => {
                self.proc_set = self.members.iter().copied().collect();
                self.proc_set.insert(self.me);
                self.fail_set.clear();
                self.firm_fail.clear();
                self.left_at.clear();
            }
            State::Commit | State::Recovery => self.abandon_formation(),
        }
        log::info!(target: "TOTEM", "entering GATHER state from {:?}.", self.state);
        self.state = State::Gather;
        self.stats.gather_entries += 1;
        self.tok = TokenState::default();
        for kind in [
            TimerKind::TokenLoss,
            TimerKind::TokenRetransmit,
            TimerKind::TokenHold,
            TimerKind::MergeDetect,
        ] {
            self.cancel_timer(kind);
        }
    }

    /// Our sets changed (or a gather began): consensus starts over, the new
    /// join goes out and the consensus timeout restarts.
    pub(super) fn sets_changed(&mut self) {
        self.consensus.clear();
        self.consensus.insert(self.me);
        let spread = self.cfg.send_join;
        if spread == 0 {
            self.send_join();
            self.set_timer(TimerKind::Join, self.cfg.join);
        } else {
            // Without a random source, spread the first joins of a large
            // cluster by node id.
            self.set_timer(TimerKind::Join, u64::from(self.me) % (spread + 1));
        }
        self.set_timer(TimerKind::Consensus, self.cfg.consensus);
    }

    fn send_join(&mut self) {
        let join = Join {
            sender: self.me,
            ring_seq: self.ring_seq_high,
            proc_set: self.proc_set.iter().copied().collect(),
            fail_set: self.fail_set.iter().copied().collect(),
        };
        self.send(Dest::Multicast, &Packet::Join(join));
    }

    pub(super) fn on_join_timer(&mut self) {
        if self.state != State::Gather {
            return;
        }
        // Consensus first: a join sent just before this processor commits
        // to a ring would reach the others as a stale view.
        self.check_consensus();
        if self.state == State::Gather {
            self.send_join();
            self.set_timer(TimerKind::Join, self.cfg.join);
        }
    }

    pub(super) fn on_join(&mut self, j: Join) {
        self.see_ring_seq(j.ring_seq);
        match self.state {
            State::Operational => {
                // A join a member sent while gathering towards our ring,
                // delivered late, says nothing new.
                if self.members.contains(&j.sender) && j.ring_seq < self.ring_id().seq {
                    return;
                }
            }
            State::Gather => {}
            State::Commit | State::Recovery => {
                // Only a member of the ring being formed that has seen it
                // and gathers again makes us give it up; others are heard
                // once the ring is installed.
                let Some(f) = &self.forming else { return };
                if !(f.members.contains(&j.sender) && j.ring_seq >= f.ring.seq) {
                    return;
                }
            }
        }
        self.process_join(j);
    }

    fn process_join(&mut self, j: Join) {
        let sender = j.sender;
        let mut procs: BTreeSet<NodeId> = j.proc_set.into_iter().collect();
        procs.insert(sender);
        let fails: BTreeSet<NodeId> = j.fail_set.into_iter().collect();
        let mut restarted = false;
        if self
            .left_at
            .get(&sender)
            .is_some_and(|&seq| j.ring_seq > seq)
        {
            // A processor that left is back: its ring sequence passed the
            // one its leave carried, so a new incarnation sent this join.
            self.left_at.remove(&sender);
            self.firm_fail.remove(&sender);
            restarted = self.fail_set.remove(&sender);
        }
        if self.state == State::Gather && j.ring_seq > self.verdict_seq && !self.fail_set.is_empty()
        {
            // The sender knows of a ring formed after our consensus timeout
            // judged (it comes from a fresh round), while we hold verdicts
            // against processors we still hear. Rounds of different groups
            // that do not start together keep splitting each other; join
            // the fresh round instead.
            let stale: Vec<NodeId> = self
                .fail_set
                .iter()
                .copied()
                .filter(|&f| !self.firm_fail.contains(&f) && self.heard_lately(f))
                .collect();
            for f in stale {
                self.fail_set.remove(&f);
                restarted = true;
            }
            if restarted {
                self.trust_floor = self.trust_floor.max(j.ring_seq);
                self.verdict_seq = j.ring_seq;
            }
        }
        if self.fail_set.contains(&sender) {
            if restarted {
                self.sets_changed();
            }
            return;
        }

        if procs == self.proc_set && fails == self.fail_set {
            if self.state != State::Gather || restarted {
                self.log_join_cause(sender, j.ring_seq, &procs, &fails);
                self.enter_gather();
                self.sets_changed();
            }
            self.consensus.insert(sender);
            self.check_consensus();
            return;
        }
        // Consensus counts each processor's latest view only.
        self.consensus.remove(&sender);
        // Whose failures to take: a member of our ring that judged that
        // ring with what we know (a processor that keeps failing to
        // receive, one that left), i.e. one that has seen no newer ring
        // since. Anyone else, a member that formed or saw newer rings
        // included, may have judged in another round, before the processor
        // it failed formed a ring and came back; taking such a verdict
        // would split the merge again. So from them we take only failures
        // of processors we have not heard from within a consensus timeout.
        // Nobody makes us fail ourselves, nor the sender: if it really
        // cannot hear us, our consensus timeout settles it. A member's
        // join sent before the fresh round we restarted on is as old as an
        // outsider's.
        let trusted = self.members.contains(&sender)
            && j.ring_seq == self.ring_id().seq
            && j.ring_seq >= self.trust_floor;
        let taken: Vec<NodeId> = fails
            .iter()
            .copied()
            .filter(|&f| f != self.me && (trusted || !self.heard_lately(f)))
            .collect();
        let was_gathering = self.state == State::Gather;
        let ends_our_ring = self.state == State::Operational;
        if !was_gathering {
            self.log_join_cause(sender, j.ring_seq, &procs, &fails);
            self.enter_gather();
        }
        // A member's verdict is firm when its join ends the ring we operate
        // on: it judged the ring we shared (a leave, a processor failing to
        // receive). Verdicts it passes on while gathering or forming a ring
        // may come from a consensus timeout, which a fresh round
        // reconsiders; made firm, they would echo between the members of a
        // group for the whole gather. Entering the gather resets the firm
        // failures: record them after.
        if trusted && ends_our_ring {
            self.firm_fail.extend(taken.iter().copied());
        }
        if !was_gathering {
            self.proc_set.extend(procs.iter().copied());
            self.fail_set.extend(taken);
            self.sets_changed();
            return;
        }
        let before = (self.proc_set.len(), self.fail_set.len());
        self.proc_set.extend(procs.iter().copied());
        self.fail_set.extend(taken);
        if (self.proc_set.len(), self.fail_set.len()) == before && !restarted {
            // Nothing new to us: the sender catches up with our joins, or
            // keeps a verdict we do not share.
            return;
        }
        self.sets_changed();
        if procs == self.proc_set && fails == self.fail_set {
            self.consensus.insert(sender);
        }
        self.check_consensus();
    }

    /// Says why a join moves us out of operational, commit or recovery:
    /// operators need to know who started a membership change.
    fn log_join_cause(
        &self,
        sender: NodeId,
        ring_seq: u64,
        procs: &BTreeSet<NodeId>,
        fails: &BTreeSet<NodeId>,
    ) {
        if self.state == State::Gather {
            return;
        }
        log::info!(
            target: "TOTEM",
            "join from processor {sender} (ring sequence {ring_seq}, procs {procs:?}, fails {fails:?}) \
             received in {:?} state on ring {}",
            self.state,
            self.ring_id()
        );
    }

    /// True when a packet from `node` arrived within the consensus
    /// timeout.
    fn heard_lately(&self, node: NodeId) -> bool {
        self.last_heard.get(&node).is_some_and(|t| {
            self.now.as_micros().saturating_sub(t.as_micros()) < self.cfg.consensus * 1000
        })
    }

    /// The processors that would form the ring now.
    pub(super) fn candidates(&self) -> Vec<NodeId> {
        self.proc_set.difference(&self.fail_set).copied().collect()
    }

    /// When every candidate sent our sets, the lowest one creates the
    /// commit token.
    pub(super) fn check_consensus(&mut self) {
        if self.state != State::Gather {
            return;
        }
        let candidates = self.candidates();
        if !candidates.iter().all(|n| self.consensus.contains(n)) {
            return;
        }
        if candidates.first() == Some(&self.me) {
            self.create_commit_token(candidates);
        }
    }

    pub(super) fn on_consensus_timeout(&mut self) {
        if self.state != State::Gather {
            return;
        }
        self.stats.consensus_timeouts += 1;
        let silent: Vec<NodeId> = self
            .candidates()
            .into_iter()
            .filter(|n| !self.consensus.contains(n))
            .collect();
        if silent.is_empty() {
            // Everybody agreed but no commit token came: wait for a fresh
            // round of joins.
            self.consensus.clear();
            self.consensus.insert(self.me);
            self.set_timer(TimerKind::Consensus, self.cfg.consensus);
            return;
        }
        log::info!(target: "TOTEM", "consensus timeout: failing {silent:?}");
        self.fail_set.extend(silent);
        self.verdict_seq = self.ring_seq_high;
        self.sets_changed();
    }

    pub(super) fn on_merge_timer(&mut self) {
        let Some(ring) = self.ring else { return };
        if self.state != State::Operational || ring.rep != self.me {
            return;
        }
        self.send(
            Dest::Multicast,
            &Packet::MergeDetect(MergeDetect {
                sender: self.me,
                ring,
            }),
        );
        self.set_timer(TimerKind::MergeDetect, self.cfg.merge);
    }

    /// A representative of another ring can hear us: merge.
    pub(super) fn on_merge_detect(&mut self, m: MergeDetect) {
        self.see_ring_seq(m.ring.seq);
        if self.state != State::Operational
            || Some(m.ring) == self.ring
            || self.members.contains(&m.sender)
        {
            return;
        }
        log::info!(
            target: "TOTEM",
            "ring {} heard from ring {}: merging",
            self.ring_id(),
            m.ring
        );
        self.enter_gather();
        self.proc_set.insert(m.sender);
        self.sets_changed();
    }

    pub(super) fn on_leave(&mut self, l: Leave) {
        let sender = l.sender;
        // A leave older than our ring came from before the sender was
        // (re)admitted to it.
        if self.members.contains(&sender) && l.ring_seq < self.ring_id().seq {
            return;
        }
        let concerned = match self.state {
            State::Operational => self.members.contains(&sender),
            State::Gather => self.proc_set.contains(&sender) && !self.fail_set.contains(&sender),
            State::Commit | State::Recovery => self
                .forming
                .as_ref()
                .is_some_and(|f| f.members.contains(&sender)),
        };
        if !concerned {
            return;
        }
        log::info!(target: "TOTEM", "processor {sender} left");
        self.enter_gather();
        self.proc_set.insert(sender);
        self.fail_set.insert(sender);
        self.firm_fail.insert(sender);
        self.left_at.insert(sender, l.ring_seq);
        self.sets_changed();
    }
}

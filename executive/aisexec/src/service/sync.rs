//! State synchronisation after a configuration change.
//!
//! After each regular configuration every member walks the services in id
//! order. For each service it multicasts its share of the state
//! ([`super::Service::sync_process`]) and then a [`Barrier`] for that
//! step. Because delivery is in agreed order, the barrier of a member
//! arrives after all of that member's sync messages; once the barriers of
//! every member have arrived, every member has seen the same state
//! messages, activates the service and moves on to the next, at the same
//! point of the message stream on every node. A new configuration during
//! a sync aborts it; the next regular configuration starts over.

use std::collections::{BTreeMap, BTreeSet};

use sa_ipc::codec::{DecodeError, Decoder, Encoder};
use sa_ipc::proto::Payload;

use super::api::Membership;
use super::quorum::NodeVotes;
use crate::ordering::{NodeId, RingId};

/// Kind of the manager's barrier message.
pub const KIND_BARRIER: u16 = 1;

/// "Member `from` has multicast all of its state for `step` of the sync
/// of ring `ring_id`", and the member's votes, so that at the end of the
/// sync every member knows every member's (see `super::quorum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Barrier {
    pub ring_id: RingId,
    pub step: u32,
    pub votes: NodeVotes,
}

/// The votes of a barrier that carries none (the form before quorum,
/// still in old fuzz inputs): one vote, no expectation.
pub const NO_VOTES: NodeVotes = NodeVotes {
    votes: 1,
    expected: 0,
    was_quorate: false,
};

impl Payload for Barrier {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.ring_id.rep)
            .put_u64(self.ring_id.seq)
            .put_u32(self.step);
        self.votes.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Barrier, DecodeError> {
        Ok(Barrier {
            ring_id: RingId {
                rep: d.get_u32()?,
                seq: d.get_u64()?,
            },
            step: d.get_u32()?,
            votes: if d.remaining() == 0 {
                NO_VOTES
            } else {
                NodeVotes::decode(d)?
            },
        })
    }
}

/// One sync in progress.
#[derive(Debug)]
pub struct SyncRun {
    pub membership: Membership,
    /// Index of the service being synchronised.
    pub step: usize,
    /// This node's `sync_process` for the step has returned `Done`.
    pub processed: bool,
    /// This node's barrier for the step has been multicast.
    pub barrier_sent: bool,
    /// Members whose barrier for the step has been delivered.
    arrived: BTreeSet<NodeId>,
    /// What this node tells in its barriers.
    votes: NodeVotes,
    /// The votes each member told in its barriers.
    pub told: BTreeMap<NodeId, NodeVotes>,
}

impl SyncRun {
    pub fn new(membership: Membership, votes: NodeVotes) -> SyncRun {
        SyncRun {
            membership,
            step: 0,
            processed: false,
            barrier_sent: false,
            arrived: BTreeSet::new(),
            votes,
            told: BTreeMap::new(),
        }
    }

    /// The barrier this node sends for the current step.
    pub fn barrier(&self) -> Barrier {
        Barrier {
            ring_id: self.membership.ring_id,
            // The number of services is tiny; a step always fits.
            step: u32::try_from(self.step).unwrap_or(u32::MAX),
            votes: self.votes,
        }
    }

    /// Records a delivered barrier; returns whether it belongs to this run
    /// and its current step (barriers of older rings are stale).
    pub fn barrier_arrived(&mut self, from: NodeId, barrier: &Barrier) -> bool {
        let mine = self.barrier();
        if (barrier.ring_id, barrier.step) != (mine.ring_id, mine.step)
            || !self.membership.members.contains(&from)
        {
            return false;
        }
        self.arrived.insert(from);
        self.told.insert(from, barrier.votes);
        true
    }

    /// Every member's barrier for the current step has arrived.
    pub fn step_complete(&self) -> bool {
        self.membership
            .members
            .iter()
            .all(|m| self.arrived.contains(m))
    }

    /// Moves on to the next service.
    pub fn next_step(&mut self) {
        self.step += 1;
        self.processed = false;
        self.barrier_sent = false;
        self.arrived.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> SyncRun {
        SyncRun::new(
            Membership {
                ring_id: RingId { rep: 1, seq: 8 },
                members: vec![1, 2],
            },
            NO_VOTES,
        )
    }

    #[test]
    fn step_completes_when_every_member_barrier_arrived() {
        let mut r = run();
        let b = r.barrier();
        assert!(!r.step_complete());
        assert!(r.barrier_arrived(2, &b));
        assert!(!r.step_complete());
        // a stranger's barrier does not count
        assert!(!r.barrier_arrived(3, &b));
        assert!(r.barrier_arrived(1, &b));
        assert!(r.step_complete());
        r.next_step();
        assert!(!r.step_complete());
        // the previous step's barrier is stale now
        assert!(!r.barrier_arrived(1, &b));
    }

    #[test]
    fn barriers_of_other_rings_are_ignored() {
        let mut r = run();
        let stale = Barrier {
            ring_id: RingId { rep: 1, seq: 4 },
            step: 0,
            votes: NO_VOTES,
        };
        assert!(!r.barrier_arrived(1, &stale));
        assert_eq!(
            Barrier::from_payload(&r.barrier().to_payload()).unwrap(),
            r.barrier()
        );
    }

    #[test]
    fn barriers_carry_the_members_votes() {
        let mut r = run();
        let mut b = r.barrier();
        b.votes = NodeVotes {
            votes: 3,
            expected: 5,
            was_quorate: true,
        };
        assert!(r.barrier_arrived(2, &b));
        assert_eq!(r.told[&2], b.votes);
        assert_eq!(Barrier::from_payload(&b.to_payload()).unwrap(), b);
        // the form without votes still decodes
        let short = &b.to_payload()[..16];
        assert_eq!(Barrier::from_payload(short).unwrap().votes, NO_VOTES);
    }
}

//! Quorum: whether this partition holds a majority of the cluster's
//! votes, and so may change replicated state that a merge would
//! otherwise throw away.
//!
//! Every member tells the others its [`NodeVotes`] (its votes, the
//! expected votes it knows, whether it was ever in a quorate ring) in the
//! sync barriers after each regular configuration. Once the sync is
//! complete every member has the same list and computes the same
//! [`QuorumStatus`] with [`decide`]; each then takes the ring's expected
//! votes as its own. Between the configuration change and the end of the
//! sync a provisional status is computed from the members' last known
//! votes, so a partition that lost its majority is not quorate from the
//! change on (its requests are refused during the sync anyway).
//!
//! The rules are votequorum(5)'s: quorum is `expected / 2 + 1`, or 1 with
//! `two_node` and 2 expected votes; `expected` is the highest any member
//! knows, raised to the votes present; with `wait_for_all` a cluster is
//! not quorate until all expected votes were present at once (a member
//! that was quorate before lifts the wait for its ring); with
//! `last_man_standing` a quorate ring that stayed unchanged for the
//! window lowers the expected votes to its own (the manager times the
//! window and multicasts the change, so every member applies it at the
//! same point of the message stream).

use std::collections::BTreeMap;
use std::fmt;

use log::info;
use sa_ipc::codec::{DecodeError, Decoder, Encoder};

use sa_ipc::proto::Payload;

use crate::config::QuorumConfig;
use crate::ordering::{NodeId, RingId};

/// Kind of the manager's last man standing message (1 is the barrier).
pub const KIND_LAST_MAN: u16 = 2;

/// "The last man standing window of ring `ring_id` passed: its expected
/// votes are `expected` (its total votes) from here on."
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastManStanding {
    pub ring_id: RingId,
    pub expected: u32,
}

impl Payload for LastManStanding {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.ring_id.rep)
            .put_u64(self.ring_id.seq)
            .put_u32(self.expected);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<LastManStanding, DecodeError> {
        Ok(LastManStanding {
            ring_id: RingId {
                rep: d.get_u32()?,
                seq: d.get_u64()?,
            },
            expected: d.get_u32()?,
        })
    }
}

/// What a member tells the others about its votes in its sync barriers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeVotes {
    pub votes: u32,
    /// The expected votes this member knows (configured, raised by the
    /// votes it saw, lowered by last man standing).
    pub expected: u32,
    /// The member was in a quorate ring before: `wait_for_all` is over.
    pub was_quorate: bool,
}

impl NodeVotes {
    /// Encoded size in bytes.
    pub const LEN: usize = 4 + 4 + 1;

    pub fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.votes)
            .put_u32(self.expected)
            .put_bool(self.was_quorate);
    }

    pub fn decode(d: &mut Decoder<'_>) -> Result<NodeVotes, DecodeError> {
        Ok(NodeVotes {
            votes: d.get_u32()?,
            expected: d.get_u32()?,
            was_quorate: d.get_bool()?,
        })
    }
}

/// The quorum as `openais-cfgtool -s` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QuorumStatus {
    /// `provider: votes`; without it every partition is quorate and the
    /// numbers are 0.
    pub enabled: bool,
    pub quorate: bool,
    /// The votes of the members of the ring.
    pub total_votes: u32,
    pub expected_votes: u32,
    /// The votes needed to be quorate.
    pub quorum: u32,
    /// The members whose votes are counted.
    pub nodes: u32,
    pub two_node: bool,
    /// `wait_for_all` is configured and still holds the quorum back.
    pub waiting_for_all: bool,
    pub last_man_standing: bool,
}

impl QuorumStatus {
    /// The status of `provider: none`: always quorate.
    pub fn disabled() -> QuorumStatus {
        QuorumStatus {
            quorate: true,
            ..QuorumStatus::default()
        }
    }
}

impl fmt::Display for QuorumStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.enabled {
            return write!(f, "no quorum provider: always quorate");
        }
        write!(
            f,
            "{}: {} vote(s) of {} node(s), expected {}, quorum {}",
            if self.quorate {
                "quorate"
            } else {
                "NOT quorate"
            },
            self.total_votes,
            self.nodes,
            self.expected_votes,
            self.quorum
        )?;
        if self.waiting_for_all {
            write!(f, ", waiting for all nodes")?;
        }
        Ok(())
    }
}

/// The votes needed with `expected` expected votes.
pub fn quorum_of(config: &QuorumConfig, expected: u32) -> u32 {
    if config.two_node && expected == 2 {
        1
    } else {
        expected / 2 + 1
    }
}

/// The quorum of a ring whose members told `members`: the same on every
/// member, given the same list and configuration.
pub fn decide<'a>(
    config: &QuorumConfig,
    members: impl IntoIterator<Item = &'a NodeVotes>,
) -> QuorumStatus {
    if !config.enabled() {
        return QuorumStatus::disabled();
    }
    let (mut total, mut expected, mut nodes, mut any_was_quorate) = (0u32, 0u32, 0u32, false);
    for m in members {
        total = total.saturating_add(m.votes);
        expected = expected.max(m.expected);
        nodes += 1;
        any_was_quorate |= m.was_quorate;
    }
    // More votes present than expected: the cluster is larger than
    // configured (votequorum raises it too).
    let expected = expected.max(total);
    let quorum = quorum_of(config, expected);
    let waiting_for_all = config.wait_for_all && !any_was_quorate && total < expected;
    QuorumStatus {
        enabled: true,
        quorate: !waiting_for_all && total >= quorum,
        total_votes: total,
        expected_votes: expected,
        quorum,
        nodes,
        two_node: config.two_node,
        waiting_for_all,
        last_man_standing: config.last_man_standing,
    }
}

/// This node's quorum state: its own votes and what it knows of the
/// members'.
#[derive(Debug)]
pub struct Quorum {
    config: QuorumConfig,
    own: NodeVotes,
    /// The votes each node told in the last sync it took part in with
    /// this node (nodes that left are kept: their votes count again,
    /// provisionally, when they come back). Bounded by the nodes a
    /// cluster has.
    known: BTreeMap<NodeId, NodeVotes>,
    /// The members of the current ring.
    members: Vec<NodeId>,
    status: QuorumStatus,
}

impl Quorum {
    pub fn new(config: QuorumConfig) -> Quorum {
        let status = if config.enabled() {
            // No ring yet: nothing is quorate.
            QuorumStatus {
                enabled: true,
                quorate: false,
                expected_votes: config.expected_votes,
                quorum: quorum_of(&config, config.expected_votes),
                two_node: config.two_node,
                waiting_for_all: config.wait_for_all,
                last_man_standing: config.last_man_standing,
                ..QuorumStatus::default()
            }
        } else {
            QuorumStatus::disabled()
        };
        Quorum {
            own: NodeVotes {
                votes: config.votes,
                expected: config.expected_votes,
                was_quorate: false,
            },
            config,
            known: BTreeMap::new(),
            members: Vec::new(),
            status,
        }
    }

    pub fn config(&self) -> &QuorumConfig {
        &self.config
    }

    pub fn status(&self) -> QuorumStatus {
        self.status
    }

    pub fn quorate(&self) -> bool {
        self.status.quorate
    }

    /// What this node tells the others in its sync barriers.
    pub fn own(&self) -> NodeVotes {
        self.own
    }

    /// A regular configuration: the provisional status from the votes the
    /// members told before (members never heard from count nothing until
    /// the sync).
    pub fn regular_configuration(&mut self, local: NodeId, members: &[NodeId]) {
        if !self.config.enabled() {
            return;
        }
        self.known.insert(local, self.own);
        self.members = members.to_vec();
        let status = decide(
            &self.config,
            members.iter().filter_map(|id| self.known.get(id)),
        );
        self.set(status, "configuration change");
    }

    /// The sync of a ring is complete: `told` holds every member's votes
    /// (this node's included). Every member computes the same.
    pub fn synchronised(&mut self, told: &BTreeMap<NodeId, NodeVotes>) {
        if !self.config.enabled() {
            return;
        }
        self.known
            .extend(told.iter().map(|(&id, &votes)| (id, votes)));
        self.members = told.keys().copied().collect();
        let status = decide(&self.config, told.values());
        self.own.expected = status.expected_votes;
        self.own.was_quorate |= status.quorate;
        self.set(status, "synchronised");
    }

    /// Last man standing: the ring's expected votes become `expected`
    /// (its total votes), if that lowers them and the ring is quorate.
    /// Returns whether anything changed.
    pub fn lower_expected(&mut self, expected: u32) -> bool {
        if !self.config.enabled()
            || !self.config.last_man_standing
            || !self.status.quorate
            || expected >= self.status.expected_votes
            || expected < self.status.total_votes
        {
            return false;
        }
        self.own.expected = expected;
        for id in &self.members {
            if let Some(m) = self.known.get_mut(id) {
                m.expected = expected;
            }
        }
        let status = decide(
            &self.config,
            self.members.iter().filter_map(|id| self.known.get(id)),
        );
        info!(target: "QUORUM", "last man standing: expected votes lowered to {expected}");
        self.set(status, "last man standing");
        true
    }

    /// Whether last man standing would lower the expected votes of this
    /// ring: it is quorate with fewer votes than expected.
    pub fn may_lower(&self) -> bool {
        self.config.enabled()
            && self.config.last_man_standing
            && self.status.quorate
            && self.status.total_votes < self.status.expected_votes
    }

    /// Takes `status`, logging every change (they come with configuration
    /// changes and last man standing only, so they are few).
    fn set(&mut self, status: QuorumStatus, why: &str) {
        if status != self.status {
            info!(target: "QUORUM", "{why}: {status}");
        }
        self.status = status;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::QuorumProvider;

    fn config() -> QuorumConfig {
        QuorumConfig {
            provider: QuorumProvider::Votes,
            expected_votes: 5,
            ..QuorumConfig::default()
        }
    }

    fn node(votes: u32, expected: u32, was_quorate: bool) -> NodeVotes {
        NodeVotes {
            votes,
            expected,
            was_quorate,
        }
    }

    /// (what, configuration, members' votes, quorate, total, expected,
    /// quorum, waiting)
    type Case = (
        &'static str,
        QuorumConfig,
        Vec<NodeVotes>,
        bool,
        u32,
        u32,
        u32,
        bool,
    );

    #[test]
    fn the_quorum_table() {
        let votes = config();
        let two_node = QuorumConfig {
            expected_votes: 2,
            two_node: true,
            wait_for_all: true,
            ..votes
        };
        let wfa = QuorumConfig {
            wait_for_all: true,
            ..votes
        };
        let one = |n: usize, e: u32, q: bool| vec![node(1, e, q); n];
        let cases: Vec<Case> = vec![
            ("5 of 5", votes, one(5, 5, false), true, 5, 5, 3, false),
            ("3 of 5", votes, one(3, 5, false), true, 3, 5, 3, false),
            ("2 of 5", votes, one(2, 5, false), false, 2, 5, 3, false),
            ("1 of 5", votes, one(1, 5, false), false, 1, 5, 3, false),
            (
                "2 of 4 is no majority",
                QuorumConfig {
                    expected_votes: 4,
                    ..votes
                },
                one(2, 4, false),
                false,
                2,
                4,
                3,
                false,
            ),
            (
                "weighted: 3 votes of 5",
                votes,
                vec![node(3, 5, false)],
                true,
                3,
                5,
                3,
                false,
            ),
            (
                "weighted: 2+1 of 6 expected",
                votes,
                vec![node(2, 6, false), node(1, 5, false)],
                false,
                3,
                6,
                4,
                false,
            ),
            (
                "more votes than expected raise it",
                votes,
                one(7, 5, false),
                true,
                7,
                7,
                4,
                false,
            ),
            (
                "the highest expected wins",
                votes,
                vec![node(1, 3, true), node(1, 3, true), node(1, 5, false)],
                true,
                3,
                5,
                3,
                false,
            ),
            (
                "two_node: both",
                two_node,
                one(2, 2, false),
                true,
                2,
                2,
                1,
                false,
            ),
            (
                "two_node: one at first start waits for all",
                two_node,
                one(1, 2, false),
                false,
                1,
                2,
                1,
                true,
            ),
            (
                "two_node: one after both were seen",
                two_node,
                one(1, 2, true),
                true,
                1,
                2,
                1,
                false,
            ),
            (
                "wait_for_all: 4 of 5 at first start",
                wfa,
                one(4, 5, false),
                false,
                4,
                5,
                3,
                true,
            ),
            (
                "wait_for_all: 5 of 5",
                wfa,
                one(5, 5, false),
                true,
                5,
                5,
                3,
                false,
            ),
            (
                "wait_for_all: 3 of 5, one was quorate",
                wfa,
                vec![node(1, 5, false), node(1, 5, true), node(1, 5, false)],
                true,
                3,
                5,
                3,
                false,
            ),
            (
                "wait_for_all lifted still needs a majority",
                wfa,
                one(2, 5, true),
                false,
                2,
                5,
                3,
                false,
            ),
        ];
        for (what, config, members, quorate, total, expected, quorum, waiting) in cases {
            let s = decide(&config, &members);
            assert_eq!(
                (
                    s.quorate,
                    s.total_votes,
                    s.expected_votes,
                    s.quorum,
                    s.waiting_for_all
                ),
                (quorate, total, expected, quorum, waiting),
                "{what}"
            );
            assert_eq!(s.nodes as usize, members.len(), "{what}");
        }
    }

    #[test]
    fn provider_none_is_always_quorate() {
        let q = Quorum::new(QuorumConfig::default());
        assert!(q.quorate());
        assert!(!q.status().enabled);
        assert!(decide(&QuorumConfig::default(), []).quorate);
    }

    #[test]
    fn nothing_is_quorate_before_the_first_ring() {
        let q = Quorum::new(config());
        assert!(!q.quorate());
        assert_eq!(q.status().expected_votes, 5);
    }

    #[test]
    fn a_lost_majority_shows_at_the_configuration_change() {
        let mut q = Quorum::new(config());
        let told: BTreeMap<_, _> = (1..=5).map(|id| (id, node(1, 5, false))).collect();
        q.synchronised(&told);
        assert!(q.quorate());
        assert!(q.own().was_quorate);
        q.regular_configuration(1, &[1, 2]);
        assert!(!q.quorate());
        assert_eq!(q.status().total_votes, 2);
        q.regular_configuration(1, &[1, 2, 3]);
        // node 3's votes are known from before
        assert!(q.quorate());
    }

    #[test]
    fn last_man_standing_lowers_only_a_quorate_ring() {
        let lms = QuorumConfig {
            last_man_standing: true,
            ..config()
        };
        let mut q = Quorum::new(lms);
        let told: BTreeMap<_, _> = (1..=3).map(|id| (id, node(1, 5, true))).collect();
        q.synchronised(&told);
        assert!(q.quorate() && q.may_lower());
        assert!(!q.lower_expected(2), "not below the votes present");
        assert!(q.lower_expected(3));
        assert_eq!(q.status().expected_votes, 3);
        assert_eq!(q.status().quorum, 2);
        assert!(!q.may_lower());
        assert!(!q.lower_expected(3), "idempotent");
        // now 2 of the 3 left stay quorate
        q.regular_configuration(1, &[1, 2]);
        assert!(q.quorate());
        // a node that still expects 5 raises it again when it joins
        let mut told: BTreeMap<_, _> = [1, 2].iter().map(|&id| (id, q.own())).collect();
        told.insert(4, node(1, 5, false));
        q.synchronised(&told);
        assert_eq!(q.status().expected_votes, 5);
        assert!(q.quorate());
        // without last_man_standing nothing is lowered
        let mut plain = Quorum::new(config());
        let told: BTreeMap<_, _> = (1..=3).map(|id| (id, node(1, 5, true))).collect();
        plain.synchronised(&told);
        assert!(!plain.may_lower() && !plain.lower_expected(3));
    }

    #[test]
    fn node_votes_round_trip() {
        let v = node(3, 7, true);
        let mut e = Encoder::new();
        v.encode(&mut e);
        let bytes = e.finish();
        assert_eq!(bytes.len(), NodeVotes::LEN);
        assert_eq!(NodeVotes::decode(&mut Decoder::new(&bytes)).unwrap(), v);
    }
}

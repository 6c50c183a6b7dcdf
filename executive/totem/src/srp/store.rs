//! The messages of one ring, kept by sequence number.
//!
//! A processor keeps every message it has received on its ring until it is
//! both delivered and known to be held by every member (so nobody can ask
//! for it again, and no recovery can need it). `aru` is the local
//! all-received-up-to: every message at or below it is held (or was
//! delivered and released).

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::api::{Guarantee, NodeId, RingId};
use crate::wire::{McastMsg, Origin};

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stored {
    pub sender: NodeId,
    pub guarantee: Guarantee,
    /// Set for an old-ring message recovered on this ring.
    pub origin: Option<Origin>,
    pub payload: Vec<u8>,
}

impl Stored {
    pub(crate) fn from_msg(m: McastMsg) -> Stored {
        Stored {
            sender: m.sender,
            guarantee: m.guarantee,
            origin: m.origin,
            payload: m.payload,
        }
    }

    pub(crate) fn to_msg(&self, ring: RingId, seq: u64) -> McastMsg {
        McastMsg {
            ring,
            seq,
            sender: self.sender,
            guarantee: self.guarantee,
            origin: self.origin,
            payload: self.payload.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct RingLog {
    msgs: BTreeMap<u64, Stored>,
    /// Every message at or below this was received.
    aru: u64,
    /// The highest sequence number received.
    high_seq: u64,
    /// Every message at or below this was delivered (or passed over).
    delivered: u64,
    /// Every message at or below this was released from `msgs`.
    released: u64,
}

impl RingLog {
    pub(crate) fn new() -> RingLog {
        RingLog {
            msgs: BTreeMap::new(),
            aru: 0,
            high_seq: 0,
            delivered: 0,
            released: 0,
        }
    }

    pub(crate) fn aru(&self) -> u64 {
        self.aru
    }

    pub(crate) fn high_seq(&self) -> u64 {
        self.high_seq
    }

    pub(crate) fn delivered(&self) -> u64 {
        self.delivered
    }

    /// Stores a message; false when it was already held or released.
    pub(crate) fn insert(&mut self, seq: u64, msg: Stored) -> bool {
        if seq == 0 || seq <= self.aru || self.msgs.contains_key(&seq) {
            return false;
        }
        self.msgs.insert(seq, msg);
        self.high_seq = self.high_seq.max(seq);
        while self.msgs.contains_key(&(self.aru + 1)) {
            self.aru += 1;
        }
        true
    }

    pub(crate) fn get(&self, seq: u64) -> Option<&Stored> {
        self.msgs.get(&seq)
    }

    /// True when `seq` was released: every member held it.
    pub(crate) fn released(&self, seq: u64) -> bool {
        seq <= self.released
    }

    /// Sequence numbers in `(aru, upto]` that are missing, lowest first.
    pub(crate) fn missing(&self, upto: u64) -> impl Iterator<Item = u64> + '_ {
        (self.aru + 1..=upto).filter(move |s| !self.msgs.contains_key(s))
    }

    /// The next message to deliver, if it is held.
    pub(crate) fn next_undelivered(&self) -> Option<(u64, &Stored)> {
        let seq = self.delivered + 1;
        self.msgs.get(&seq).map(|m| (seq, m))
    }

    pub(crate) fn mark_delivered(&mut self, seq: u64) {
        self.delivered = self.delivered.max(seq);
    }

    /// Held messages above `after`, in order (holes skipped).
    pub(crate) fn held_after(&self, after: u64) -> impl Iterator<Item = (u64, &Stored)> + '_ {
        // `after` may come from a peer's commit token: no `+ 1` on it.
        self.msgs
            .range((Bound::Excluded(after), Bound::Unbounded))
            .map(|(s, m)| (*s, m))
    }

    /// Releases delivered messages at or below `upto`, which every member
    /// is known to hold.
    pub(crate) fn release(&mut self, upto: u64) {
        let upto = upto.min(self.delivered).min(self.aru);
        if upto <= self.released {
            return;
        }
        let keep = self.msgs.split_off(&(upto + 1));
        self.msgs = keep;
        self.released = upto;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: u8) -> Stored {
        Stored {
            sender: 1,
            guarantee: Guarantee::Agreed,
            origin: None,
            payload: vec![p],
        }
    }

    #[test]
    fn aru_follows_contiguous_receipt() {
        let mut log = RingLog::new();
        assert!(log.insert(2, m(2)));
        assert_eq!((log.aru(), log.high_seq()), (0, 2));
        assert_eq!(log.missing(3).collect::<Vec<_>>(), vec![1, 3]);
        assert!(log.insert(1, m(1)));
        assert!(!log.insert(1, m(1)));
        assert_eq!(log.aru(), 2);
        assert!(!log.insert(0, m(0)));
    }

    #[test]
    fn release_keeps_undelivered_messages() {
        let mut log = RingLog::new();
        for s in 1..=5 {
            log.insert(s, m(s as u8));
        }
        log.mark_delivered(3);
        log.release(5);
        assert!(log.get(3).is_none());
        assert!(log.get(4).is_some());
        assert!(log.released(3) && !log.released(4));
        assert!(!log.insert(2, m(2)));
        assert_eq!(
            log.held_after(0).map(|(s, _)| s).collect::<Vec<_>>(),
            vec![4, 5]
        );
    }
}

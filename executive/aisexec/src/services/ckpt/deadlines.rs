//! When something in the store is due to expire: a section's expiration
//! time, or the end of a closed checkpoint's retention duration. An index
//! ordered by time, kept in step with the store, so the next deadline and
//! everything due are found without scanning every section.
//!
//! The index only says when to *ask*: expiring is an exec message (see
//! `messages`), applied on delivery, never a local change.

use std::collections::{BTreeMap, BTreeSet};

use sa_abi::ais::SA_TIME_END;

use super::checkpoint::CkptId;

/// Something that falls due.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Due {
    /// The checkpoint's retention (of epoch `epoch`) ran out.
    Retention { ckpt: CkptId, epoch: u64 },
    /// The section's expiration time `expiration` passed.
    Section {
        ckpt: CkptId,
        id: Vec<u8>,
        expiration: i64,
    },
}

/// The deadlines of a store, by time.
#[derive(Debug, Default, Clone)]
pub struct Deadlines {
    by_time: BTreeSet<(i64, Due)>,
    /// The retention entry of each checkpoint whose clock runs.
    retention: BTreeMap<CkptId, (i64, u64)>,
}

impl Deadlines {
    /// A section expiring at `expiration` (SA_TIME_END: never, not kept).
    pub fn add_section(&mut self, ckpt: CkptId, id: &[u8], expiration: i64) {
        if expiration != SA_TIME_END {
            self.by_time.insert((
                expiration,
                Due::Section {
                    ckpt,
                    id: id.to_vec(),
                    expiration,
                },
            ));
        }
    }

    pub fn remove_section(&mut self, ckpt: CkptId, id: &[u8], expiration: i64) {
        self.by_time.remove(&(
            expiration,
            Due::Section {
                ckpt,
                id: id.to_vec(),
                expiration,
            },
        ));
    }

    /// Starts (`Some((deadline, epoch))`) or stops (`None`) the retention
    /// clock of a checkpoint. A deadline at the end of time is not kept.
    pub fn set_retention(&mut self, ckpt: CkptId, clock: Option<(i64, u64)>) {
        if let Some((at, epoch)) = self.retention.remove(&ckpt) {
            self.by_time.remove(&(at, Due::Retention { ckpt, epoch }));
        }
        if let Some((at, epoch)) = clock {
            if at != SA_TIME_END {
                self.by_time.insert((at, Due::Retention { ckpt, epoch }));
                self.retention.insert(ckpt, (at, epoch));
            }
        }
    }

    /// The earliest deadline.
    #[cfg(test)]
    pub fn next(&self) -> Option<i64> {
        self.by_time.first().map(|(at, _)| *at)
    }

    /// Everything due at `now`, with its deadline, earliest first.
    pub fn due(&self, now: i64) -> impl Iterator<Item = &(i64, Due)> {
        self.by_time.iter().take_while(move |(at, _)| *at <= now)
    }

    /// The first deadline after `now`.
    pub fn next_after(&self, now: i64) -> Option<i64> {
        self.by_time.iter().map(|(at, _)| *at).find(|at| *at > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_by_time_and_kept_in_step() {
        let mut d = Deadlines::default();
        d.add_section(1, b"a", 30);
        d.add_section(1, b"b", SA_TIME_END);
        d.set_retention(2, Some((10, 4)));
        assert_eq!(d.next(), Some(10));
        let due: Vec<_> = d.due(30).map(|(_, due)| due.clone()).collect();
        assert_eq!(
            due,
            vec![
                Due::Retention { ckpt: 2, epoch: 4 },
                Due::Section {
                    ckpt: 1,
                    id: b"a".to_vec(),
                    expiration: 30
                }
            ]
        );
        assert_eq!(d.next_after(10), Some(30));
        // a new clock replaces the old one
        d.set_retention(2, Some((50, 5)));
        assert_eq!(d.due(40).count(), 1);
        d.set_retention(2, None);
        d.remove_section(1, b"a", 30);
        assert_eq!(d.next(), None);
        d.set_retention(3, Some((SA_TIME_END, 1)));
        assert_eq!(d.next(), None);
    }
}

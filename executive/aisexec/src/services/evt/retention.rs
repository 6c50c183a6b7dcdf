//! Retained events: events published with a retention time, kept (on
//! every node) so that later subscriptions of their channel receive them,
//! until they expire or are cleared.
//!
//! Expiry is by the wall clock: an event expires at its publish time (set
//! by the publishing node) plus its retention time. A node's timer firing
//! must not change replicated state, so expiry goes through the agreed
//! order: when the timer fires, the node multicasts "retention expired"
//! and every node removes the event on delivery (a duplicate finds
//! nothing to remove). To avoid one notice per node, the member with the
//! lowest node id sends it at expiry time; the others wait
//! [`BACKUP_DELAY`] more and send it only if the event is still there
//! (the lowest member left, or its notice was lost in a reconfiguration).
//! A notice sent is not sent again before [`RESEND_DELAY`].

use std::collections::BTreeMap;
use std::sync::Arc;

use sa_ipc::proto::evt::EventRecord;

use super::channels::ChannelId;

/// How long the members other than the lowest wait past an expiry before
/// they send the expiry notice themselves.
pub const BACKUP_DELAY: i64 = 2_000_000_000;

/// How long a node waits for its own expiry notice to be delivered before
/// it sends another one.
pub const RESEND_DELAY: i64 = 5_000_000_000;

/// One retained event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retained {
    pub channel: ChannelId,
    pub event: Arc<EventRecord>,
    /// Delivery order on this node: retained events reach a new
    /// subscription in the order they were published.
    pub seq: u64,
}

impl Retained {
    /// When the event stops being retained, SaTimeT ns since the epoch.
    pub fn expires_at(&self) -> i64 {
        self.event
            .publish_time
            .saturating_add(self.event.attributes.retention)
    }
}

/// Every retained event of the cluster, by event id.
#[derive(Debug, Clone, Default)]
pub struct RetainedEvents {
    by_id: BTreeMap<u64, Retained>,
    next_seq: u64,
    /// Expiry notices this node sent and when it may send them again.
    noticed: BTreeMap<u64, i64>,
}

impl RetainedEvents {
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn contains(&self, event_id: u64) -> bool {
        self.by_id.contains_key(&event_id)
    }

    pub fn get(&self, event_id: u64) -> Option<&Retained> {
        self.by_id.get(&event_id)
    }

    /// Every retained event, by event id.
    pub fn iter(&self) -> impl Iterator<Item = &Retained> {
        self.by_id.values()
    }

    /// Retains `event` on `channel` (a duplicate id is ignored).
    pub fn insert(&mut self, channel: ChannelId, event: Arc<EventRecord>) {
        let seq = self.next_seq;
        self.by_id
            .entry(event.event_id)
            .or_insert_with(|| Retained {
                channel,
                event,
                seq,
            });
        self.next_seq += 1;
    }

    /// Stops retaining an event; `None` when it was not retained.
    pub fn remove(&mut self, event_id: u64) -> Option<Retained> {
        self.noticed.remove(&event_id);
        self.by_id.remove(&event_id)
    }

    /// Stops retaining every event of `channel` (it went away); returns
    /// their ids.
    pub fn remove_channel(&mut self, channel: ChannelId) -> Vec<u64> {
        let ids: Vec<u64> = self
            .by_id
            .values()
            .filter(|r| r.channel == channel)
            .map(|r| r.event.event_id)
            .collect();
        for id in &ids {
            self.remove(*id);
        }
        ids
    }

    /// The events of `channel` in publish order.
    pub fn of_channel(&self, channel: ChannelId) -> Vec<&Retained> {
        let mut v: Vec<&Retained> = self
            .by_id
            .values()
            .filter(|r| r.channel == channel)
            .collect();
        v.sort_by_key(|r| r.seq);
        v
    }

    /// The events of `channel` in publish order, shared, for delivery to
    /// a subscription.
    pub fn events_of(&self, channel: ChannelId) -> Vec<Arc<EventRecord>> {
        self.of_channel(channel)
            .into_iter()
            .map(|r| Arc::clone(&r.event))
            .collect()
    }

    /// When this node should send the expiry notice of `r`.
    fn notice_at(&self, r: &Retained, lowest_member: bool) -> i64 {
        if let Some(again) = self.noticed.get(&r.event.event_id) {
            return *again;
        }
        if lowest_member {
            r.expires_at()
        } else {
            r.expires_at().saturating_add(BACKUP_DELAY)
        }
    }

    /// The events whose expiry notice this node should send at `now`;
    /// they are recorded as noticed (not again before [`RESEND_DELAY`]).
    pub fn due_notices(&mut self, now: i64, lowest_member: bool) -> Vec<u64> {
        let due: Vec<u64> = self
            .by_id
            .values()
            .filter(|r| self.notice_at(r, lowest_member) <= now)
            .map(|r| r.event.event_id)
            .collect();
        for id in &due {
            self.noticed.insert(*id, now.saturating_add(RESEND_DELAY));
        }
        due
    }

    /// When [`RetainedEvents::due_notices`] next has something to do.
    pub fn next_notice(&self, lowest_member: bool) -> Option<i64> {
        self.by_id
            .values()
            .map(|r| self.notice_at(r, lowest_member))
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sa_ipc::proto::evt::Attributes;

    fn event(id: u64, publish_time: i64, retention: i64) -> Arc<EventRecord> {
        Arc::new(EventRecord {
            attributes: Attributes {
                retention,
                ..Attributes::default()
            },
            publish_time,
            event_id: id,
            data: Vec::new(),
        })
    }

    #[test]
    fn events_of_a_channel_in_publish_order() {
        let mut r = RetainedEvents::default();
        r.insert(1, event(30, 0, 10));
        r.insert(2, event(10, 0, 10));
        r.insert(1, event(20, 0, 10));
        let ids: Vec<u64> = r.of_channel(1).iter().map(|r| r.event.event_id).collect();
        assert_eq!(ids, vec![30, 20]);
        assert_eq!(r.remove_channel(1), vec![20, 30]);
        assert_eq!(r.len(), 1);
        assert_eq!(r.of_channel(2).len(), 1);
    }

    #[test]
    fn lowest_member_notices_at_expiry_others_later() {
        let mut r = RetainedEvents::default();
        r.insert(1, event(10, 1_000, 500));
        r.insert(1, event(11, 1_000, i64::MAX));
        assert_eq!(r.get(11).unwrap().expires_at(), i64::MAX);
        assert_eq!(r.next_notice(true), Some(1_500));
        assert_eq!(r.next_notice(false), Some(1_500 + BACKUP_DELAY));
        assert!(r.due_notices(1_499, true).is_empty());
        assert!(r.due_notices(1_500, false).is_empty());
        assert_eq!(r.due_notices(1_500, true), vec![10]);
        // not again before the resend delay
        assert!(r.due_notices(1_501, true).is_empty());
        assert_eq!(r.next_notice(true), Some(1_500 + RESEND_DELAY));
        assert_eq!(r.due_notices(1_500 + RESEND_DELAY, true), vec![10]);
        r.remove(10);
        assert_eq!(r.next_notice(true), Some(i64::MAX));
        assert!(r.remove(10).is_none());
    }
}

//! Each library connection's queue of events waiting to be pulled.
//!
//! Events wait here, one lane per priority, until the library pulls them
//! (see `sa_ipc::proto::evt`): the highest priority first, in delivery
//! order within a priority. The queue is bounded by
//! `event { delivery_queue_size }` events and by [`MAX_QUEUED_BYTES`].
//! When it is full, further events for the connection are dropped and the
//! subscription that lost the first of them gets one lost-event event
//! (pattern `SA_EVT_LOST_EVENT_PATTERN`, highest priority, event id
//! SA_EVT_EVENTID_LOST), ahead of everything queued. Dropping goes on
//! until the queue has drained to `delivery_queue_resume` events, so a
//! subscriber that cannot keep up loses a run of events and is told once,
//! rather than losing every other one.

use std::collections::VecDeque;
use std::sync::Arc;

use sa_abi::evt::{SA_EVT_EVENTID_LOST, SA_EVT_HIGHEST_PRIORITY, SA_EVT_LOST_EVENT};
use sa_ipc::proto::evt::{Attributes, Delivered, EventRecord, LOWEST_PRIORITY};

/// Encoded bytes of events one connection may have queued, whatever
/// `delivery_queue_size` says: 1000 events of the largest size would
/// otherwise pin more than 100 MiB per subscriber.
pub const MAX_QUEUED_BYTES: usize = 16 * 1024 * 1024;

/// The queue limits of `event { delivery_queue_size delivery_queue_resume }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimits {
    /// Events queued before later ones are dropped.
    pub size: usize,
    /// Queue length at or below which a full queue accepts events again.
    pub resume: usize,
}

/// One event waiting for one subscription of one opening.
#[derive(Debug, Clone)]
struct Queued {
    open_id: u32,
    subscription_id: u32,
    event: Arc<EventRecord>,
}

/// The notice owed to a subscriber that lost events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LostNotice {
    open_id: u32,
    subscription_id: u32,
    /// When the first of the lost events was dropped.
    since: i64,
    count: u64,
}

/// What [`DeliveryQueue::push`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Queued,
    /// Dropped because the queue is full; the subscriber will be told.
    Lost,
}

/// The events queued for one library connection.
#[derive(Debug)]
pub struct DeliveryQueue {
    limits: QueueLimits,
    /// Index = priority (0 highest).
    lanes: [VecDeque<Queued>; LOWEST_PRIORITY as usize + 1],
    len: usize,
    bytes: usize,
    /// Dropping events until the queue drains to `limits.resume`.
    overflowed: bool,
    lost: Option<LostNotice>,
    /// An EVENT_AVAILABLE callback was sent and not yet answered by a
    /// pull: the library will pull, so no second one is sent.
    notified: bool,
    /// Events dropped over the connection's life.
    lost_total: u64,
}

/// What an event weighs in the queue and in a pull reply: its encoded
/// size, so that a batch of many small events with many empty patterns
/// is bounded as surely as one of large data.
fn record_bytes(event: &EventRecord) -> usize {
    event.wire_len()
}

impl DeliveryQueue {
    pub fn new(limits: QueueLimits) -> DeliveryQueue {
        DeliveryQueue {
            limits: QueueLimits {
                size: limits.size.max(1),
                resume: limits.resume.min(limits.size.max(1)),
            },
            lanes: Default::default(),
            len: 0,
            bytes: 0,
            overflowed: false,
            lost: None,
            notified: false,
            lost_total: 0,
        }
    }

    /// Events queued (the lost-event notice not counted).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing at all waits to be pulled.
    pub fn is_empty(&self) -> bool {
        self.len == 0 && self.lost.is_none()
    }

    /// Events dropped so far because the queue was full.
    pub fn lost_total(&self) -> u64 {
        self.lost_total
    }

    /// Queues `event` for a subscription, or drops it when the queue is
    /// full. `now` is recorded in the lost-event notice.
    pub fn push(
        &mut self,
        open_id: u32,
        subscription_id: u32,
        event: Arc<EventRecord>,
        now: i64,
    ) -> Pushed {
        if self.overflowed && self.len <= self.limits.resume {
            self.overflowed = false;
        }
        let size = record_bytes(&event);
        if !self.overflowed
            && (self.len >= self.limits.size || self.bytes + size > MAX_QUEUED_BYTES)
        {
            self.overflowed = true;
        }
        if self.overflowed {
            self.lost_total += 1;
            match &mut self.lost {
                Some(notice) => notice.count += 1,
                None => {
                    self.lost = Some(LostNotice {
                        open_id,
                        subscription_id,
                        since: now,
                        count: 1,
                    })
                }
            }
            return Pushed::Lost;
        }
        let lane = usize::from(event.attributes.priority.min(LOWEST_PRIORITY));
        self.lanes[lane].push_back(Queued {
            open_id,
            subscription_id,
            event,
        });
        self.len += 1;
        self.bytes += size;
        Pushed::Queued
    }

    /// Takes the next event: a lost-event notice first, then the highest
    /// priority, oldest first.
    pub fn pop(&mut self) -> Option<Delivered> {
        if let Some(notice) = self.lost.take() {
            return Some(lost_event(&notice));
        }
        let q = self.lanes.iter_mut().find_map(VecDeque::pop_front)?;
        self.len -= 1;
        self.bytes -= record_bytes(&q.event);
        Some(Delivered {
            open_id: q.open_id,
            subscription_id: q.subscription_id,
            event: Arc::unwrap_or_clone(q.event),
        })
    }

    /// Takes up to `max` events (at least one when any waits), stopping
    /// before the one that would take the batch past `max_bytes` of
    /// encoded events.
    pub fn pop_batch(&mut self, max: usize, max_bytes: usize) -> Vec<Delivered> {
        let mut out = Vec::new();
        let mut bytes = 0usize;
        while out.len() < max.max(1) {
            let next = match (&self.lost, self.lanes.iter().find_map(VecDeque::front)) {
                (Some(_), _) => 0,
                (None, Some(q)) => record_bytes(&q.event),
                (None, None) => break,
            };
            if !out.is_empty() && bytes + next > max_bytes {
                break;
            }
            let Some(d) = self.pop() else { break };
            bytes += next;
            out.push(d);
        }
        out
    }

    /// Drops what is queued for the subscriptions `keep` rejects (an
    /// unsubscribe or a channel close); a pending lost notice for them
    /// goes too. Returns the ids of the events dropped.
    pub fn retain(&mut self, mut keep: impl FnMut(u32, u32) -> bool) -> Vec<u64> {
        let mut dropped = Vec::new();
        for lane in &mut self.lanes {
            lane.retain(|q| {
                let k = keep(q.open_id, q.subscription_id);
                if !k {
                    self.len -= 1;
                    self.bytes -= record_bytes(&q.event);
                    dropped.push(q.event.event_id);
                }
                k
            });
        }
        if let Some(n) = self.lost {
            if !keep(n.open_id, n.subscription_id) {
                self.lost = None;
            }
        }
        dropped
    }

    /// Whether the library must be told that events wait: something is
    /// queued and no notification is outstanding. Marks one outstanding.
    pub fn take_notify(&mut self) -> bool {
        if self.notified || self.is_empty() {
            return false;
        }
        self.notified = true;
        true
    }

    /// The library pulled: the outstanding notification is answered.
    pub fn pulled(&mut self) {
        self.notified = false;
    }
}

/// The event that tells a subscriber `notice.count` events were lost.
fn lost_event(notice: &LostNotice) -> Delivered {
    Delivered {
        open_id: notice.open_id,
        subscription_id: notice.subscription_id,
        event: EventRecord {
            attributes: Attributes {
                patterns: vec![SA_EVT_LOST_EVENT.to_vec()],
                priority: SA_EVT_HIGHEST_PRIORITY,
                retention: 0,
                publisher: Default::default(),
            },
            publish_time: notice.since,
            event_id: SA_EVT_EVENTID_LOST,
            // The number of events lost, as text, for people reading it.
            data: notice.count.to_string().into_bytes(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// However many events a pull asks for, and however they are made
    /// up, the reply fits in a frame.
    #[test]
    fn a_pull_reply_fits_a_frame_whatever_the_events() {
        use sa_ipc::frame::MAX_PAYLOAD;
        use sa_ipc::proto::evt::{Pulled, MAX_PATTERNS, MAX_PULL_BYTES};
        use sa_ipc::proto::Payload;
        use sa_ipc::Name;
        let mut q = DeliveryQueue::new(QueueLimits {
            size: 100_000,
            resume: 50_000,
        });
        // No data and only empty patterns: nothing but encoding overhead.
        let hollow = Arc::new(EventRecord {
            attributes: Attributes {
                patterns: vec![Vec::new(); MAX_PATTERNS],
                publisher: Name::new(&[b'p'; 256]).unwrap(),
                ..Attributes::default()
            },
            ..EventRecord::default()
        });
        for _ in 0..2000 {
            q.push(1, 1, Arc::clone(&hollow), 0);
        }
        let events = q.pop_batch(usize::MAX, MAX_PULL_BYTES);
        assert!(!events.is_empty());
        let reply = Pulled { events }.to_payload();
        assert!(reply.len() <= MAX_PAYLOAD, "{} bytes", reply.len());
    }

    fn event(id: u64, priority: u8) -> Arc<EventRecord> {
        Arc::new(EventRecord {
            attributes: Attributes {
                priority,
                ..Attributes::default()
            },
            event_id: id,
            data: vec![1, 2, 3],
            ..EventRecord::default()
        })
    }

    fn ids(q: &mut DeliveryQueue) -> Vec<u64> {
        std::iter::from_fn(|| q.pop().map(|d| d.event.event_id)).collect()
    }

    #[test]
    fn highest_priority_first_fifo_within_a_priority() {
        let mut q = DeliveryQueue::new(QueueLimits {
            size: 10,
            resume: 5,
        });
        for (id, prio) in [(10, 3), (11, 1), (12, 3), (13, 0), (14, 1)] {
            assert_eq!(q.push(1, 1, event(id, prio), 0), Pushed::Queued);
        }
        assert_eq!(q.len(), 5);
        assert_eq!(ids(&mut q), vec![13, 11, 14, 10, 12]);
        assert!(q.is_empty());
    }

    #[test]
    fn batches_are_bounded_by_count_and_bytes() {
        let mut q = DeliveryQueue::new(QueueLimits {
            size: 10,
            resume: 5,
        });
        assert!(q.pop_batch(5, 100).is_empty());
        for id in 10..16 {
            q.push(1, 1, event(id, 3), 0);
        }
        let one = record_bytes(&event(0, 3));
        let ids = |v: Vec<Delivered>| v.iter().map(|d| d.event.event_id).collect::<Vec<_>>();
        assert_eq!(ids(q.pop_batch(2, 100 * one)), vec![10, 11]);
        assert_eq!(ids(q.pop_batch(10, 2 * one + 1)), vec![12, 13]);
        // one event always goes, whatever its size
        assert_eq!(ids(q.pop_batch(10, 1)), vec![14]);
        assert_eq!(ids(q.pop_batch(0, 100 * one)), vec![15]);
        assert!(q.is_empty());
    }

    #[test]
    fn overflow_drops_until_resume_and_reports_once() {
        let mut q = DeliveryQueue::new(QueueLimits { size: 4, resume: 2 });
        for id in 10..14 {
            assert_eq!(q.push(1, 7, event(id, 3), 0), Pushed::Queued);
        }
        assert_eq!(q.push(1, 7, event(14, 3), 99), Pushed::Lost);
        assert_eq!(q.push(2, 8, event(15, 3), 100), Pushed::Lost);
        assert_eq!(q.lost_total(), 2);
        // the notice comes first, for the first subscription that lost one
        let notice = q.pop().unwrap();
        assert_eq!((notice.open_id, notice.subscription_id), (1, 7));
        assert_eq!(notice.event.event_id, SA_EVT_EVENTID_LOST);
        assert_eq!(
            notice.event.attributes.patterns,
            vec![SA_EVT_LOST_EVENT.to_vec()]
        );
        assert_eq!(notice.event.attributes.priority, SA_EVT_HIGHEST_PRIORITY);
        assert_eq!(notice.event.publish_time, 99);
        assert_eq!(notice.event.data, b"2");
        // still above the resume mark: dropped
        assert_eq!(q.pop().unwrap().event.event_id, 10);
        assert_eq!(q.push(1, 7, event(16, 3), 0), Pushed::Lost);
        assert_eq!(q.pop().unwrap().event.event_id, SA_EVT_EVENTID_LOST);
        // drained to the resume mark: accepted again
        assert_eq!(q.pop().unwrap().event.event_id, 11);
        assert_eq!(q.len(), 2);
        assert_eq!(q.push(1, 7, event(17, 3), 0), Pushed::Queued);
        assert_eq!(ids(&mut q), vec![12, 13, 17]);
        assert_eq!(q.lost_total(), 3);
    }

    #[test]
    fn bytes_bound_the_queue_too() {
        let mut q = DeliveryQueue::new(QueueLimits {
            size: 1_000_000,
            resume: 0,
        });
        let big = Arc::new(EventRecord {
            data: vec![0; 65536],
            ..EventRecord::default()
        });
        let fits = MAX_QUEUED_BYTES / record_bytes(&big);
        for _ in 0..fits {
            assert_eq!(q.push(1, 1, Arc::clone(&big), 0), Pushed::Queued);
        }
        assert_eq!(q.push(1, 1, big, 0), Pushed::Lost);
    }

    #[test]
    fn retain_removes_a_subscription_and_its_notice() {
        let mut q = DeliveryQueue::new(QueueLimits { size: 3, resume: 0 });
        q.push(1, 1, event(10, 3), 0);
        q.push(1, 2, event(11, 3), 0);
        q.push(2, 1, event(12, 3), 0);
        q.push(1, 2, event(13, 3), 0); // lost, notice for (1, 2)
        assert_eq!(q.retain(|open, sub| (open, sub) != (1, 2)), vec![11]);
        assert_eq!(q.len(), 2);
        assert_eq!(ids(&mut q), vec![10, 12]);
    }

    #[test]
    fn one_notification_outstanding_at_a_time() {
        let mut q = DeliveryQueue::new(QueueLimits {
            size: 10,
            resume: 5,
        });
        assert!(!q.take_notify(), "nothing queued");
        q.push(1, 1, event(10, 3), 0);
        q.push(1, 1, event(11, 3), 0);
        assert!(q.take_notify());
        assert!(!q.take_notify(), "already outstanding");
        q.pulled();
        q.pop();
        assert!(q.take_notify(), "one more waits");
        q.pulled();
        q.pop();
        assert!(!q.take_notify());
    }
}

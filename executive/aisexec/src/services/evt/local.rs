//! What this node alone knows: its library connections, their channel
//! openings, subscriptions and delivery queues.
//!
//! Subscriptions are local: a published event is delivered, on every
//! node, to that node's own subscribers, so nothing about a subscription
//! needs to travel. An opening exists here from the delivery of its open
//! message until its close is multicast (or its connection ends).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use sa_ipc::proto::evt::{open_flags, EventRecord, Filter};

use super::channels::ChannelId;
use super::delivery::{DeliveryQueue, Pushed, QueueLimits};
use super::filters::event_matches;
use crate::ipc::ConnId;

/// One opening of a channel by a local connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalOpen {
    pub channel: ChannelId,
    pub flags: u8,
    /// Subscription id -> filters.
    pub subscriptions: BTreeMap<u32, Vec<Filter>>,
    /// Retained events already delivered to this opening: each reaches an
    /// opening once, whichever of its subscriptions matched.
    pub retained_seen: BTreeSet<u64>,
}

impl LocalOpen {
    pub fn new(channel: ChannelId, flags: u8) -> LocalOpen {
        LocalOpen {
            channel,
            flags,
            subscriptions: BTreeMap::new(),
            retained_seen: BTreeSet::new(),
        }
    }

    pub fn publisher(&self) -> bool {
        self.flags & open_flags::PUBLISHER != 0
    }

    pub fn subscriber(&self) -> bool {
        self.flags & open_flags::SUBSCRIBER != 0
    }

    /// The subscription an event is delivered to: the lowest-numbered one
    /// whose filters match (an event reaches an opening once).
    pub fn matching_subscription(&self, event: &EventRecord) -> Option<u32> {
        self.subscriptions
            .iter()
            .find(|(_, filters)| event_matches(filters, &event.attributes.patterns))
            .map(|(id, _)| *id)
    }
}

/// One library connection to the event service.
#[derive(Debug)]
pub struct LocalConn {
    pub opens: BTreeMap<u32, LocalOpen>,
    next_open_id: u32,
    /// An open was ever multicast for it: its end must be announced.
    pub ever_opened: bool,
    pub queue: DeliveryQueue,
}

impl LocalConn {
    pub fn new(limits: QueueLimits) -> LocalConn {
        LocalConn {
            opens: BTreeMap::new(),
            next_open_id: 1,
            ever_opened: false,
            queue: DeliveryQueue::new(limits),
        }
    }

    /// An id for a new opening, unused on this connection.
    pub fn allocate_open_id(&mut self) -> u32 {
        loop {
            let id = self.next_open_id;
            self.next_open_id = self.next_open_id.wrapping_add(1).max(1);
            if !self.opens.contains_key(&id) {
                return id;
            }
        }
    }
}

/// Every local connection, with an index of the openings of each channel.
#[derive(Debug, Default)]
pub struct LocalConns {
    conns: BTreeMap<ConnId, LocalConn>,
    by_channel: BTreeMap<ChannelId, BTreeSet<(ConnId, u32)>>,
}

impl LocalConns {
    pub fn add_conn(&mut self, conn: ConnId, limits: QueueLimits) {
        self.conns.insert(conn, LocalConn::new(limits));
    }

    /// The connection `conn`, added first if it is not known yet.
    pub fn conn_or_add(&mut self, conn: ConnId, limits: QueueLimits) -> &mut LocalConn {
        self.conns
            .entry(conn)
            .or_insert_with(|| LocalConn::new(limits))
    }

    /// Removes a connection and its openings.
    pub fn remove_conn(&mut self, conn: ConnId) -> Option<LocalConn> {
        let c = self.conns.remove(&conn)?;
        for (open_id, open) in &c.opens {
            self.unindex(open.channel, conn, *open_id);
        }
        Some(c)
    }

    #[cfg(test)]
    pub fn conn(&self, conn: ConnId) -> Option<&LocalConn> {
        self.conns.get(&conn)
    }

    pub fn conn_mut(&mut self, conn: ConnId) -> Option<&mut LocalConn> {
        self.conns.get_mut(&conn)
    }

    pub fn open(&self, conn: ConnId, open_id: u32) -> Option<&LocalOpen> {
        self.conns.get(&conn)?.opens.get(&open_id)
    }

    pub fn open_mut(&mut self, conn: ConnId, open_id: u32) -> Option<&mut LocalOpen> {
        self.conns.get_mut(&conn)?.opens.get_mut(&open_id)
    }

    /// Forgets, in every opening, the retained events `retained` rejects
    /// (gone while a sync replaced the state).
    pub fn prune_seen(&mut self, retained: impl Fn(u64) -> bool) {
        for c in self.conns.values_mut() {
            for o in c.opens.values_mut() {
                o.retained_seen.retain(|id| retained(*id));
            }
        }
    }

    /// Every local opening, by connection then id.
    pub fn opens(&self) -> impl Iterator<Item = (ConnId, u32, &LocalOpen)> {
        self.conns
            .iter()
            .flat_map(|(c, lc)| lc.opens.iter().map(move |(id, o)| (*c, *id, o)))
    }

    /// Records an opening whose open message was delivered; false when
    /// its connection has gone meanwhile.
    pub fn add_open(&mut self, conn: ConnId, open_id: u32, open: LocalOpen) -> bool {
        let Some(c) = self.conns.get_mut(&conn) else {
            return false;
        };
        self.by_channel
            .entry(open.channel)
            .or_default()
            .insert((conn, open_id));
        c.opens.insert(open_id, open);
        true
    }

    /// Removes an opening with its subscriptions and queued events.
    pub fn remove_open(&mut self, conn: ConnId, open_id: u32) -> Option<LocalOpen> {
        let c = self.conns.get_mut(&conn)?;
        let open = c.opens.remove(&open_id)?;
        c.queue.retain(|o, _| o != open_id);
        self.unindex(open.channel, conn, open_id);
        Some(open)
    }

    /// Ends a subscription: its queued events are dropped, and the
    /// retained ones among them count as not delivered (a later
    /// subscription of the opening may receive them). `None` when the
    /// opening is unknown, `Some(false)` when the subscription is.
    pub fn unsubscribe(
        &mut self,
        conn: ConnId,
        open_id: u32,
        subscription_id: u32,
    ) -> Option<bool> {
        let c = self.conns.get_mut(&conn)?;
        let open = c.opens.get_mut(&open_id)?;
        if open.subscriptions.remove(&subscription_id).is_none() {
            return Some(false);
        }
        for id in c.queue.retain(|o, s| (o, s) != (open_id, subscription_id)) {
            open.retained_seen.remove(&id);
        }
        Some(true)
    }

    fn unindex(&mut self, channel: ChannelId, conn: ConnId, open_id: u32) {
        if let Some(set) = self.by_channel.get_mut(&channel) {
            set.remove(&(conn, open_id));
            if set.is_empty() {
                self.by_channel.remove(&channel);
            }
        }
    }

    /// Points every opening of channel `from` at channel `to` (channels
    /// merged by a sync).
    pub fn rechannel(&mut self, from: ChannelId, to: ChannelId) {
        let Some(set) = self.by_channel.remove(&from) else {
            return;
        };
        for (conn, open_id) in &set {
            if let Some(o) = self
                .conns
                .get_mut(conn)
                .and_then(|c| c.opens.get_mut(open_id))
            {
                o.channel = to;
            }
        }
        self.by_channel.entry(to).or_default().extend(set);
    }

    /// Queues `event` for every local opening of `channel` with a
    /// matching subscription. `retained`: the event is retained, so the
    /// openings remember they have it. Returns the connections whose
    /// queue changed, and the events they lost.
    pub fn deliver(
        &mut self,
        channel: ChannelId,
        event: &Arc<EventRecord>,
        retained: bool,
        now: i64,
    ) -> (BTreeSet<ConnId>, u64) {
        let mut touched = BTreeSet::new();
        let mut lost = 0;
        let Some(set) = self.by_channel.get(&channel) else {
            return (touched, lost);
        };
        for (conn, open_id) in set {
            let Some(c) = self.conns.get_mut(conn) else {
                continue;
            };
            let Some(open) = c.opens.get_mut(open_id) else {
                continue;
            };
            let Some(sub) = open.matching_subscription(event) else {
                continue;
            };
            if retained && !open.retained_seen.insert(event.event_id) {
                continue;
            }
            if c.queue.push(*open_id, sub, Arc::clone(event), now) == Pushed::Lost {
                lost += 1;
            }
            touched.insert(*conn);
        }
        (touched, lost)
    }

    /// Forgets a retained event that is gone from every opening's memory.
    pub fn forget_retained(&mut self, channel: ChannelId, event_id: u64) {
        let Some(set) = self.by_channel.get(&channel) else {
            return;
        };
        for (conn, open_id) in set {
            if let Some(o) = self
                .conns
                .get_mut(conn)
                .and_then(|c| c.opens.get_mut(open_id))
            {
                o.retained_seen.remove(&event_id);
            }
        }
    }

    /// Queues the retained events an opening has not had yet and one of
    /// its subscriptions (`only`: just that one) matches. Returns whether
    /// anything was queued and the events lost to a full queue.
    pub fn deliver_retained<'a>(
        &mut self,
        conn: ConnId,
        open_id: u32,
        only: Option<u32>,
        events: impl IntoIterator<Item = &'a Arc<EventRecord>>,
        now: i64,
    ) -> (bool, u64) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return (false, 0);
        };
        let Some(open) = c.opens.get_mut(&open_id) else {
            return (false, 0);
        };
        let mut queued = false;
        let mut lost = 0;
        for event in events {
            if open.retained_seen.contains(&event.event_id) {
                continue;
            }
            let sub = match only {
                Some(id) => open
                    .subscriptions
                    .get(&id)
                    .filter(|f| event_matches(f, &event.attributes.patterns))
                    .map(|_| id),
                None => open.matching_subscription(event),
            };
            let Some(sub) = sub else { continue };
            open.retained_seen.insert(event.event_id);
            queued = true;
            if c.queue.push(open_id, sub, Arc::clone(event), now) == Pushed::Lost {
                lost += 1;
            }
        }
        (queued, lost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sa_ipc::proto::evt::{Attributes, FilterKind};

    const LIMITS: QueueLimits = QueueLimits {
        size: 100,
        resume: 50,
    };

    fn event(id: u64, pattern: &str) -> Arc<EventRecord> {
        Arc::new(EventRecord {
            attributes: Attributes {
                patterns: vec![pattern.as_bytes().to_vec()],
                priority: 3,
                ..Attributes::default()
            },
            event_id: id,
            ..EventRecord::default()
        })
    }

    fn prefix(p: &str) -> Vec<Filter> {
        vec![Filter {
            kind: FilterKind::Prefix,
            pattern: p.as_bytes().to_vec(),
        }]
    }

    fn setup() -> LocalConns {
        let mut l = LocalConns::default();
        l.add_conn(ConnId(1), LIMITS);
        l.add_conn(ConnId(2), LIMITS);
        let mut a = LocalOpen::new(10, open_flags::SUBSCRIBER);
        a.subscriptions.insert(5, prefix("x"));
        a.subscriptions.insert(3, prefix("xy"));
        assert!(l.add_open(ConnId(1), 1, a));
        let mut b = LocalOpen::new(10, open_flags::SUBSCRIBER);
        b.subscriptions.insert(1, prefix("z"));
        assert!(l.add_open(ConnId(2), 1, b));
        l
    }

    #[test]
    fn an_event_reaches_each_opening_once() {
        let mut l = setup();
        let (touched, lost) = l.deliver(10, &event(100, "xyz"), false, 0);
        assert_eq!(touched, BTreeSet::from([ConnId(1)]));
        assert_eq!(lost, 0);
        let q = &mut l.conn_mut(ConnId(1)).unwrap().queue;
        assert_eq!(q.len(), 1);
        assert_eq!(q.pop().unwrap().subscription_id, 3, "lowest matching id");
        // another channel: nobody
        assert!(l.deliver(11, &event(101, "xyz"), false, 0).0.is_empty());
    }

    #[test]
    fn retained_events_reach_an_opening_once() {
        let mut l = setup();
        let e = event(100, "x");
        l.deliver(10, &e, true, 0);
        assert_eq!(l.conn(ConnId(1)).unwrap().queue.len(), 1);
        // a new subscription of the same opening does not get it again
        let (queued, _) = l.deliver_retained(ConnId(1), 1, None, [&e], 0);
        assert!(!queued);
        // an opening that did not match it gets it once it subscribes
        l.conns
            .get_mut(&ConnId(2))
            .unwrap()
            .opens
            .get_mut(&1)
            .unwrap()
            .subscriptions
            .insert(2, prefix(""));
        assert!(l.deliver_retained(ConnId(2), 1, Some(2), [&e], 0).0);
        assert!(!l.deliver_retained(ConnId(2), 1, Some(2), [&e], 0).0);
        l.forget_retained(10, 100);
        assert!(l.deliver_retained(ConnId(2), 1, Some(2), [&e], 0).0);
    }

    #[test]
    fn a_retained_event_dropped_by_unsubscribe_is_not_had() {
        let mut l = setup();
        let e = event(100, "xyz");
        l.deliver(10, &e, true, 0); // to subscription 3, the lowest matching
        assert_eq!(l.unsubscribe(ConnId(1), 1, 3), Some(true));
        assert_eq!(l.unsubscribe(ConnId(1), 1, 3), Some(false));
        assert_eq!(l.unsubscribe(ConnId(1), 9, 3), None);
        assert!(l.conn(ConnId(1)).unwrap().queue.is_empty());
        // subscription 5 (prefix "x") matches it too and may have it now
        assert!(l.deliver_retained(ConnId(1), 1, Some(5), [&e], 0).0);
    }

    #[test]
    fn removing_openings_and_connections() {
        let mut l = setup();
        l.deliver(10, &event(100, "x"), false, 0);
        assert!(l.remove_open(ConnId(1), 1).is_some());
        assert!(
            l.conn(ConnId(1)).unwrap().queue.is_empty(),
            "queued events go"
        );
        assert!(l.deliver(10, &event(101, "x"), false, 0).0.is_empty());
        l.rechannel(10, 20);
        assert_eq!(l.open(ConnId(2), 1).unwrap().channel, 20);
        assert_eq!(
            l.deliver(20, &event(102, "z"), false, 0).0,
            BTreeSet::from([ConnId(2)])
        );
        assert!(l.remove_conn(ConnId(2)).is_some());
        assert!(l.deliver(20, &event(103, "z"), false, 0).0.is_empty());
        assert!(!l.add_open(ConnId(2), 1, LocalOpen::new(20, 0)));
    }

    #[test]
    fn open_ids_are_not_reused_while_open() {
        let mut c = LocalConn::new(LIMITS);
        let a = c.allocate_open_id();
        c.opens.insert(a, LocalOpen::new(1, 0));
        c.next_open_id = a;
        assert_ne!(c.allocate_open_id(), a);
    }
}

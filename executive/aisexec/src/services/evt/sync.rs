//! The event service's share of the sync after a configuration change.
//!
//! Each member multicasts its view of the replicated state in chunks of
//! at most [`CHUNK_BYTES`] ([`SyncItem`]s in [`SyncState`] messages,
//! tagged with the ring being synchronised): every channel it knows with
//! the openings of its *own* connections, every retained event, and its
//! id counters. Every member collects the same chunks in the same order
//! and merges them the same way, so all of them switch to the same state
//! at activation:
//!
//! 1. Channels are united by id; a channel unlinked in any contribution
//!    is unlinked. Its openings are the union of what each member reported
//!    for its own connections, so the openings of nodes that left vanish.
//! 2. Retained events are united by event id (a copy is a copy: the same
//!    id is the same event). One cleared or expired in one partition but
//!    still held in another comes back; an expired one is noticed again
//!    at once.
//! 3. Id counters: the larger wins (see [`super::ids`]).
//! 4. Two live channels with the same name (created in two partitions)
//!    become one: the smallest id keeps the name and takes over the
//!    others' openings and retained events; every node re-points its
//!    local openings the same way.
//! 5. Channels unlinked and without openings are dropped with their
//!    retained events.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use sa_ipc::codec::Encoder;
use sa_ipc::proto::evt::EventRecord;
use sa_ipc::proto::Payload;

use super::channels::{Channel, ChannelId, Channels, OpenRef};
use super::ids::IdSource;
use super::local::LocalConns;
use super::messages::{IdKind, SyncItem, SyncState};
use super::retention::RetainedEvents;
use crate::ordering::{NodeId, RingId};
use crate::service::SyncSender;

/// Largest sync chunk, in payload bytes (one item larger than this goes
/// alone in its chunk).
pub const CHUNK_BYTES: usize = 64 * 1024;

/// This node's contribution: every item it sends.
pub fn snapshot(
    channels: &Channels,
    retained: &RetainedEvents,
    channel_ids: &IdSource,
    event_ids: &IdSource,
    local: &LocalConns,
) -> Vec<SyncItem> {
    let mut own: BTreeMap<ChannelId, Vec<_>> = BTreeMap::new();
    for (conn, open_id, open) in local.opens() {
        own.entry(open.channel).or_default().push((conn, open_id));
    }
    let mut items: Vec<SyncItem> = channels
        .iter()
        .map(|ch| SyncItem::Channel {
            id: ch.id,
            name: ch.name.clone(),
            unlinked: ch.unlinked,
            opens: own.remove(&ch.id).unwrap_or_default(),
        })
        .collect();
    items.extend(retained.iter().map(|r| SyncItem::Retained {
        channel: r.channel,
        event: EventRecord::clone(&r.event),
    }));
    items.extend(channel_ids.counters().map(|(node, next)| SyncItem::Ids {
        kind: IdKind::Channel,
        node,
        next,
    }));
    items.extend(event_ids.counters().map(|(node, next)| SyncItem::Ids {
        kind: IdKind::Event,
        node,
        next,
    }));
    items
}

/// Splits `items` into encoded [`SyncState`] payloads of at most
/// [`CHUNK_BYTES`] each (an item larger than that alone in one).
pub fn chunks(ring_id: RingId, items: &[SyncItem]) -> VecDeque<Vec<u8>> {
    let header = |count: usize, body: &[u8]| {
        let mut e = Encoder::with_capacity(16 + body.len());
        e.put_u32(ring_id.rep)
            .put_u64(ring_id.seq)
            .put_u32(u32::try_from(count).unwrap_or(u32::MAX));
        let mut out = e.finish();
        out.extend_from_slice(body);
        out
    };
    let mut out = VecDeque::new();
    let mut body = Vec::new();
    let mut count = 0usize;
    for item in items {
        let bytes = item.to_payload();
        if count > 0 && body.len() + bytes.len() > CHUNK_BYTES {
            out.push_back(header(count, &body));
            body.clear();
            count = 0;
        }
        body.extend_from_slice(&bytes);
        count += 1;
    }
    // An empty contribution still sends one chunk, so the others see it.
    out.push_back(header(count, &body));
    out
}

/// The merged state, ready to replace the current one.
#[derive(Debug, Default)]
pub struct Merged {
    pub channels: Channels,
    pub retained: RetainedEvents,
    pub channel_ids: IdSource,
    pub event_ids: IdSource,
    /// Channels folded into another one (rule 4): (old id, new id).
    pub renamed: Vec<(ChannelId, ChannelId)>,
}

/// The contributions collected so far.
#[derive(Debug, Default)]
pub struct Merge {
    channels: BTreeMap<ChannelId, Channel>,
    retained: BTreeMap<u64, (ChannelId, EventRecord)>,
    channel_ids: IdSource,
    event_ids: IdSource,
}

impl Merge {
    /// Adds a chunk of `from`'s contribution.
    pub fn add(&mut self, from: NodeId, chunk: SyncState) {
        for item in chunk.items {
            match item {
                SyncItem::Channel {
                    id,
                    name,
                    unlinked,
                    opens,
                } => {
                    let ch = self.channels.entry(id).or_insert_with(|| Channel {
                        id,
                        name,
                        unlinked,
                        opens: BTreeSet::new(),
                    });
                    ch.unlinked |= unlinked;
                    ch.opens
                        .extend(opens.into_iter().map(|(conn, open_id)| OpenRef {
                            node: from,
                            conn,
                            open_id,
                        }));
                }
                SyncItem::Retained { channel, event } => {
                    self.retained
                        .entry(event.event_id)
                        .or_insert((channel, event));
                }
                SyncItem::Ids { kind, node, next } => match kind {
                    IdKind::Channel => self.channel_ids.merge(node, next),
                    IdKind::Event => self.event_ids.merge(node, next),
                },
            }
        }
    }

    /// Applies rules 4 and 5 and builds the new state.
    pub fn finish(mut self) -> Merged {
        // Rule 4: one live channel per name, the smallest id.
        let mut keeper: BTreeMap<sa_ipc::Name, ChannelId> = BTreeMap::new();
        let mut renamed = Vec::new();
        let ids: Vec<ChannelId> = self.channels.keys().copied().collect();
        for id in ids {
            let ch = &self.channels[&id];
            if ch.unlinked {
                continue;
            }
            match keeper.get(&ch.name) {
                None => {
                    keeper.insert(ch.name.clone(), id);
                }
                Some(&keep) => {
                    let folded = self.channels.remove(&id).map(|c| c.opens);
                    if let Some(k) = self.channels.get_mut(&keep) {
                        k.opens.extend(folded.unwrap_or_default());
                    }
                    renamed.push((id, keep));
                }
            }
        }
        for (_, (channel, _)) in self.retained.iter_mut() {
            if let Some((_, to)) = renamed.iter().find(|(from, _)| from == channel) {
                *channel = *to;
            }
        }
        // Rule 5.
        self.channels.retain(|_, ch| !ch.is_dead());

        let mut channels = Channels::default();
        for ch in self.channels.into_values() {
            channels.insert(ch);
        }
        // Retained events in publish order (time, then id), which is the
        // order later subscribers receive them in.
        let mut events: Vec<(ChannelId, EventRecord)> = self
            .retained
            .into_values()
            .filter(|(ch, _)| channels.get(*ch).is_some())
            .collect();
        events.sort_by_key(|(_, e)| (e.publish_time, e.event_id));
        let mut retained = RetainedEvents::default();
        for (channel, event) in events {
            retained.insert(channel, Arc::new(event));
        }
        Merged {
            channels,
            retained,
            channel_ids: self.channel_ids,
            event_ids: self.event_ids,
            renamed,
        }
    }
}

/// A sync in progress.
#[derive(Debug)]
pub struct SyncRun {
    pub ring_id: RingId,
    /// Encoded chunks of this node's contribution not multicast yet.
    pub outgoing: VecDeque<Vec<u8>>,
    pub sender: SyncSender,
    pub merge: Merge,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipc::ConnId;
    use sa_ipc::proto::evt::Attributes;
    use sa_ipc::Name;

    const RING: RingId = RingId { rep: 1, seq: 12 };

    fn chan(id: ChannelId, name: &str, unlinked: bool, opens: &[(u64, u32)]) -> SyncItem {
        SyncItem::Channel {
            id,
            name: Name::try_from(name).unwrap(),
            unlinked,
            opens: opens.iter().map(|(c, o)| (ConnId(*c), *o)).collect(),
        }
    }

    fn retained(channel: ChannelId, id: u64, time: i64) -> SyncItem {
        SyncItem::Retained {
            channel,
            event: EventRecord {
                attributes: Attributes {
                    retention: 1_000_000_000_000,
                    ..Attributes::default()
                },
                publish_time: time,
                event_id: id,
                data: vec![7; 10],
            },
        }
    }

    fn state(items: Vec<SyncItem>) -> SyncState {
        SyncState {
            ring_id: RING,
            items,
        }
    }

    #[test]
    fn chunks_decode_back_to_the_items() {
        let mut items = vec![chan(1, "a", false, &[(1, 1)])];
        for i in 0..40 {
            items.push(SyncItem::Retained {
                channel: 1,
                event: EventRecord {
                    event_id: i + 2,
                    data: vec![0; 4000],
                    ..EventRecord::default()
                },
            });
        }
        let encoded = chunks(RING, &items);
        assert!(encoded.len() > 1);
        let mut back = Vec::new();
        for c in &encoded {
            assert!(c.len() <= CHUNK_BYTES + 16);
            let s = SyncState::from_payload(c).unwrap();
            assert_eq!(s.ring_id, RING);
            back.extend(s.items);
        }
        assert_eq!(back, items);
        // nothing to say is still one (empty) chunk
        let empty = chunks(RING, &[]);
        assert_eq!(empty.len(), 1);
        assert!(SyncState::from_payload(&empty[0]).unwrap().items.is_empty());
    }

    #[test]
    fn union_of_channels_openings_and_events() {
        let mut m = Merge::default();
        m.add(
            1,
            state(vec![
                chan(10, "a", false, &[(100, 1)]),
                retained(10, 50, 2),
                SyncItem::Ids {
                    kind: IdKind::Event,
                    node: 1,
                    next: 9,
                },
            ]),
        );
        m.add(
            2,
            state(vec![
                chan(10, "a", true, &[(200, 1)]),
                retained(10, 50, 2),
                retained(10, 51, 1),
                SyncItem::Ids {
                    kind: IdKind::Event,
                    node: 1,
                    next: 4,
                },
            ]),
        );
        let mut merged = m.finish();
        let ch = merged.channels.get(10).unwrap();
        assert!(ch.unlinked, "unlinked anywhere is unlinked");
        assert_eq!(ch.opens.len(), 2);
        assert!(ch
            .opens
            .iter()
            .any(|o| o.node == 2 && o.conn == ConnId(200)));
        assert_eq!(merged.channels.by_name(&Name::try_from("a").unwrap()), None);
        let order: Vec<u64> = merged
            .retained
            .of_channel(10)
            .iter()
            .map(|r| r.event.event_id)
            .collect();
        assert_eq!(order, vec![51, 50], "publish order");
        assert_eq!(merged.event_ids.next(1, |_| false), (1 << 32) | 9);
    }

    #[test]
    fn same_name_channels_fold_into_the_smallest_id() {
        let mut m = Merge::default();
        m.add(
            1,
            state(vec![chan(20, "x", false, &[(1, 1)]), retained(20, 60, 5)]),
        );
        m.add(
            2,
            state(vec![chan(30, "x", false, &[(2, 1)]), retained(30, 61, 6)]),
        );
        let merged = m.finish();
        assert_eq!(merged.renamed, vec![(30, 20)]);
        assert!(merged.channels.get(30).is_none());
        let ch = merged.channels.get(20).unwrap();
        assert_eq!(ch.opens.len(), 2);
        assert_eq!(merged.retained.of_channel(20).len(), 2);
        assert_eq!(
            merged.channels.by_name(&Name::try_from("x").unwrap()),
            Some(20)
        );
    }

    #[test]
    fn dead_channels_and_their_events_are_dropped() {
        let mut m = Merge::default();
        // node 3 held the only opening and is not in the new configuration
        m.add(
            1,
            state(vec![chan(40, "gone", true, &[]), retained(40, 70, 1)]),
        );
        m.add(2, state(vec![chan(40, "gone", true, &[])]));
        let merged = m.finish();
        assert!(merged.channels.is_empty());
        assert!(merged.retained.is_empty());
    }

    #[test]
    fn every_member_merges_to_the_same_state() {
        let a = state(vec![chan(1, "n", false, &[(5, 1)]), retained(1, 90, 3)]);
        let b = state(vec![
            chan(2, "n", false, &[(6, 1)]),
            chan(3, "m", true, &[(6, 2)]),
        ]);
        let run = |order: &[(NodeId, &SyncState)]| {
            let mut m = Merge::default();
            for (from, s) in order {
                m.add(*from, (*s).clone());
            }
            let merged = m.finish();
            let channels: Vec<Channel> = merged.channels.iter().cloned().collect();
            let events: Vec<(ChannelId, u64)> = merged
                .retained
                .iter()
                .map(|r| (r.channel, r.event.event_id))
                .collect();
            (channels, events, merged.renamed)
        };
        // Delivery order is the same on every node; the merge must also
        // not depend on which member's chunks came first.
        assert_eq!(run(&[(1, &a), (2, &b)]), run(&[(2, &b), (1, &a)]));
    }
}

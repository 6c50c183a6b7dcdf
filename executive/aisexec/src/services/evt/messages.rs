//! The exec messages of the event service: what travels through the
//! agreed order between the nodes' EVT services.
//!
//! | kind | message              | multicast by                       | applied on delivery |
//! |-----:|----------------------|------------------------------------|---------------------|
//! | 1    | [`Open`]             | the node of the library opening    | adds the opening (creates the channel with CREATE); the origin answers |
//! | 2    | [`Close`]            | the node of the opening            | removes the opening (an unlinked channel goes with its last one) |
//! | 3    | [`Unlink`]           | the node of the caller             | takes the name away |
//! | 4    | [`Publish`]          | the node of the publisher          | assigns the event id, retains the event, delivers it to each node's subscribers |
//! | 5    | [`RetentionClear`]   | the node of the caller             | stops retaining the event |
//! | 6    | [`RetentionExpired`] | the node whose timer saw it expire | stops retaining the event (idempotent) |
//! | 7    | [`ConnGone`]         | the node of a closed connection    | removes that connection's openings |
//! | 8    | [`SyncState`]        | every member during a sync         | collected for the merge ([`super::sync`]) |
//!
//! Every payload is encoded with sa-ipc's codec (little-endian, length
//! prefixed); a reply address is [`ReplyTo`]. The node an opening belongs
//! to is always the message's sender, never a field, so a node can only
//! speak for its own connections.

use sa_ipc::codec::{DecodeError, Decoder, Encoder};
use sa_ipc::proto::evt::{Attributes, EventRecord, MAX_DATA_LEN};
use sa_ipc::proto::{service, Payload};
use sa_ipc::Name;

use super::channels::ChannelId;
use crate::ipc::ConnId;
use crate::ordering::{NodeId, RingId};
use crate::service::ReplyTo;

/// Exec message kinds.
pub mod kind {
    pub const OPEN: u16 = 1;
    pub const CLOSE: u16 = 2;
    pub const UNLINK: u16 = 3;
    pub const PUBLISH: u16 = 4;
    pub const RETENTION_CLEAR: u16 = 5;
    pub const RETENTION_EXPIRED: u16 = 6;
    pub const CONN_GONE: u16 = 7;
    pub const SYNC_STATE: u16 = 8;
}

/// Open `name` for the opening `open_id` of the sender's connection
/// `reply_to.conn`; `invocation` for saEvtChannelOpenAsync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    pub reply_to: ReplyTo,
    pub open_id: u32,
    pub name: Name,
    pub flags: u8,
    pub invocation: Option<u64>,
}

impl Payload for Open {
    fn encode(&self, e: &mut Encoder) {
        self.reply_to.encode(e);
        e.put_u32(self.open_id)
            .put_name(&self.name)
            .put_u8(self.flags);
        match self.invocation {
            Some(i) => e.put_bool(true).put_u64(i),
            None => e.put_bool(false),
        };
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Open, DecodeError> {
        Ok(Open {
            reply_to: ReplyTo::decode(d)?,
            open_id: d.get_u32()?,
            name: d.get_name()?,
            flags: d.get_u8()?,
            invocation: if d.get_bool()? {
                Some(d.get_u64()?)
            } else {
                None
            },
        })
    }
}

/// Close the opening `open_id` of the sender's connection `reply_to.conn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close {
    pub reply_to: ReplyTo,
    pub channel: ChannelId,
    pub open_id: u32,
}

impl Payload for Close {
    fn encode(&self, e: &mut Encoder) {
        self.reply_to.encode(e);
        e.put_u64(self.channel).put_u32(self.open_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Close, DecodeError> {
        Ok(Close {
            reply_to: ReplyTo::decode(d)?,
            channel: d.get_u64()?,
            open_id: d.get_u32()?,
        })
    }
}

/// Unlink the channel named `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlink {
    pub reply_to: ReplyTo,
    pub name: Name,
}

impl Payload for Unlink {
    fn encode(&self, e: &mut Encoder) {
        self.reply_to.encode(e);
        e.put_name(&self.name);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Unlink, DecodeError> {
        Ok(Unlink {
            reply_to: ReplyTo::decode(d)?,
            name: d.get_name()?,
        })
    }
}

/// Publish an event on `channel`; the publish time is the sender's clock
/// when it accepted the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    pub reply_to: ReplyTo,
    pub channel: ChannelId,
    pub publish_time: i64,
    pub attributes: Attributes,
    pub data: Vec<u8>,
}

impl Payload for Publish {
    fn encode(&self, e: &mut Encoder) {
        self.reply_to.encode(e);
        e.put_u64(self.channel).put_i64(self.publish_time);
        self.attributes.encode(e);
        e.put_bytes(&self.data);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Publish, DecodeError> {
        Ok(Publish {
            reply_to: ReplyTo::decode(d)?,
            channel: d.get_u64()?,
            publish_time: d.get_i64()?,
            attributes: Attributes::decode(d)?,
            data: d.get_bytes_max("event data", MAX_DATA_LEN)?.to_vec(),
        })
    }
}

/// Stop retaining event `event_id` of `channel` (saEvtEventRetentionTimeClear).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionClear {
    pub reply_to: ReplyTo,
    pub channel: ChannelId,
    pub event_id: u64,
}

impl Payload for RetentionClear {
    fn encode(&self, e: &mut Encoder) {
        self.reply_to.encode(e);
        e.put_u64(self.channel).put_u64(self.event_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<RetentionClear, DecodeError> {
        Ok(RetentionClear {
            reply_to: ReplyTo::decode(d)?,
            channel: d.get_u64()?,
            event_id: d.get_u64()?,
        })
    }
}

/// The retention time of `event_id` ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionExpired {
    pub event_id: u64,
}

impl Payload for RetentionExpired {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.event_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<RetentionExpired, DecodeError> {
        Ok(RetentionExpired {
            event_id: d.get_u64()?,
        })
    }
}

/// The sender's library connection `conn` ended: its openings go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnGone {
    pub conn: ConnId,
}

impl Payload for ConnGone {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.conn.0);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<ConnGone, DecodeError> {
        Ok(ConnGone {
            conn: ConnId(d.get_u64()?),
        })
    }
}

/// Which id counter a [`SyncItem::Ids`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Channel = 1,
    Event = 2,
}

/// One piece of a member's state in a sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncItem {
    /// A channel the member knows, with the openings of the member's own
    /// connections (connection, opening id).
    Channel {
        id: ChannelId,
        name: Name,
        unlinked: bool,
        opens: Vec<(ConnId, u32)>,
    },
    /// A retained event.
    Retained {
        channel: ChannelId,
        event: EventRecord,
    },
    /// An id counter (see [`super::ids`]).
    Ids {
        kind: IdKind,
        node: NodeId,
        next: u32,
    },
}

const TAG_CHANNEL: u8 = 1;
const TAG_RETAINED: u8 = 2;
const TAG_IDS: u8 = 3;

impl Payload for SyncItem {
    fn encode(&self, e: &mut Encoder) {
        match self {
            SyncItem::Channel {
                id,
                name,
                unlinked,
                opens,
            } => {
                e.put_u8(TAG_CHANNEL)
                    .put_u64(*id)
                    .put_name(name)
                    .put_bool(*unlinked)
                    .put_vec(opens, |e, (conn, open_id)| {
                        e.put_u64(conn.0).put_u32(*open_id);
                    });
            }
            SyncItem::Retained { channel, event } => {
                e.put_u8(TAG_RETAINED).put_u64(*channel);
                event.encode(e);
            }
            SyncItem::Ids { kind, node, next } => {
                e.put_u8(TAG_IDS)
                    .put_u8(*kind as u8)
                    .put_u32(*node)
                    .put_u32(*next);
            }
        }
    }

    fn decode(d: &mut Decoder<'_>) -> Result<SyncItem, DecodeError> {
        Ok(match d.get_u8()? {
            TAG_CHANNEL => SyncItem::Channel {
                id: d.get_u64()?,
                name: d.get_name()?,
                unlinked: d.get_bool()?,
                opens: d.get_vec(12, |d| Ok((ConnId(d.get_u64()?), d.get_u32()?)))?,
            },
            TAG_RETAINED => SyncItem::Retained {
                channel: d.get_u64()?,
                event: EventRecord::decode(d)?,
            },
            TAG_IDS => SyncItem::Ids {
                kind: match d.get_u8()? {
                    1 => IdKind::Channel,
                    2 => IdKind::Event,
                    v => {
                        return Err(DecodeError::InvalidValue {
                            field: "id kind",
                            value: u64::from(v),
                        })
                    }
                },
                node: d.get_u32()?,
                next: d.get_u32()?,
            },
            tag => {
                return Err(DecodeError::InvalidValue {
                    field: "sync item",
                    value: u64::from(tag),
                })
            }
        })
    }
}

/// A chunk of a member's state for the sync of ring `ring_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncState {
    pub ring_id: RingId,
    pub items: Vec<SyncItem>,
}

impl Payload for SyncState {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.ring_id.rep)
            .put_u64(self.ring_id.seq)
            .put_vec(&self.items, |e, it| it.encode(e));
    }
    fn decode(d: &mut Decoder<'_>) -> Result<SyncState, DecodeError> {
        Ok(SyncState {
            ring_id: RingId {
                rep: d.get_u32()?,
                seq: d.get_u64()?,
            },
            items: d.get_vec(1, SyncItem::decode)?,
        })
    }
}

/// Every exec message of the event service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecMsg {
    Open(Open),
    Close(Close),
    Unlink(Unlink),
    Publish(Publish),
    RetentionClear(RetentionClear),
    RetentionExpired(RetentionExpired),
    ConnGone(ConnGone),
    SyncState(SyncState),
}

impl ExecMsg {
    pub fn decode(kind: u16, payload: &[u8]) -> Result<ExecMsg, DecodeError> {
        Ok(match kind {
            kind::OPEN => ExecMsg::Open(Open::from_payload(payload)?),
            kind::CLOSE => ExecMsg::Close(Close::from_payload(payload)?),
            kind::UNLINK => ExecMsg::Unlink(Unlink::from_payload(payload)?),
            kind::PUBLISH => ExecMsg::Publish(Publish::from_payload(payload)?),
            kind::RETENTION_CLEAR => {
                ExecMsg::RetentionClear(RetentionClear::from_payload(payload)?)
            }
            kind::RETENTION_EXPIRED => {
                ExecMsg::RetentionExpired(RetentionExpired::from_payload(payload)?)
            }
            kind::CONN_GONE => ExecMsg::ConnGone(ConnGone::from_payload(payload)?),
            kind::SYNC_STATE => ExecMsg::SyncState(SyncState::from_payload(payload)?),
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::EVT,
                    kind,
                })
            }
        })
    }

    /// The message's kind and encoded payload.
    pub fn encode(&self) -> (u16, Vec<u8>) {
        match self {
            ExecMsg::Open(m) => (kind::OPEN, m.to_payload()),
            ExecMsg::Close(m) => (kind::CLOSE, m.to_payload()),
            ExecMsg::Unlink(m) => (kind::UNLINK, m.to_payload()),
            ExecMsg::Publish(m) => (kind::PUBLISH, m.to_payload()),
            ExecMsg::RetentionClear(m) => (kind::RETENTION_CLEAR, m.to_payload()),
            ExecMsg::RetentionExpired(m) => (kind::RETENTION_EXPIRED, m.to_payload()),
            ExecMsg::ConnGone(m) => (kind::CONN_GONE, m.to_payload()),
            ExecMsg::SyncState(m) => (kind::SYNC_STATE, m.to_payload()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply_to() -> ReplyTo {
        ReplyTo {
            node: 0x0101_d50a,
            conn: ConnId(0xdead_beef),
            kind: 4,
            seq: 17,
        }
    }

    fn round_trip(m: ExecMsg) {
        let (kind, bytes) = m.encode();
        assert_eq!(ExecMsg::decode(kind, &bytes).unwrap(), m);
        for cut in 0..bytes.len() {
            assert!(ExecMsg::decode(kind, &bytes[..cut]).is_err(), "cut {cut}");
        }
    }

    #[test]
    fn every_message_round_trips() {
        let name = Name::try_from("channel").unwrap();
        round_trip(ExecMsg::Open(Open {
            reply_to: reply_to(),
            open_id: 3,
            name: name.clone(),
            flags: 7,
            invocation: Some(9),
        }));
        round_trip(ExecMsg::Close(Close {
            reply_to: reply_to(),
            channel: 5,
            open_id: 3,
        }));
        round_trip(ExecMsg::Unlink(Unlink {
            reply_to: reply_to(),
            name: name.clone(),
        }));
        let attributes = Attributes {
            patterns: vec![b"p".to_vec()],
            priority: 1,
            retention: 10,
            publisher: name.clone(),
        };
        round_trip(ExecMsg::Publish(Publish {
            reply_to: reply_to(),
            channel: 5,
            publish_time: 99,
            attributes: attributes.clone(),
            data: b"data".to_vec(),
        }));
        round_trip(ExecMsg::RetentionClear(RetentionClear {
            reply_to: reply_to(),
            channel: 5,
            event_id: 77,
        }));
        round_trip(ExecMsg::RetentionExpired(RetentionExpired { event_id: 77 }));
        round_trip(ExecMsg::ConnGone(ConnGone { conn: ConnId(4) }));
        round_trip(ExecMsg::SyncState(SyncState {
            ring_id: RingId { rep: 1, seq: 8 },
            items: vec![
                SyncItem::Channel {
                    id: 5,
                    name,
                    unlinked: true,
                    opens: vec![(ConnId(4), 1), (ConnId(4), 2)],
                },
                SyncItem::Retained {
                    channel: 5,
                    event: EventRecord {
                        attributes,
                        publish_time: 1,
                        event_id: 77,
                        data: vec![1],
                    },
                },
                SyncItem::Ids {
                    kind: IdKind::Event,
                    node: 1,
                    next: 12,
                },
            ],
        }));
        assert!(matches!(
            ExecMsg::decode(99, &[]),
            Err(DecodeError::UnknownKind { .. })
        ));
    }
}

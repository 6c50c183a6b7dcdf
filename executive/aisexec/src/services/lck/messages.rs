//! The exec messages of the LCK service: everything that changes the
//! lock table travels as one of these, multicast in agreed order and
//! applied on delivery by every node.
//!
//! **Forwarded requests** (exec kind = the library request's kind, see
//! `sa_ipc::proto::lck::kind`): OPEN 1 ... PURGE 8:
//!
//! | field    | encoding                                                    |
//! |----------|-------------------------------------------------------------|
//! | reply_to | node u32, connection u64, request kind u16, request seq u32 |
//! | deadline | i64, LOCK only: when the receiving node withdraws the request (SaTimeT) |
//! | request  | the library's request payload, byte for byte                |
//!
//! Openings and locks a forwarded request names are (reply_to.node,
//! reply_to.connection, id).
//!
//! **The service's own messages:**
//!
//! | kind | message        | payload                                              |
//! |-----:|----------------|------------------------------------------------------|
//! | 0x21 | CONN_EXIT      | connection u64: close every opening of (sender, connection) |
//! | 0x22 | WITHDRAW       | connection u64, lock id u64: the sender's timer passed; withdraw the request if it still waits (idempotent) |
//! | 0x41 | SYNC_RESOURCE  | see [`SyncResource`]                                 |
//! | 0x42 | SYNC_OPENINGS  | see [`SyncOpenings`]                                 |

use sa_ipc::codec::{DecodeError, Decoder, Encoder, Name};
use sa_ipc::proto::lck::{kind as req_kind, LckRequest, Mode};
use sa_ipc::proto::Payload;

use super::table::{Answer, Entry, LockKey};
use crate::ordering::{NodeId, RingId};
use crate::service::ReplyTo;

/// Kinds of the service's own exec messages.
pub mod kind {
    pub const CONN_EXIT: u16 = 0x21;
    pub const WITHDRAW: u16 = 0x22;
    pub const SYNC_RESOURCE: u16 = 0x41;
    pub const SYNC_OPENINGS: u16 = 0x42;
}

/// A library request forwarded to every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarded {
    pub to: ReplyTo,
    /// LOCK: when the request is withdrawn if it still waits.
    pub deadline: i64,
    pub request: LckRequest,
}

impl Forwarded {
    /// The exec payload of a request of `kind` whose payload is `request`.
    pub fn encode(to: &ReplyTo, deadline: i64, kind: u16, request: &[u8]) -> Vec<u8> {
        let mut e = Encoder::with_capacity(ReplyTo::LEN + 8 + request.len());
        to.encode(&mut e);
        if kind == req_kind::LOCK {
            e.put_i64(deadline);
        }
        let mut bytes = e.finish();
        bytes.extend_from_slice(request);
        bytes
    }

    pub fn decode(kind: u16, payload: &[u8]) -> Result<Forwarded, DecodeError> {
        let mut d = Decoder::new(payload);
        let to = ReplyTo::decode(&mut d)?;
        let deadline = if kind == req_kind::LOCK {
            d.get_i64()?
        } else {
            0
        };
        let rest = &payload[payload.len() - d.remaining()..];
        Ok(Forwarded {
            to,
            deadline,
            request: LckRequest::decode(kind, rest)?,
        })
    }
}

/// CONN_EXIT: the sender's library connection `conn` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnExit {
    pub conn: u64,
}

impl Payload for ConnExit {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.conn);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<ConnExit, DecodeError> {
        Ok(ConnExit { conn: d.get_u64()? })
    }
}

/// WITHDRAW: the timeout of the sender's request (conn, lock_id) passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withdraw {
    pub conn: u64,
    pub lock_id: u64,
}

impl Payload for Withdraw {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.conn).put_u64(self.lock_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Withdraw, DecodeError> {
        Ok(Withdraw {
            conn: d.get_u64()?,
            lock_id: d.get_u64()?,
        })
    }
}

fn put_ring(e: &mut Encoder, ring: &RingId) {
    e.put_u32(ring.rep).put_u64(ring.seq);
}

fn get_ring(d: &mut Decoder<'_>) -> Result<RingId, DecodeError> {
    Ok(RingId {
        rep: d.get_u32()?,
        seq: d.get_u64()?,
    })
}

/// One lock of a [`SyncResource`] and whether it is granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncEntry {
    pub granted: bool,
    pub entry: Entry,
}

/// Fewest bytes a [`SyncEntry`] takes.
const SYNC_ENTRY_MIN_LEN: usize = 1 + 4 + 8 + 8 + 8 + 4 + 1 + 1 + 8 + 1 + 8;

impl Payload for SyncEntry {
    fn encode(&self, e: &mut Encoder) {
        let x = &self.entry;
        e.put_bool(self.granted)
            .put_u32(x.key.node)
            .put_u64(x.key.conn)
            .put_u64(x.key.lock_id)
            .put_u64(x.open_id);
        x.mode.encode(e);
        e.put_bool(x.orphan).put_bool(x.orphaned).put_u64(x.signal);
        match x.answer {
            Answer::Sync(to) => {
                e.put_u8(1);
                to.encode(e);
            }
            Answer::Async { invocation } => {
                e.put_u8(2).put_u64(invocation);
            }
        }
    }

    fn decode(d: &mut Decoder<'_>) -> Result<SyncEntry, DecodeError> {
        let granted = d.get_bool()?;
        let key = LockKey {
            node: d.get_u32()?,
            conn: d.get_u64()?,
            lock_id: d.get_u64()?,
        };
        let open_id = d.get_u64()?;
        let mode = Mode::decode(d)?;
        let orphan = d.get_bool()?;
        let orphaned = d.get_bool()?;
        let signal = d.get_u64()?;
        let answer = match d.get_u8()? {
            1 => Answer::Sync(ReplyTo::decode(d)?),
            2 => Answer::Async {
                invocation: d.get_u64()?,
            },
            v => {
                return Err(DecodeError::InvalidValue {
                    field: "answer",
                    value: u64::from(v),
                })
            }
        };
        Ok(SyncEntry {
            granted,
            entry: Entry {
                key,
                open_id,
                mode,
                orphan,
                orphaned,
                signal,
                answer,
            },
        })
    }
}

/// SYNC_RESOURCE: part of a member's copy of one resource (granted locks
/// first, then the queue in order). A resource's first part has `first`
/// set; a copy without locks is one part with no entries.
///
/// | field      | encoding                                              |
/// |------------|-------------------------------------------------------|
/// | ring       | rep u32, seq u64: the configuration being synchronised |
/// | group_size | u32: how many members hold the same table as the sender |
/// | group_low  | u32: the lowest node id of that group                 |
/// | group_epoch | u64: the ring of its last quorate sync (0 without a quorum provider) |
/// | name       | u16 length + bytes (at most 256)                      |
/// | first      | bool                                                  |
/// | entries    | u32 count, then each [`SyncEntry`]                    |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncResource {
    pub ring: RingId,
    pub group_size: u32,
    pub group_low: NodeId,
    pub group_epoch: u64,
    pub name: Name,
    pub first: bool,
    pub entries: Vec<SyncEntry>,
}

impl Payload for SyncResource {
    fn encode(&self, e: &mut Encoder) {
        put_ring(e, &self.ring);
        e.put_u32(self.group_size)
            .put_u32(self.group_low)
            .put_u64(self.group_epoch)
            .put_name(&self.name)
            .put_bool(self.first)
            .put_vec(&self.entries, |e, x| x.encode(e));
    }
    fn decode(d: &mut Decoder<'_>) -> Result<SyncResource, DecodeError> {
        Ok(SyncResource {
            ring: get_ring(d)?,
            group_size: d.get_u32()?,
            group_low: d.get_u32()?,
            group_epoch: d.get_u64()?,
            name: d.get_name()?,
            first: d.get_bool()?,
            entries: d.get_vec(SYNC_ENTRY_MIN_LEN, SyncEntry::decode)?,
        })
    }
}

/// One opening of the sender's connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOpening {
    pub conn: u64,
    pub open_id: u64,
    pub name: Name,
}

/// SYNC_OPENINGS: openings of the sender's own connections.
///
/// | field    | encoding                                              |
/// |----------|-------------------------------------------------------|
/// | ring     | rep u32, seq u64                                      |
/// | openings | u32 count, then connection u64, open id u64, name     |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOpenings {
    pub ring: RingId,
    pub openings: Vec<SyncOpening>,
}

impl Payload for SyncOpenings {
    fn encode(&self, e: &mut Encoder) {
        put_ring(e, &self.ring);
        e.put_vec(&self.openings, |e, o| {
            e.put_u64(o.conn).put_u64(o.open_id).put_name(&o.name);
        });
    }
    fn decode(d: &mut Decoder<'_>) -> Result<SyncOpenings, DecodeError> {
        Ok(SyncOpenings {
            ring: get_ring(d)?,
            openings: d.get_vec(8 + 8 + 2, |d| {
                Ok(SyncOpening {
                    conn: d.get_u64()?,
                    open_id: d.get_u64()?,
                    name: d.get_name()?,
                })
            })?,
        })
    }
}

/// Every exec message of the service, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecMsg {
    Forwarded(Forwarded),
    ConnExit(ConnExit),
    Withdraw(Withdraw),
    SyncResource(SyncResource),
    SyncOpenings(SyncOpenings),
}

impl ExecMsg {
    pub fn decode(k: u16, payload: &[u8]) -> Result<ExecMsg, DecodeError> {
        Ok(match k {
            kind::CONN_EXIT => ExecMsg::ConnExit(ConnExit::from_payload(payload)?),
            kind::WITHDRAW => ExecMsg::Withdraw(Withdraw::from_payload(payload)?),
            kind::SYNC_RESOURCE => ExecMsg::SyncResource(SyncResource::from_payload(payload)?),
            kind::SYNC_OPENINGS => ExecMsg::SyncOpenings(SyncOpenings::from_payload(payload)?),
            _ => ExecMsg::Forwarded(Forwarded::decode(k, payload)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipc::ConnId;
    use sa_ipc::proto::lck::Unlock;

    #[test]
    fn exec_messages_round_trip() {
        let to = ReplyTo {
            node: 1,
            conn: ConnId(2),
            kind: req_kind::UNLOCK,
            seq: 3,
        };
        let payload = Forwarded::encode(
            &to,
            0,
            req_kind::UNLOCK,
            &Unlock { lock_id: 9 }.to_payload(),
        );
        assert_eq!(
            ExecMsg::decode(req_kind::UNLOCK, &payload).unwrap(),
            ExecMsg::Forwarded(Forwarded {
                to,
                deadline: 0,
                request: LckRequest::Unlock(Unlock { lock_id: 9 }),
            })
        );
        let entry = SyncEntry {
            granted: true,
            entry: Entry {
                key: LockKey {
                    node: 1,
                    conn: 2,
                    lock_id: 3,
                },
                open_id: 4,
                mode: Mode::Ex,
                orphan: true,
                orphaned: false,
                signal: 5,
                answer: Answer::Sync(to),
            },
        };
        let res = SyncResource {
            ring: RingId { rep: 1, seq: 8 },
            group_size: 2,
            group_low: 1,
            group_epoch: 16,
            name: Name::try_from("r").unwrap(),
            first: true,
            entries: vec![entry.clone()],
        };
        assert_eq!(SyncResource::from_payload(&res.to_payload()).unwrap(), res);
        let mut short = res.to_payload();
        short.pop();
        assert!(SyncResource::from_payload(&short).is_err());
        let o = SyncOpenings {
            ring: RingId { rep: 1, seq: 8 },
            openings: vec![SyncOpening {
                conn: 1,
                open_id: 2,
                name: Name::try_from("r").unwrap(),
            }],
        };
        assert_eq!(SyncOpenings::from_payload(&o.to_payload()).unwrap(), o);
        assert!(ExecMsg::decode(0x99, &[]).is_err());
    }
}

//! The exec messages of the CKPT service: everything that changes the
//! replicated checkpoint state travels as one of these, multicast in
//! agreed order and applied on delivery by every node.
//!
//! All fields are little-endian, written with sa-ipc's `Encoder`.
//!
//! **Forwarded requests** (exec kind = the library request's kind, see
//! `sa_ipc::proto::ckpt::kind`): OPEN 1, OPEN_ASYNC 2, CLOSE 3, UNLINK 4,
//! RETENTION_DURATION_SET 5, ACTIVE_REPLICA_SET 6, SECTION_CREATE 8,
//! SECTION_DELETE 9, SECTION_EXPIRATION_TIME_SET 10, WRITE 12,
//! OVERWRITE 13, SYNCHRONIZE 15, SYNCHRONIZE_ASYNC 16:
//!
//! | field        | encoding                                                   |
//! |--------------|------------------------------------------------------------|
//! | reply_to     | node u32, connection u64, request kind u16, request seq u32 |
//! | now          | i64, the receiving node's clock (SaTimeT) when it forwarded |
//! | new_id       | u64, OPEN and OPEN_ASYNC only: the id a created checkpoint gets |
//! | request      | the library's request payload, byte for byte               |
//!
//! The opening a forwarded request names is (reply_to.node,
//! reply_to.connection, open_id of the request).
//!
//! **The service's own messages:**
//!
//! | kind | message            | payload                                             |
//! |-----:|--------------------|-----------------------------------------------------|
//! | 0x21 | CONN_EXIT          | connection u64, now i64: close every opening of (sender, connection) |
//! | 0x22 | RETENTION_EXPIRED  | checkpoint id u64, epoch u64                          |
//! | 0x23 | SECTION_EXPIRED    | checkpoint id u64, section id (bytes), expiration i64 |
//! | 0x41 | SYNC_CHECKPOINT    | see [`SyncCheckpoint`]                                |
//! | 0x42 | SYNC_SECTION       | see [`SyncSection`]                                   |
//! | 0x43 | SYNC_OPENINGS      | see [`SyncOpenings`]                                  |
//!
//! Expiry messages are idempotent: they name the state they expire (the
//! retention epoch, the section's expiration time), so a duplicate from
//! another node, or one overtaken by a reopen or a new expiration time,
//! changes nothing.

use sa_ipc::codec::{DecodeError, Decoder, Encoder, Name};
use sa_ipc::proto::ckpt::{
    get_opt, get_section_id, kind as req_kind, put_opt, put_section_id, CkptRequest,
    CreationAttributes,
};
use sa_ipc::proto::Payload;

use crate::ordering::{NodeId, RingId};
use crate::service::ReplyTo;

/// Kinds of the service's own exec messages (forwarded requests use the
/// request's kind).
pub mod kind {
    pub const CONN_EXIT: u16 = 0x21;
    pub const RETENTION_EXPIRED: u16 = 0x22;
    pub const SECTION_EXPIRED: u16 = 0x23;
    pub const SYNC_CHECKPOINT: u16 = 0x41;
    pub const SYNC_SECTION: u16 = 0x42;
    pub const SYNC_OPENINGS: u16 = 0x43;
}

/// Whether requests of `kind` change replicated state (and so are
/// forwarded as exec messages).
pub fn is_forwarded(kind: u16) -> bool {
    matches!(
        kind,
        req_kind::OPEN
            | req_kind::OPEN_ASYNC
            | req_kind::CLOSE
            | req_kind::UNLINK
            | req_kind::RETENTION_DURATION_SET
            | req_kind::ACTIVE_REPLICA_SET
            | req_kind::SECTION_CREATE
            | req_kind::SECTION_DELETE
            | req_kind::SECTION_EXPIRATION_TIME_SET
            | req_kind::WRITE
            | req_kind::OVERWRITE
            | req_kind::SYNCHRONIZE
            | req_kind::SYNCHRONIZE_ASYNC
    )
}

fn has_new_id(kind: u16) -> bool {
    matches!(kind, req_kind::OPEN | req_kind::OPEN_ASYNC)
}

/// A library request forwarded to every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarded {
    pub to: ReplyTo,
    pub now: i64,
    /// The id a checkpoint created by an open gets (0 for other kinds).
    pub new_id: u64,
    pub request: CkptRequest,
}

impl Forwarded {
    /// The exec payload of a request of `kind` whose payload is
    /// `request`, as the receiving node forwards it.
    pub fn encode(to: &ReplyTo, now: i64, new_id: u64, kind: u16, request: &[u8]) -> Vec<u8> {
        let mut e = Encoder::with_capacity(ReplyTo::LEN + 16 + request.len());
        to.encode(&mut e);
        e.put_i64(now);
        if has_new_id(kind) {
            e.put_u64(new_id);
        }
        let mut bytes = e.finish();
        bytes.extend_from_slice(request);
        bytes
    }

    /// Decodes a forwarded request of exec kind `kind`.
    pub fn decode(kind: u16, payload: &[u8]) -> Result<Forwarded, DecodeError> {
        let mut d = Decoder::new(payload);
        let to = ReplyTo::decode(&mut d)?;
        let now = d.get_i64()?;
        let new_id = if has_new_id(kind) { d.get_u64()? } else { 0 };
        let rest = &payload[payload.len() - d.remaining()..];
        Ok(Forwarded {
            to,
            now,
            new_id,
            request: CkptRequest::decode(kind, rest)?,
        })
    }
}

/// CONN_EXIT: the library connection `conn` of the sender ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnExit {
    pub conn: u64,
    pub now: i64,
}

impl Payload for ConnExit {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.conn).put_i64(self.now);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<ConnExit, DecodeError> {
        Ok(ConnExit {
            conn: d.get_u64()?,
            now: d.get_i64()?,
        })
    }
}

/// RETENTION_EXPIRED: the checkpoint has been closed by everyone for its
/// retention duration since the close that started retention epoch
/// `epoch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionExpired {
    pub ckpt: u64,
    pub epoch: u64,
}

impl Payload for RetentionExpired {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.ckpt).put_u64(self.epoch);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<RetentionExpired, DecodeError> {
        Ok(RetentionExpired {
            ckpt: d.get_u64()?,
            epoch: d.get_u64()?,
        })
    }
}

/// SECTION_EXPIRED: the section's expiration time `expiration` has
/// passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionExpired {
    pub ckpt: u64,
    pub section_id: Vec<u8>,
    pub expiration: i64,
}

impl Payload for SectionExpired {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.ckpt);
        put_section_id(e, &self.section_id);
        e.put_i64(self.expiration);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<SectionExpired, DecodeError> {
        Ok(SectionExpired {
            ckpt: d.get_u64()?,
            section_id: get_section_id(d)?,
            expiration: d.get_i64()?,
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

/// SYNC_CHECKPOINT: a member's copy of one checkpoint, without its
/// sections (they follow as [`SyncSection`]s from the same member).
///
/// | field          | encoding |
/// |----------------|----------|
/// | ring           | rep u32, seq u64: the configuration being synchronised |
/// | group_size     | u32: how many members hold this sender's replicas (they were together since their last sync) |
/// | group_low      | u32: the lowest node id among them |
/// | group_epoch    | u64: the ring of their last quorate sync (0 without a quorum provider) |
/// | id             | u64 |
/// | name           | SaNameT (u16 length, bytes) |
/// | linked         | bool |
/// | attributes     | the creation attributes as created (flags u32, size u64, retention i64, max sections u32, max section size u64, max id size u64) |
/// | retention      | i64, the retention duration now |
/// | epoch          | u64 |
/// | unopened_since | optional i64 |
/// | active_replica | optional u32 |
/// | next_generated | u64 |
/// | sections       | u32, how many [`SyncSection`] headers follow |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncCheckpoint {
    pub ring: RingId,
    pub group_size: u32,
    pub group_low: NodeId,
    pub group_epoch: u64,
    pub id: u64,
    pub name: Name,
    pub linked: bool,
    pub attributes: CreationAttributes,
    pub retention: i64,
    pub epoch: u64,
    pub unopened_since: Option<i64>,
    pub active_replica: Option<NodeId>,
    pub next_generated: u64,
    pub sections: u32,
}

impl Payload for SyncCheckpoint {
    fn encode(&self, e: &mut Encoder) {
        put_ring(e, &self.ring);
        e.put_u32(self.group_size)
            .put_u32(self.group_low)
            .put_u64(self.group_epoch)
            .put_u64(self.id)
            .put_name(&self.name)
            .put_bool(self.linked);
        self.attributes.encode(e);
        e.put_i64(self.retention).put_u64(self.epoch);
        put_opt(e, &self.unopened_since, |e, t| {
            e.put_i64(*t);
        });
        put_opt(e, &self.active_replica, |e, n| {
            e.put_u32(*n);
        });
        e.put_u64(self.next_generated).put_u32(self.sections);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<SyncCheckpoint, DecodeError> {
        Ok(SyncCheckpoint {
            ring: get_ring(d)?,
            group_size: d.get_u32()?,
            group_low: d.get_u32()?,
            group_epoch: d.get_u64()?,
            id: d.get_u64()?,
            name: d.get_name()?,
            linked: d.get_bool()?,
            attributes: CreationAttributes::decode(d)?,
            retention: d.get_i64()?,
            epoch: d.get_u64()?,
            unopened_since: get_opt(d, |d| d.get_i64())?,
            active_replica: get_opt(d, |d| d.get_u32())?,
            next_generated: d.get_u64()?,
            sections: d.get_u32()?,
        })
    }
}

/// SYNC_SECTION: a piece of one section of a checkpoint the same member
/// sent last. The piece at `offset` 0 starts the section; later pieces
/// continue it at increasing offsets, so a section of any size travels in
/// bounded messages.
///
/// | field       | encoding |
/// |-------------|----------|
/// | ring        | rep u32, seq u64 |
/// | ckpt        | u64 |
/// | section_id  | bytes |
/// | expiration  | i64 |
/// | last_update | i64 |
/// | changed     | bool, changed since the sender's last completed sync |
/// | size        | u64, the section's whole size |
/// | offset      | u64 |
/// | data        | bytes |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSection {
    pub ring: RingId,
    pub ckpt: u64,
    pub section_id: Vec<u8>,
    pub expiration: i64,
    pub last_update: i64,
    pub changed: bool,
    pub size: u64,
    pub offset: u64,
    pub data: Vec<u8>,
}

impl Payload for SyncSection {
    fn encode(&self, e: &mut Encoder) {
        put_ring(e, &self.ring);
        e.put_u64(self.ckpt);
        put_section_id(e, &self.section_id);
        e.put_i64(self.expiration)
            .put_i64(self.last_update)
            .put_bool(self.changed)
            .put_u64(self.size)
            .put_u64(self.offset)
            .put_bytes(&self.data);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<SyncSection, DecodeError> {
        Ok(SyncSection {
            ring: get_ring(d)?,
            ckpt: d.get_u64()?,
            section_id: get_section_id(d)?,
            expiration: d.get_i64()?,
            last_update: d.get_i64()?,
            changed: d.get_bool()?,
            size: d.get_u64()?,
            offset: d.get_u64()?,
            data: d.get_bytes()?.to_vec(),
        })
    }
}

/// One opening as a member announces it in a sync: its connection and
/// open id (the node is the sender), checkpoint and open flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOpening {
    pub conn: u64,
    pub open_id: u64,
    pub ckpt: u64,
    pub flags: u32,
}

/// SYNC_OPENINGS: some of the sender's own openings.
///
/// | field    | encoding |
/// |----------|----------|
/// | ring     | rep u32, seq u64 |
/// | openings | u32 count, then per opening: connection u64, open id u64, checkpoint id u64, flags u32 |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOpenings {
    pub ring: RingId,
    pub openings: Vec<SyncOpening>,
}

/// Encoded size of one [`SyncOpening`].
pub const SYNC_OPENING_LEN: usize = 8 + 8 + 8 + 4;

impl Payload for SyncOpenings {
    fn encode(&self, e: &mut Encoder) {
        put_ring(e, &self.ring);
        e.put_vec(&self.openings, |e, o| {
            e.put_u64(o.conn)
                .put_u64(o.open_id)
                .put_u64(o.ckpt)
                .put_u32(o.flags);
        });
    }
    fn decode(d: &mut Decoder<'_>) -> Result<SyncOpenings, DecodeError> {
        Ok(SyncOpenings {
            ring: get_ring(d)?,
            openings: d.get_vec(SYNC_OPENING_LEN, |d| {
                Ok(SyncOpening {
                    conn: d.get_u64()?,
                    open_id: d.get_u64()?,
                    ckpt: d.get_u64()?,
                    flags: d.get_u32()?,
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
    RetentionExpired(RetentionExpired),
    SectionExpired(SectionExpired),
    SyncCheckpoint(SyncCheckpoint),
    SyncSection(SyncSection),
    SyncOpenings(SyncOpenings),
}

impl ExecMsg {
    pub fn decode(kind: u16, payload: &[u8]) -> Result<ExecMsg, DecodeError> {
        Ok(match kind {
            k if is_forwarded(k) => ExecMsg::Forwarded(Forwarded::decode(k, payload)?),
            kind::CONN_EXIT => ExecMsg::ConnExit(ConnExit::from_payload(payload)?),
            kind::RETENTION_EXPIRED => {
                ExecMsg::RetentionExpired(RetentionExpired::from_payload(payload)?)
            }
            kind::SECTION_EXPIRED => {
                ExecMsg::SectionExpired(SectionExpired::from_payload(payload)?)
            }
            kind::SYNC_CHECKPOINT => {
                ExecMsg::SyncCheckpoint(SyncCheckpoint::from_payload(payload)?)
            }
            kind::SYNC_SECTION => ExecMsg::SyncSection(SyncSection::from_payload(payload)?),
            kind::SYNC_OPENINGS => ExecMsg::SyncOpenings(SyncOpenings::from_payload(payload)?),
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: sa_ipc::service::CKPT,
                    kind,
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipc::ConnId;
    use sa_ipc::proto::ckpt::{Open, Write, WriteElement};

    fn to() -> ReplyTo {
        ReplyTo {
            node: 3,
            conn: ConnId(0xabc),
            kind: req_kind::WRITE,
            seq: 9,
        }
    }

    fn round_trip<P: Payload + PartialEq + std::fmt::Debug>(v: P) {
        let bytes = v.to_payload();
        assert_eq!(P::from_payload(&bytes).unwrap(), v);
        for cut in 0..bytes.len() {
            assert!(P::from_payload(&bytes[..cut]).is_err(), "cut {cut}");
        }
    }

    #[test]
    fn forwarded_requests_carry_the_library_payload() {
        let w = Write {
            open_id: 4,
            elements: vec![WriteElement {
                section_id: b"s".to_vec(),
                offset: 1,
                data: b"abc".to_vec(),
            }],
        };
        let bytes = Forwarded::encode(&to(), 77, 0, req_kind::WRITE, &w.to_payload());
        let f = Forwarded::decode(req_kind::WRITE, &bytes).unwrap();
        assert_eq!(f.to, to());
        assert_eq!(f.now, 77);
        assert_eq!(f.request, CkptRequest::Write(w));
        assert!(Forwarded::decode(req_kind::WRITE, &bytes[..bytes.len() - 1]).is_err());

        let open = Open {
            open_id: 1,
            name: Name::try_from("n").unwrap(),
            flags: 1,
            attributes: None,
        };
        let bytes = Forwarded::encode(&to(), 5, 0xfeed, req_kind::OPEN, &open.to_payload());
        match ExecMsg::decode(req_kind::OPEN, &bytes).unwrap() {
            ExecMsg::Forwarded(f) => {
                assert_eq!(f.new_id, 0xfeed);
                assert_eq!(f.request, CkptRequest::Open(open));
            }
            other => panic!("decoded as {other:?}"),
        }
        // reads are never forwarded
        assert!(!is_forwarded(req_kind::READ));
        assert!(ExecMsg::decode(req_kind::READ, &[]).is_err());
    }

    #[test]
    fn own_messages_round_trip() {
        let ring = RingId { rep: 1, seq: 8 };
        round_trip(ConnExit { conn: 1, now: 2 });
        round_trip(RetentionExpired { ckpt: 1, epoch: 2 });
        round_trip(SectionExpired {
            ckpt: 1,
            section_id: b"x".to_vec(),
            expiration: 3,
        });
        round_trip(SyncCheckpoint {
            ring,
            group_size: 2,
            group_low: 1,
            group_epoch: 16,
            id: 5,
            name: Name::try_from("c").unwrap(),
            linked: true,
            attributes: CreationAttributes::default(),
            retention: 9,
            epoch: 3,
            unopened_since: Some(4),
            active_replica: None,
            next_generated: 2,
            sections: 1,
        });
        round_trip(SyncSection {
            ring,
            ckpt: 5,
            section_id: vec![],
            expiration: i64::MAX,
            last_update: 1,
            changed: true,
            size: 10,
            offset: 4,
            data: b"efgh".to_vec(),
        });
        round_trip(SyncOpenings {
            ring,
            openings: vec![SyncOpening {
                conn: 1,
                open_id: 2,
                ckpt: 5,
                flags: 3,
            }],
        });
        let m = ExecMsg::decode(kind::CONN_EXIT, &ConnExit { conn: 1, now: 2 }.to_payload());
        assert_eq!(m.unwrap(), ExecMsg::ConnExit(ConnExit { conn: 1, now: 2 }));
        assert!(ExecMsg::decode(0x7777, &[]).is_err());
    }
}

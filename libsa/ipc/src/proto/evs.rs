//! EVS (extended virtual synchrony group messaging) messages.
//!
//! A process joins groups named by 32-byte keys and multicasts to groups;
//! each node delivers a message to its own processes that joined one of
//! the message's groups. Which groups a process joined is that node's own
//! business (nothing is replicated), so every request is answered at once.
//!
//! Requests (library -> executive):
//!
//! | kind | request           | reply payload (when EVS_OK)            |
//! |-----:|-------------------|----------------------------------------|
//! | 1    | [`Join`]          | `()`; EVS_ERR_TOO_MANY_GROUPS past [`MAX_JOINED_GROUPS`] |
//! | 2    | [`Leave`]         | `()`; EVS_ERR_NOT_EXIST when a group was not joined (nothing changes) |
//! | 3    | [`McastJoined`]   | `()`; EVS_ERR_TRY_AGAIN when the ordering queue is full |
//! | 4    | [`McastGroups`]   | `()`; likewise                          |
//! | 5    | [`MembershipGet`] | [`MembershipReply`]                     |
//!
//! Callbacks (executive -> library, dispatch connection):
//!
//! | kind | callback               |
//! |-----:|------------------------|
//! | 0x81 | [`DeliverCallback`]    |
//! | 0x82 | [`ConfChgCallback`]    |
//!
//! Error codes travel in the frame's `error` field as evs_error_t values,
//! which share their numbers with SaAisErrorT.

use super::{service, Message, Payload, Request};
use crate::codec::{DecodeError, Decoder, Encoder};

/// Message ids of the EVS service.
pub mod kind {
    pub const JOIN: u16 = 1;
    pub const LEAVE: u16 = 2;
    pub const MCAST_JOINED: u16 = 3;
    pub const MCAST_GROUPS: u16 = 4;
    pub const MEMBERSHIP_GET: u16 = 5;
    pub const DELIVER_CALLBACK: u16 = 0x81;
    pub const CONFCHG_CALLBACK: u16 = 0x82;
}

/// Bytes of a group key (`struct evs_group`); the whole key names the group.
pub const KEY_LEN: usize = 32;

/// Most groups one connection may have joined at a time, and most groups
/// one request may name.
pub const MAX_JOINED_GROUPS: usize = 256;

/// Largest message a process may multicast.
pub const MAX_MESSAGE: usize = 1 << 20;

/// Most node ids a configuration list may hold on the wire.
const MAX_NODES: usize = 65_536;

/// A group key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKey(pub [u8; KEY_LEN]);

impl GroupKey {
    pub fn encode(&self, e: &mut Encoder) {
        e.put_bytes(&self.0);
    }

    pub fn decode(d: &mut Decoder<'_>) -> Result<GroupKey, DecodeError> {
        let bytes = d.get_bytes_max("group key", KEY_LEN)?;
        let key: [u8; KEY_LEN] = bytes.try_into().map_err(|_| DecodeError::InvalidValue {
            field: "group key length",
            value: bytes.len() as u64,
        })?;
        Ok(GroupKey(key))
    }
}

/// Encoded size of one key: its u32 length and 32 bytes.
const KEY_WIRE_LEN: usize = 4 + KEY_LEN;

/// Writes a list of group keys.
pub fn encode_groups(e: &mut Encoder, groups: &[GroupKey]) {
    e.put_vec(groups, |e, g| g.encode(e));
}

/// Reads a list of at most [`MAX_JOINED_GROUPS`] group keys.
pub fn decode_groups(d: &mut Decoder<'_>) -> Result<Vec<GroupKey>, DecodeError> {
    let groups = d.get_vec(KEY_WIRE_LEN, GroupKey::decode)?;
    if groups.len() > MAX_JOINED_GROUPS {
        return Err(DecodeError::TooLong {
            field: "group list",
            len: groups.len(),
            max: MAX_JOINED_GROUPS,
        });
    }
    Ok(groups)
}

fn decode_nodes(d: &mut Decoder<'_>) -> Result<Vec<u32>, DecodeError> {
    let nodes = d.get_vec(4, |d| d.get_u32())?;
    if nodes.len() > MAX_NODES {
        return Err(DecodeError::TooLong {
            field: "node list",
            len: nodes.len(),
            max: MAX_NODES,
        });
    }
    Ok(nodes)
}

fn encode_nodes(e: &mut Encoder, nodes: &[u32]) {
    e.put_vec(nodes, |e, n| {
        e.put_u32(*n);
    });
}

/// The delivery guarantee a process asks for; the wire values are those
/// of evs_guarantee_t. The executive orders UNORDERED, FIFO and AGREED
/// messages alike (agreed order is all of them); SAFE messages are
/// delivered only once every member has received them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarantee {
    Unordered = 0,
    Fifo = 1,
    Agreed = 2,
    Safe = 3,
}

impl Guarantee {
    /// The guarantee of an evs_guarantee_t / cpg_guarantee_t value.
    pub fn from_wire(v: u32) -> Option<Guarantee> {
        match v {
            0 => Some(Guarantee::Unordered),
            1 => Some(Guarantee::Fifo),
            2 => Some(Guarantee::Agreed),
            3 => Some(Guarantee::Safe),
            _ => None,
        }
    }

    pub fn to_wire(self) -> u32 {
        self as u32
    }

    pub(crate) fn encode(self, e: &mut Encoder) {
        e.put_u8(self as u8);
    }

    pub(crate) fn decode(d: &mut Decoder<'_>) -> Result<Guarantee, DecodeError> {
        let v = d.get_u8()?;
        Guarantee::from_wire(u32::from(v)).ok_or(DecodeError::InvalidValue {
            field: "guarantee",
            value: u64::from(v),
        })
    }
}

/// Reads message data of at most [`MAX_MESSAGE`] bytes.
pub fn decode_data<'a>(d: &mut Decoder<'a>) -> Result<&'a [u8], DecodeError> {
    d.get_bytes_max("message", MAX_MESSAGE)
}

/// evs_join: add groups to the connection's joined groups (joining a
/// group twice is joining it once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    pub groups: Vec<GroupKey>,
}

impl Payload for Join {
    fn encode(&self, e: &mut Encoder) {
        encode_groups(e, &self.groups);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Join, DecodeError> {
        Ok(Join {
            groups: decode_groups(d)?,
        })
    }
}

impl Message for Join {
    const SERVICE: u16 = service::EVS;
    const KIND: u16 = kind::JOIN;
}

impl Request for Join {
    type Reply = ();
}

/// evs_leave: remove groups; all of them must be joined, else nothing
/// changes and the answer is EVS_ERR_NOT_EXIST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leave {
    pub groups: Vec<GroupKey>,
}

impl Payload for Leave {
    fn encode(&self, e: &mut Encoder) {
        encode_groups(e, &self.groups);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Leave, DecodeError> {
        Ok(Leave {
            groups: decode_groups(d)?,
        })
    }
}

impl Message for Leave {
    const SERVICE: u16 = service::EVS;
    const KIND: u16 = kind::LEAVE;
}

impl Request for Leave {
    type Reply = ();
}

/// evs_mcast_joined: multicast `data` to the groups the connection has
/// joined when the executive receives the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McastJoined {
    pub guarantee: Guarantee,
    pub data: Vec<u8>,
}

impl McastJoined {
    /// Encodes the request straight from the caller's buffers (`total` is
    /// their summed length, at most [`MAX_MESSAGE`]).
    pub fn encode_parts<'a>(
        guarantee: Guarantee,
        total: usize,
        parts: impl IntoIterator<Item = &'a [u8]>,
    ) -> Vec<u8> {
        encode_multicast(guarantee, total, parts)
    }
}

/// The payload of a multicast to groups the sender has joined, EVS's
/// [`McastJoined`] and CPG's `Mcast` alike: the guarantee, then the
/// message data. Written straight from the caller's buffers (`total` is
/// their summed length, at most [`MAX_MESSAGE`]).
pub(crate) fn encode_multicast<'a>(
    guarantee: Guarantee,
    total: usize,
    parts: impl IntoIterator<Item = &'a [u8]>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + total);
    out.push(guarantee as u8);
    append_data(&mut out, total, parts);
    out
}

/// Decodes an [`encode_multicast`] payload, borrowing its data.
pub(crate) fn parse_multicast(payload: &[u8]) -> Result<(Guarantee, &[u8]), DecodeError> {
    let mut d = Decoder::new(payload);
    let guarantee = Guarantee::decode(&mut d)?;
    let data = decode_data(&mut d)?;
    d.finish()?;
    Ok((guarantee, data))
}

/// Appends message data as [`Encoder::put_bytes`] writes it: its u32
/// length, then the parts one after the other.
fn append_data<'a>(out: &mut Vec<u8>, total: usize, parts: impl IntoIterator<Item = &'a [u8]>) {
    // The caller bounds `total` by MAX_MESSAGE; a receiver rejects a
    // length that does not match the bytes.
    out.extend_from_slice(&(total as u32).to_le_bytes());
    for p in parts {
        out.extend_from_slice(p);
    }
}

impl Payload for McastJoined {
    fn encode(&self, e: &mut Encoder) {
        self.guarantee.encode(e);
        e.put_bytes(&self.data);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<McastJoined, DecodeError> {
        Ok(McastJoined {
            guarantee: Guarantee::decode(d)?,
            data: decode_data(d)?.to_vec(),
        })
    }
}

impl Message for McastJoined {
    const SERVICE: u16 = service::EVS;
    const KIND: u16 = kind::MCAST_JOINED;
}

impl Request for McastJoined {
    type Reply = ();
}

/// evs_mcast_groups: multicast `data` to `groups`, joined or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McastGroups {
    pub guarantee: Guarantee,
    pub groups: Vec<GroupKey>,
    pub data: Vec<u8>,
}

impl McastGroups {
    /// Encodes the request straight from the caller's buffers.
    pub fn encode_parts<'a>(
        guarantee: Guarantee,
        groups: &[GroupKey],
        total: usize,
        parts: impl IntoIterator<Item = &'a [u8]>,
    ) -> Vec<u8> {
        let mut e = Encoder::with_capacity(9 + groups.len() * KEY_WIRE_LEN + total);
        guarantee.encode(&mut e);
        encode_groups(&mut e, groups);
        let mut out = e.finish();
        append_data(&mut out, total, parts);
        out
    }
}

impl Payload for McastGroups {
    fn encode(&self, e: &mut Encoder) {
        self.guarantee.encode(e);
        encode_groups(e, &self.groups);
        e.put_bytes(&self.data);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<McastGroups, DecodeError> {
        Ok(McastGroups {
            guarantee: Guarantee::decode(d)?,
            groups: decode_groups(d)?,
            data: decode_data(d)?.to_vec(),
        })
    }
}

impl Message for McastGroups {
    const SERVICE: u16 = service::EVS;
    const KIND: u16 = kind::MCAST_GROUPS;
}

impl Request for McastGroups {
    type Reply = ();
}

/// evs_membership_get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MembershipGet;

impl Payload for MembershipGet {
    fn encode(&self, _e: &mut Encoder) {}
    fn decode(_d: &mut Decoder<'_>) -> Result<MembershipGet, DecodeError> {
        Ok(MembershipGet)
    }
}

impl Message for MembershipGet {
    const SERVICE: u16 = service::EVS;
    const KIND: u16 = kind::MEMBERSHIP_GET;
}

impl Request for MembershipGet {
    type Reply = MembershipReply;
}

/// This node's id and the members of the current (regular) configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipReply {
    pub local: u32,
    pub members: Vec<u32>,
}

impl Payload for MembershipReply {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.local);
        encode_nodes(e, &self.members);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<MembershipReply, DecodeError> {
        Ok(MembershipReply {
            local: d.get_u32()?,
            members: decode_nodes(d)?,
        })
    }
}

/// A message delivered to the connection: the node that sent it and its
/// bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverCallback {
    pub node: u32,
    pub data: Vec<u8>,
}

impl DeliverCallback {
    /// Encodes a delivery without building the struct (the executive's
    /// hot path: one copy of the data, into the frame).
    pub fn encode_parts(node: u32, data: &[u8]) -> Vec<u8> {
        let mut e = Encoder::with_capacity(8 + data.len());
        e.put_u32(node).put_bytes(data);
        e.finish()
    }

    /// Decodes a delivery, borrowing the data from the payload.
    pub fn parse(payload: &[u8]) -> Result<(u32, &[u8]), DecodeError> {
        let mut d = Decoder::new(payload);
        let node = d.get_u32()?;
        let data = decode_data(&mut d)?;
        d.finish()?;
        Ok((node, data))
    }
}

impl Payload for DeliverCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.node).put_bytes(&self.data);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<DeliverCallback, DecodeError> {
        Ok(DeliverCallback {
            node: d.get_u32()?,
            data: decode_data(d)?.to_vec(),
        })
    }
}

impl Message for DeliverCallback {
    const SERVICE: u16 = service::EVS;
    const KIND: u16 = kind::DELIVER_CALLBACK;
}

/// A configuration change: the members after it, the nodes that left and
/// those that joined. The executive reports the transitional and the
/// regular configuration of every change, and the current configuration
/// (no left, no joined) right after a connection opens.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfChgCallback {
    pub members: Vec<u32>,
    pub left: Vec<u32>,
    pub joined: Vec<u32>,
}

impl Payload for ConfChgCallback {
    fn encode(&self, e: &mut Encoder) {
        encode_nodes(e, &self.members);
        encode_nodes(e, &self.left);
        encode_nodes(e, &self.joined);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<ConfChgCallback, DecodeError> {
        Ok(ConfChgCallback {
            members: decode_nodes(d)?,
            left: decode_nodes(d)?,
            joined: decode_nodes(d)?,
        })
    }
}

impl Message for ConfChgCallback {
    const SERVICE: u16 = service::EVS;
    const KIND: u16 = kind::CONFCHG_CALLBACK;
}

/// Every EVS request, as the executive receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvsRequest {
    Join(Join),
    Leave(Leave),
    McastJoined(McastJoined),
    McastGroups(McastGroups),
    MembershipGet(MembershipGet),
}

impl EvsRequest {
    /// Decodes the payload of an EVS request frame of the given kind.
    pub fn decode(kind: u16, payload: &[u8]) -> Result<EvsRequest, DecodeError> {
        Ok(match kind {
            kind::JOIN => EvsRequest::Join(Join::from_payload(payload)?),
            kind::LEAVE => EvsRequest::Leave(Leave::from_payload(payload)?),
            kind::MCAST_JOINED => EvsRequest::McastJoined(McastJoined::from_payload(payload)?),
            kind::MCAST_GROUPS => EvsRequest::McastGroups(McastGroups::from_payload(payload)?),
            kind::MEMBERSHIP_GET => {
                EvsRequest::MembershipGet(MembershipGet::from_payload(payload)?)
            }
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::EVS,
                    kind,
                })
            }
        })
    }
}

/// Every EVS callback, as the library reads it; deliveries borrow their
/// data from the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvsCallback<'a> {
    Deliver { node: u32, data: &'a [u8] },
    ConfChg(ConfChgCallback),
}

impl<'a> EvsCallback<'a> {
    /// Decodes the payload of an EVS callback frame.
    pub fn decode(kind: u16, payload: &'a [u8]) -> Result<EvsCallback<'a>, DecodeError> {
        Ok(match kind {
            kind::DELIVER_CALLBACK => {
                let (node, data) = DeliverCallback::parse(payload)?;
                EvsCallback::Deliver { node, data }
            }
            kind::CONFCHG_CALLBACK => EvsCallback::ConfChg(ConfChgCallback::from_payload(payload)?),
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::EVS,
                    kind,
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::assert_round_trip;

    fn key(b: u8) -> GroupKey {
        let mut k = [0u8; KEY_LEN];
        k[0] = b;
        k[31] = b.wrapping_mul(3);
        GroupKey(k)
    }

    #[test]
    fn messages_round_trip() {
        assert_round_trip(Join {
            groups: vec![key(1), key(2)],
        });
        assert_round_trip(Leave { groups: vec![] });
        assert_round_trip(McastJoined {
            guarantee: Guarantee::Safe,
            data: b"hello".to_vec(),
        });
        assert_round_trip(McastGroups {
            guarantee: Guarantee::Agreed,
            groups: vec![key(9)],
            data: vec![],
        });
        assert_round_trip(MembershipReply {
            local: 7,
            members: vec![7, 8, 9],
        });
        assert_round_trip(DeliverCallback {
            node: 3,
            data: vec![0, 1, 2, 255],
        });
        assert_round_trip(ConfChgCallback {
            members: vec![1, 2],
            left: vec![3],
            joined: vec![],
        });
    }

    #[test]
    fn parts_encodings_match_the_structs() {
        let parts: [&[u8]; 3] = [b"ab", b"", b"c"];
        assert_eq!(
            McastJoined::encode_parts(Guarantee::Agreed, 3, parts),
            McastJoined {
                guarantee: Guarantee::Agreed,
                data: b"abc".to_vec()
            }
            .to_payload()
        );
        assert_eq!(
            McastGroups::encode_parts(Guarantee::Safe, &[key(4)], 3, parts),
            McastGroups {
                guarantee: Guarantee::Safe,
                groups: vec![key(4)],
                data: b"abc".to_vec()
            }
            .to_payload()
        );
    }

    #[test]
    fn keys_are_exactly_32_bytes() {
        let mut e = Encoder::new();
        e.put_vec(&[0u8], |e, _| {
            e.put_bytes(&[1; 31]);
        });
        assert!(Join::from_payload(&e.finish()).is_err());
        let mut e = Encoder::new();
        e.put_vec(&[0u8], |e, _| {
            e.put_bytes(&[1; 33]);
        });
        assert!(matches!(
            Join::from_payload(&e.finish()),
            Err(DecodeError::TooLong { .. })
        ));
    }

    #[test]
    fn limits_and_values_are_checked() {
        let too_many = Join {
            groups: (0..=MAX_JOINED_GROUPS).map(|i| key(i as u8)).collect(),
        };
        assert!(matches!(
            Join::from_payload(&too_many.to_payload()),
            Err(DecodeError::TooLong { .. })
        ));
        let mut bad = McastJoined {
            guarantee: Guarantee::Fifo,
            data: vec![1],
        }
        .to_payload();
        bad[0] = 4;
        assert!(matches!(
            McastJoined::from_payload(&bad),
            Err(DecodeError::InvalidValue { .. })
        ));
        assert_eq!(Guarantee::from_wire(3), Some(Guarantee::Safe));
        assert_eq!(Guarantee::from_wire(4), None);
    }

    #[test]
    fn enums_dispatch_on_kind() {
        let m = McastGroups {
            guarantee: Guarantee::Agreed,
            groups: vec![key(1)],
            data: b"x".to_vec(),
        };
        assert_eq!(
            EvsRequest::decode(kind::MCAST_GROUPS, &m.to_payload()).unwrap(),
            EvsRequest::McastGroups(m)
        );
        assert!(EvsRequest::decode(99, &[]).is_err());
        let payload = DeliverCallback::encode_parts(5, b"abc");
        assert_eq!(
            EvsCallback::decode(kind::DELIVER_CALLBACK, &payload).unwrap(),
            EvsCallback::Deliver {
                node: 5,
                data: b"abc"
            }
        );
        assert!(EvsCallback::decode(kind::JOIN, &[]).is_err());
    }
}

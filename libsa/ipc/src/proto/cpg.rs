//! CPG (closed process group) messages.
//!
//! A library connection joins at most one group at a time; the group's
//! membership is replicated on every node, so joins and leaves are ordered
//! through the cluster and reported to every member as configuration
//! changes.
//!
//! Requests (library -> executive):
//!
//! | kind | request           | reply payload (when CPG_OK)              |
//! |-----:|-------------------|------------------------------------------|
//! | 1    | [`Join`]          | `()`; CPG_ERR_EXIST when the connection is in a group already |
//! | 2    | [`Leave`]         | `()`; CPG_ERR_NOT_EXIST when not in that group |
//! | 3    | [`Mcast`]         | `()`; CPG_ERR_NOT_EXIST when in no group, CPG_ERR_TRY_AGAIN when the ordering queue is full |
//! | 4    | [`MembershipGet`] | [`MembershipReply`]                     |
//! | 5    | [`LocalGet`]      | [`LocalReply`]                          |
//!
//! Callbacks (executive -> library, dispatch connection):
//!
//! | kind | callback            |
//! |-----:|---------------------|
//! | 0x81 | [`DeliverCallback`] |
//! | 0x82 | [`ConfChgCallback`] |
//! | 0x83 | [`FlowControlCallback`] |
//!
//! Error codes travel in the frame's `error` field as cpg_error_t values,
//! which share their numbers with SaAisErrorT.

use super::{service, Message, Payload, Request};
use crate::codec::{DecodeError, Decoder, Encoder};

pub use super::evs::{Guarantee, MAX_MESSAGE};

/// Message ids of the CPG service.
pub mod kind {
    pub const JOIN: u16 = 1;
    pub const LEAVE: u16 = 2;
    pub const MCAST: u16 = 3;
    pub const MEMBERSHIP_GET: u16 = 4;
    pub const LOCAL_GET: u16 = 5;
    pub const DELIVER_CALLBACK: u16 = 0x81;
    pub const CONFCHG_CALLBACK: u16 = 0x82;
    pub const FLOW_CONTROL_CALLBACK: u16 = 0x83;
}

/// Longest group name (CPG_MAX_NAME_LENGTH).
pub const MAX_GROUP_NAME: usize = 128;

/// Most members a list on the wire may hold.
pub const MAX_MEMBERS: usize = 65_536;

/// A group name: at most [`MAX_GROUP_NAME`] bytes, compared whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupName(Vec<u8>);

/// A group name longer than [`MAX_GROUP_NAME`] was offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("group name of {0} bytes exceeds {MAX_GROUP_NAME}")]
pub struct GroupNameTooLong(pub usize);

impl GroupName {
    pub fn new(bytes: &[u8]) -> Result<GroupName, GroupNameTooLong> {
        if bytes.len() > MAX_GROUP_NAME {
            return Err(GroupNameTooLong(bytes.len()));
        }
        Ok(GroupName(bytes.to_vec()))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn encode(&self, e: &mut Encoder) {
        e.put_bytes(&self.0);
    }

    pub fn decode(d: &mut Decoder<'_>) -> Result<GroupName, DecodeError> {
        Ok(GroupName(
            d.get_bytes_max("group name", MAX_GROUP_NAME)?.to_vec(),
        ))
    }
}

impl std::fmt::Display for GroupName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

/// Why a process appears in a configuration change list; the wire values
/// are those of cpg_reason_t.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The process called cpg_join.
    Join = 1,
    /// The process called cpg_leave.
    Leave = 2,
    /// Its node left the cluster configuration.
    NodeDown = 3,
    /// Its node joined the cluster configuration (a partition merged).
    NodeUp = 4,
    /// The process ended (or finalized) without leaving.
    ProcDown = 5,
}

impl Reason {
    pub fn from_wire(v: u32) -> Result<Reason, DecodeError> {
        match v {
            1 => Ok(Reason::Join),
            2 => Ok(Reason::Leave),
            3 => Ok(Reason::NodeDown),
            4 => Ok(Reason::NodeUp),
            5 => Ok(Reason::ProcDown),
            _ => Err(DecodeError::InvalidValue {
                field: "cpg reason",
                value: u64::from(v),
            }),
        }
    }

    pub fn to_wire(self) -> u32 {
        self as u32
    }
}

/// One entry of a member list (`struct cpg_address`). In the members list
/// of a configuration change and in [`MembershipReply`] the reason is
/// [`Reason::Join`], as openais reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Address {
    pub node: u32,
    pub pid: u32,
    pub reason: Reason,
}

impl Address {
    const WIRE_LEN: usize = 12;

    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.node)
            .put_u32(self.pid)
            .put_u32(self.reason.to_wire());
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Address, DecodeError> {
        Ok(Address {
            node: d.get_u32()?,
            pid: d.get_u32()?,
            reason: Reason::from_wire(d.get_u32()?)?,
        })
    }
}

fn encode_addresses(e: &mut Encoder, list: &[Address]) {
    e.put_vec(list, |e, a| a.encode(e));
}

fn decode_addresses(d: &mut Decoder<'_>) -> Result<Vec<Address>, DecodeError> {
    let list = d.get_vec(Address::WIRE_LEN, Address::decode)?;
    if list.len() > MAX_MEMBERS {
        return Err(DecodeError::TooLong {
            field: "member list",
            len: list.len(),
            max: MAX_MEMBERS,
        });
    }
    Ok(list)
}

/// cpg_join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    pub group: GroupName,
}

impl Payload for Join {
    fn encode(&self, e: &mut Encoder) {
        self.group.encode(e);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Join, DecodeError> {
        Ok(Join {
            group: GroupName::decode(d)?,
        })
    }
}

impl Message for Join {
    const SERVICE: u16 = service::CPG;
    const KIND: u16 = kind::JOIN;
}

impl Request for Join {
    type Reply = ();
}

/// cpg_leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leave {
    pub group: GroupName,
}

impl Payload for Leave {
    fn encode(&self, e: &mut Encoder) {
        self.group.encode(e);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Leave, DecodeError> {
        Ok(Leave {
            group: GroupName::decode(d)?,
        })
    }
}

impl Message for Leave {
    const SERVICE: u16 = service::CPG;
    const KIND: u16 = kind::LEAVE;
}

impl Request for Leave {
    type Reply = ();
}

/// cpg_mcast_joined: multicast `data` to the connection's group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mcast {
    pub guarantee: Guarantee,
    pub data: Vec<u8>,
}

impl Mcast {
    /// Encodes a multicast request straight from the caller's buffers
    /// (`total` is their summed length).
    pub fn encode_parts<'a>(
        guarantee: Guarantee,
        total: usize,
        parts: impl IntoIterator<Item = &'a [u8]>,
    ) -> Vec<u8> {
        super::evs::encode_multicast(guarantee, total, parts)
    }

    /// Decodes a multicast request, borrowing its data.
    pub fn parse(payload: &[u8]) -> Result<(Guarantee, &[u8]), DecodeError> {
        super::evs::parse_multicast(payload)
    }
}

impl Payload for Mcast {
    fn encode(&self, e: &mut Encoder) {
        self.guarantee.encode(e);
        e.put_bytes(&self.data);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Mcast, DecodeError> {
        Ok(Mcast {
            guarantee: Guarantee::decode(d)?,
            data: super::evs::decode_data(d)?.to_vec(),
        })
    }
}

impl Message for Mcast {
    const SERVICE: u16 = service::CPG;
    const KIND: u16 = kind::MCAST;
}

impl Request for Mcast {
    type Reply = ();
}

/// cpg_membership_get: the members of a group (none when nobody is in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipGet {
    pub group: GroupName,
}

impl Payload for MembershipGet {
    fn encode(&self, e: &mut Encoder) {
        self.group.encode(e);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<MembershipGet, DecodeError> {
        Ok(MembershipGet {
            group: GroupName::decode(d)?,
        })
    }
}

impl Message for MembershipGet {
    const SERVICE: u16 = service::CPG;
    const KIND: u16 = kind::MEMBERSHIP_GET;
}

impl Request for MembershipGet {
    type Reply = MembershipReply;
}

/// The members of a group, in the group's order (the same on every node).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipReply {
    pub members: Vec<Address>,
}

impl Payload for MembershipReply {
    fn encode(&self, e: &mut Encoder) {
        encode_addresses(e, &self.members);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<MembershipReply, DecodeError> {
        Ok(MembershipReply {
            members: decode_addresses(d)?,
        })
    }
}

/// cpg_local_get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalGet;

impl Payload for LocalGet {
    fn encode(&self, _e: &mut Encoder) {}
    fn decode(_d: &mut Decoder<'_>) -> Result<LocalGet, DecodeError> {
        Ok(LocalGet)
    }
}

impl Message for LocalGet {
    const SERVICE: u16 = service::CPG;
    const KIND: u16 = kind::LOCAL_GET;
}

impl Request for LocalGet {
    type Reply = LocalReply;
}

/// This node's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalReply {
    pub node: u32,
}

impl Payload for LocalReply {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.node);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<LocalReply, DecodeError> {
        Ok(LocalReply { node: d.get_u32()? })
    }
}

/// A message delivered to the connection's group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverCallback {
    pub group: GroupName,
    pub node: u32,
    pub pid: u32,
    pub data: Vec<u8>,
}

/// A decoded delivery that borrows its data from the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverView<'a> {
    pub group: GroupName,
    pub node: u32,
    pub pid: u32,
    pub data: &'a [u8],
}

impl DeliverCallback {
    /// Encodes a delivery without building the struct (one copy of the
    /// data, into the frame).
    pub fn encode_parts(group: &GroupName, node: u32, pid: u32, data: &[u8]) -> Vec<u8> {
        let mut e = Encoder::with_capacity(16 + group.as_bytes().len() + data.len());
        group.encode(&mut e);
        e.put_u32(node).put_u32(pid).put_bytes(data);
        e.finish()
    }

    /// Decodes a delivery, borrowing the data.
    pub fn parse(payload: &[u8]) -> Result<DeliverView<'_>, DecodeError> {
        let mut d = Decoder::new(payload);
        let view = DeliverView {
            group: GroupName::decode(&mut d)?,
            node: d.get_u32()?,
            pid: d.get_u32()?,
            data: super::evs::decode_data(&mut d)?,
        };
        d.finish()?;
        Ok(view)
    }
}

impl Payload for DeliverCallback {
    fn encode(&self, e: &mut Encoder) {
        self.group.encode(e);
        e.put_u32(self.node).put_u32(self.pid).put_bytes(&self.data);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<DeliverCallback, DecodeError> {
        Ok(DeliverCallback {
            group: GroupName::decode(d)?,
            node: d.get_u32()?,
            pid: d.get_u32()?,
            data: super::evs::decode_data(d)?.to_vec(),
        })
    }
}

impl Message for DeliverCallback {
    const SERVICE: u16 = service::CPG;
    const KIND: u16 = kind::DELIVER_CALLBACK;
}

/// A group's membership changed: its members after the change, those who
/// left and those who joined, each with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfChgCallback {
    pub group: GroupName,
    pub members: Vec<Address>,
    pub left: Vec<Address>,
    pub joined: Vec<Address>,
}

impl Payload for ConfChgCallback {
    fn encode(&self, e: &mut Encoder) {
        self.group.encode(e);
        encode_addresses(e, &self.members);
        encode_addresses(e, &self.left);
        encode_addresses(e, &self.joined);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<ConfChgCallback, DecodeError> {
        Ok(ConfChgCallback {
            group: GroupName::decode(d)?,
            members: decode_addresses(d)?,
            left: decode_addresses(d)?,
            joined: decode_addresses(d)?,
        })
    }
}

impl Message for ConfChgCallback {
    const SERVICE: u16 = service::CPG;
    const KIND: u16 = kind::CONFCHG_CALLBACK;
}

/// The executive's flow control state for this connection changed:
/// `enabled` after a multicast was refused because the ordering layer
/// was full or reconfiguring, cleared once multicasts are taken again (as
/// openais notified its libraries), so that a program waiting for
/// cpg_flow_control_state_get to say DISABLED before it sends is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowControlCallback {
    pub enabled: bool,
}

impl Payload for FlowControlCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(u32::from(self.enabled));
    }
    fn decode(d: &mut Decoder<'_>) -> Result<FlowControlCallback, DecodeError> {
        Ok(FlowControlCallback {
            enabled: d.get_u32()? != 0,
        })
    }
}

impl Message for FlowControlCallback {
    const SERVICE: u16 = service::CPG;
    const KIND: u16 = kind::FLOW_CONTROL_CALLBACK;
}

/// Every CPG request, as the executive receives it; a multicast borrows
/// its data from the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpgRequest<'a> {
    Join(Join),
    Leave(Leave),
    Mcast {
        guarantee: Guarantee,
        data: &'a [u8],
    },
    MembershipGet(MembershipGet),
    LocalGet(LocalGet),
}

impl<'a> CpgRequest<'a> {
    /// Decodes the payload of a CPG request frame of the given kind.
    pub fn decode(kind: u16, payload: &'a [u8]) -> Result<CpgRequest<'a>, DecodeError> {
        Ok(match kind {
            kind::JOIN => CpgRequest::Join(Join::from_payload(payload)?),
            kind::LEAVE => CpgRequest::Leave(Leave::from_payload(payload)?),
            kind::MCAST => {
                let (guarantee, data) = Mcast::parse(payload)?;
                CpgRequest::Mcast { guarantee, data }
            }
            kind::MEMBERSHIP_GET => {
                CpgRequest::MembershipGet(MembershipGet::from_payload(payload)?)
            }
            kind::LOCAL_GET => CpgRequest::LocalGet(LocalGet::from_payload(payload)?),
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::CPG,
                    kind,
                })
            }
        })
    }
}

/// Every CPG callback, as the library reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpgCallback<'a> {
    Deliver(DeliverView<'a>),
    ConfChg(ConfChgCallback),
    FlowControl(FlowControlCallback),
}

impl<'a> CpgCallback<'a> {
    /// Decodes the payload of a CPG callback frame.
    pub fn decode(kind: u16, payload: &'a [u8]) -> Result<CpgCallback<'a>, DecodeError> {
        Ok(match kind {
            kind::DELIVER_CALLBACK => CpgCallback::Deliver(DeliverCallback::parse(payload)?),
            kind::CONFCHG_CALLBACK => CpgCallback::ConfChg(ConfChgCallback::from_payload(payload)?),
            kind::FLOW_CONTROL_CALLBACK => {
                CpgCallback::FlowControl(FlowControlCallback::from_payload(payload)?)
            }
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::CPG,
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

    fn name(s: &str) -> GroupName {
        GroupName::new(s.as_bytes()).unwrap()
    }

    fn addr(node: u32, pid: u32, reason: Reason) -> Address {
        Address { node, pid, reason }
    }

    #[test]
    fn messages_round_trip() {
        assert_round_trip(Join { group: name("g") });
        assert_round_trip(Leave { group: name("") });
        assert_round_trip(Mcast {
            guarantee: Guarantee::Agreed,
            data: b"payload".to_vec(),
        });
        assert_round_trip(MembershipGet { group: name("x") });
        assert_round_trip(MembershipReply {
            members: vec![addr(1, 100, Reason::Join), addr(2, 200, Reason::Join)],
        });
        assert_round_trip(LocalReply { node: 16777343 });
        assert_round_trip(DeliverCallback {
            group: name("g"),
            node: 1,
            pid: 2,
            data: vec![9; 10],
        });
        assert_round_trip(ConfChgCallback {
            group: name("g"),
            members: vec![addr(1, 1, Reason::Join)],
            left: vec![addr(2, 2, Reason::NodeDown), addr(2, 3, Reason::ProcDown)],
            joined: vec![addr(3, 4, Reason::NodeUp)],
        });
    }

    #[test]
    fn parts_encodings_match_the_structs() {
        let m = Mcast {
            guarantee: Guarantee::Safe,
            data: b"abcdef".to_vec(),
        };
        let parts: [&[u8]; 3] = [b"ab", b"", b"cdef"];
        assert_eq!(
            Mcast::encode_parts(Guarantee::Safe, 6, parts),
            m.to_payload()
        );
        assert_eq!(
            Mcast::parse(&m.to_payload()).unwrap(),
            (Guarantee::Safe, &b"abcdef"[..])
        );
        let d = DeliverCallback {
            group: name("grp"),
            node: 5,
            pid: 6,
            data: b"zz".to_vec(),
        };
        assert_eq!(
            DeliverCallback::encode_parts(&d.group, 5, 6, b"zz"),
            d.to_payload()
        );
        let bytes = d.to_payload();
        let v = DeliverCallback::parse(&bytes).unwrap();
        assert_eq!(
            (v.group, v.node, v.pid, v.data),
            (name("grp"), 5, 6, &b"zz"[..])
        );
    }

    #[test]
    fn limits_and_values_are_checked() {
        assert!(GroupName::new(&[b'a'; MAX_GROUP_NAME]).is_ok());
        assert_eq!(
            GroupName::new(&[b'a'; MAX_GROUP_NAME + 1]),
            Err(GroupNameTooLong(MAX_GROUP_NAME + 1))
        );
        let mut e = Encoder::new();
        e.put_bytes(&[b'a'; MAX_GROUP_NAME + 1]);
        assert!(matches!(
            Join::from_payload(&e.finish()),
            Err(DecodeError::TooLong { .. })
        ));
        let mut bad = MembershipReply {
            members: vec![addr(1, 1, Reason::Leave)],
        }
        .to_payload();
        let n = bad.len();
        bad[n - 4] = 6;
        assert!(MembershipReply::from_payload(&bad).is_err());
    }

    #[test]
    fn enums_dispatch_on_kind() {
        let payload = Mcast {
            guarantee: Guarantee::Fifo,
            data: b"q".to_vec(),
        }
        .to_payload();
        assert_eq!(
            CpgRequest::decode(kind::MCAST, &payload).unwrap(),
            CpgRequest::Mcast {
                guarantee: Guarantee::Fifo,
                data: b"q"
            }
        );
        assert_eq!(
            CpgRequest::decode(kind::LOCAL_GET, &[]).unwrap(),
            CpgRequest::LocalGet(LocalGet)
        );
        assert!(CpgRequest::decode(0, &[]).is_err());
        assert!(CpgCallback::decode(kind::MCAST, &payload).is_err());
        let on = FlowControlCallback { enabled: true }.to_payload();
        assert_eq!(
            CpgCallback::decode(kind::FLOW_CONTROL_CALLBACK, &on).unwrap(),
            CpgCallback::FlowControl(FlowControlCallback { enabled: true })
        );
        assert!(CpgCallback::decode(kind::FLOW_CONTROL_CALLBACK, &[1]).is_err());
    }
}

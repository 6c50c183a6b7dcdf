//! Cluster Membership (CLM) messages.
//!
//! Requests (library -> executive, on the request connection):
//!
//! | kind | request        | reply payload (when SA_AIS_OK)            |
//! |-----:|----------------|-------------------------------------------|
//! | 1    | [`NodeGet`]      | [`NodeGetReply`]: the node               |
//! | 2    | [`NodeGetAsync`] | `()`: accepted; a [`NodeGetCallback`] follows |
//! | 3    | [`Track`]        | [`TrackReply`]: the view when asked for in the reply; SA_AIS_ERR_NO_SPACE when it exceeds `max_items` |
//! | 4    | [`TrackStop`]    | `()`; SA_AIS_ERR_NOT_EXIST when not tracking |
//!
//! Callbacks (executive -> library, on the dispatch connection, seq 0, the
//! frame's `error` is the SaAisErrorT handed to the C callback):
//!
//! | kind   | callback                 |
//! |-------:|--------------------------|
//! | 0x81   | [`TrackCallback`]        |
//! | 0x82   | [`NodeGetCallback`]      |
//!
//! The library validates the C arguments (flags, buffers, callbacks
//! present) and the executive validates the request again: it never
//! trusts a client.

use super::{service, Message, Payload, Request};
use crate::codec::{DecodeError, Decoder, Encoder, Name};

/// Message ids of the CLM service.
pub mod kind {
    pub const NODE_GET: u16 = 1;
    pub const NODE_GET_ASYNC: u16 = 2;
    pub const TRACK: u16 = 3;
    pub const TRACK_STOP: u16 = 4;
    pub const TRACK_CALLBACK: u16 = 0x81;
    pub const NODE_GET_CALLBACK: u16 = 0x82;
}

/// SA_CLM_LOCAL_NODE_ID: "the node this library runs on".
pub const LOCAL_NODE_ID: u32 = 0xFFFF_FFFF;

/// Longest node address text (SA_CLM_MAX_ADDRESS_LENGTH).
pub const MAX_ADDRESS_LEN: usize = 64;

/// Address family of a node address; the wire values are those of
/// SaClmNodeAddressFamilyT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressFamily {
    /// SA_CLM_AF_INET
    Inet = 1,
    /// SA_CLM_AF_INET6
    Inet6 = 2,
}

impl AddressFamily {
    pub fn from_wire(v: u32) -> Result<AddressFamily, DecodeError> {
        match v {
            1 => Ok(AddressFamily::Inet),
            2 => Ok(AddressFamily::Inet6),
            _ => Err(DecodeError::InvalidValue {
                field: "address family",
                value: u64::from(v),
            }),
        }
    }

    /// The SaClmNodeAddressFamilyT value.
    pub fn to_wire(self) -> u32 {
        self as u32
    }
}

/// How a node changed in a track notification; the wire values are those
/// of SaClmClusterChangesT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterChange {
    /// SA_CLM_NODE_NO_CHANGE
    NoChange = 1,
    /// SA_CLM_NODE_JOINED
    Joined = 2,
    /// SA_CLM_NODE_LEFT
    Left = 3,
    /// SA_CLM_NODE_RECONFIGURED
    Reconfigured = 4,
}

impl ClusterChange {
    pub fn from_wire(v: u32) -> Result<ClusterChange, DecodeError> {
        match v {
            1 => Ok(ClusterChange::NoChange),
            2 => Ok(ClusterChange::Joined),
            3 => Ok(ClusterChange::Left),
            4 => Ok(ClusterChange::Reconfigured),
            _ => Err(DecodeError::InvalidValue {
                field: "cluster change",
                value: u64::from(v),
            }),
        }
    }

    /// The SaClmClusterChangesT value.
    pub fn to_wire(self) -> u32 {
        self as u32
    }
}

/// Everything SaClmClusterNodeT says about a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    pub node_id: u32,
    pub family: AddressFamily,
    /// The address as text ("10.213.1.1", or IPv6 text form), at most
    /// [`MAX_ADDRESS_LEN`] bytes, no NUL.
    pub address: Vec<u8>,
    /// The node's host name.
    pub name: Name,
    pub member: bool,
    /// Boot time, SaTimeT nanoseconds since the epoch.
    pub boot_timestamp: i64,
    /// The view number in which the node joined.
    pub initial_view_number: u64,
}

impl Payload for NodeInfo {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.node_id)
            .put_u32(self.family.to_wire())
            .put_bytes(&self.address)
            .put_name(&self.name)
            .put_bool(self.member)
            .put_i64(self.boot_timestamp)
            .put_u64(self.initial_view_number);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<NodeInfo, DecodeError> {
        Ok(NodeInfo {
            node_id: d.get_u32()?,
            family: AddressFamily::from_wire(d.get_u32()?)?,
            address: d.get_bytes_max("node address", MAX_ADDRESS_LEN)?.to_vec(),
            name: d.get_name()?,
            member: d.get_bool()?,
            boot_timestamp: d.get_i64()?,
            initial_view_number: d.get_u64()?,
        })
    }
}

/// Fewest bytes one encoded [`NodeInfo`] takes (for vector count checks).
const NODE_INFO_MIN_LEN: usize = 4 + 4 + 4 + 2 + 1 + 8 + 8;

fn encode_opt_node(e: &mut Encoder, node: &Option<NodeInfo>) {
    match node {
        Some(n) => {
            e.put_bool(true);
            n.encode(e);
        }
        None => {
            e.put_bool(false);
        }
    }
}

fn decode_opt_node(d: &mut Decoder<'_>) -> Result<Option<NodeInfo>, DecodeError> {
    Ok(if d.get_bool()? {
        Some(NodeInfo::decode(d)?)
    } else {
        None
    })
}

/// The current membership: the view number and every member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub view_number: u64,
    pub members: Vec<NodeInfo>,
}

impl Payload for View {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.view_number)
            .put_vec(&self.members, |e, n| n.encode(e));
    }

    fn decode(d: &mut Decoder<'_>) -> Result<View, DecodeError> {
        Ok(View {
            view_number: d.get_u64()?,
            members: d.get_vec(NODE_INFO_MIN_LEN, NodeInfo::decode)?,
        })
    }
}

/// saClmClusterNodeGet: look a node up (by id, or [`LOCAL_NODE_ID`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeGet {
    pub node_id: u32,
    /// The caller's timeout in SaTimeT nanoseconds (always > 0).
    pub timeout: i64,
}

impl Payload for NodeGet {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.node_id).put_i64(self.timeout);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<NodeGet, DecodeError> {
        Ok(NodeGet {
            node_id: d.get_u32()?,
            timeout: d.get_i64()?,
        })
    }
}

impl Message for NodeGet {
    const SERVICE: u16 = service::CLM;
    const KIND: u16 = kind::NODE_GET;
}

impl Request for NodeGet {
    type Reply = NodeGetReply;
}

/// Reply to [`NodeGet`]. An unknown node is the error
/// SA_AIS_ERR_NOT_EXIST with no payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeGetReply {
    pub node: NodeInfo,
}

impl Payload for NodeGetReply {
    fn encode(&self, e: &mut Encoder) {
        self.node.encode(e);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<NodeGetReply, DecodeError> {
        Ok(NodeGetReply {
            node: NodeInfo::decode(d)?,
        })
    }
}

/// saClmClusterNodeGetAsync: the answer comes as a [`NodeGetCallback`]
/// carrying `invocation`; the reply only acknowledges the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeGetAsync {
    pub invocation: u64,
    pub node_id: u32,
}

impl Payload for NodeGetAsync {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation).put_u32(self.node_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<NodeGetAsync, DecodeError> {
        Ok(NodeGetAsync {
            invocation: d.get_u64()?,
            node_id: d.get_u32()?,
        })
    }
}

impl Message for NodeGetAsync {
    const SERVICE: u16 = service::CLM;
    const KIND: u16 = kind::NODE_GET_ASYNC;
}

impl Request for NodeGetAsync {
    type Reply = ();
}

/// Which membership changes a tracking connection is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackChanges {
    /// No change tracking is started (SA_TRACK_CURRENT alone).
    None = 0,
    /// SA_TRACK_CHANGES: each notification lists every member (changed or
    /// not) plus the nodes that left.
    Changes = 1,
    /// SA_TRACK_CHANGES_ONLY: each notification lists only the nodes that
    /// joined, left or were reconfigured.
    ChangesOnly = 2,
}

impl TrackChanges {
    fn from_wire(v: u8) -> Result<TrackChanges, DecodeError> {
        match v {
            0 => Ok(TrackChanges::None),
            1 => Ok(TrackChanges::Changes),
            2 => Ok(TrackChanges::ChangesOnly),
            _ => Err(DecodeError::InvalidValue {
                field: "track changes",
                value: u64::from(v),
            }),
        }
    }
}

/// Whether and how the current membership (SA_TRACK_CURRENT) is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurrentView {
    /// Not wanted.
    None = 0,
    /// In the [`TrackReply`] (the caller passed a notification buffer).
    InReply = 1,
    /// As one [`TrackCallback`] (no buffer), listing every member with
    /// SA_CLM_NODE_NO_CHANGE.
    AsCallback = 2,
}

impl CurrentView {
    fn from_wire(v: u8) -> Result<CurrentView, DecodeError> {
        match v {
            0 => Ok(CurrentView::None),
            1 => Ok(CurrentView::InReply),
            2 => Ok(CurrentView::AsCallback),
            _ => Err(DecodeError::InvalidValue {
                field: "current view",
                value: u64::from(v),
            }),
        }
    }
}

/// saClmClusterTrack, its flags already validated by the library.
///
/// `changes` other than `None` starts (or changes the mode of) change
/// tracking on this connection. A request with `changes: None` and
/// `current: None` is meaningless: the executive answers
/// SA_AIS_ERR_BAD_FLAGS.
///
/// `max_items` is the caller's buffer size when the view is wanted
/// [`CurrentView::InReply`] (0: no limit, the library allocates). When the
/// view has more members the executive answers SA_AIS_ERR_NO_SPACE and
/// changes nothing (no tracking started), so the call has no side effect;
/// the library then learns the size needed with a plain query
/// (`changes: None, current: InReply, max_items: 0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Track {
    pub changes: TrackChanges,
    pub current: CurrentView,
    pub max_items: u32,
}

impl Payload for Track {
    fn encode(&self, e: &mut Encoder) {
        e.put_u8(self.changes as u8)
            .put_u8(self.current as u8)
            .put_u32(self.max_items);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Track, DecodeError> {
        Ok(Track {
            changes: TrackChanges::from_wire(d.get_u8()?)?,
            current: CurrentView::from_wire(d.get_u8()?)?,
            max_items: d.get_u32()?,
        })
    }
}

impl Message for Track {
    const SERVICE: u16 = service::CLM;
    const KIND: u16 = kind::TRACK;
}

impl Request for Track {
    type Reply = TrackReply;
}

/// Reply to [`Track`]: the view when it was asked for
/// [`CurrentView::InReply`], else `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackReply {
    pub view: Option<View>,
}

impl Payload for TrackReply {
    fn encode(&self, e: &mut Encoder) {
        match &self.view {
            Some(v) => {
                e.put_bool(true);
                v.encode(e);
            }
            None => {
                e.put_bool(false);
            }
        }
    }
    fn decode(d: &mut Decoder<'_>) -> Result<TrackReply, DecodeError> {
        Ok(TrackReply {
            view: if d.get_bool()? {
                Some(View::decode(d)?)
            } else {
                None
            },
        })
    }
}

/// saClmClusterTrackStop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackStop;

impl Payload for TrackStop {
    fn encode(&self, _e: &mut Encoder) {}
    fn decode(_d: &mut Decoder<'_>) -> Result<TrackStop, DecodeError> {
        Ok(TrackStop)
    }
}

impl Message for TrackStop {
    const SERVICE: u16 = service::CLM;
    const KIND: u16 = kind::TRACK_STOP;
}

impl Request for TrackStop {
    type Reply = ();
}

/// One entry of a track notification (SaClmClusterNotificationT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackItem {
    pub node: NodeInfo,
    pub change: ClusterChange,
}

impl Payload for TrackItem {
    fn encode(&self, e: &mut Encoder) {
        self.node.encode(e);
        e.put_u32(self.change.to_wire());
    }
    fn decode(d: &mut Decoder<'_>) -> Result<TrackItem, DecodeError> {
        Ok(TrackItem {
            node: NodeInfo::decode(d)?,
            change: ClusterChange::from_wire(d.get_u32()?)?,
        })
    }
}

/// The SaClmClusterTrackCallbackT arguments: a notification buffer
/// (view number and items) and the number of members of the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackCallback {
    pub view_number: u64,
    pub items: Vec<TrackItem>,
    pub number_of_members: u32,
}

impl Payload for TrackCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.view_number)
            .put_vec(&self.items, |e, it| it.encode(e))
            .put_u32(self.number_of_members);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<TrackCallback, DecodeError> {
        Ok(TrackCallback {
            view_number: d.get_u64()?,
            items: d.get_vec(NODE_INFO_MIN_LEN + 4, TrackItem::decode)?,
            number_of_members: d.get_u32()?,
        })
    }
}

impl Message for TrackCallback {
    const SERVICE: u16 = service::CLM;
    const KIND: u16 = kind::TRACK_CALLBACK;
}

/// The SaClmClusterNodeGetCallbackT arguments for one
/// [`NodeGetAsync`]; `node` is present exactly when the frame's error is
/// SA_AIS_OK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeGetCallback {
    pub invocation: u64,
    pub node: Option<NodeInfo>,
}

impl Payload for NodeGetCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation);
        encode_opt_node(e, &self.node);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<NodeGetCallback, DecodeError> {
        Ok(NodeGetCallback {
            invocation: d.get_u64()?,
            node: decode_opt_node(d)?,
        })
    }
}

impl Message for NodeGetCallback {
    const SERVICE: u16 = service::CLM;
    const KIND: u16 = kind::NODE_GET_CALLBACK;
}

/// Every CLM request, as the executive receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClmRequest {
    NodeGet(NodeGet),
    NodeGetAsync(NodeGetAsync),
    Track(Track),
    TrackStop(TrackStop),
}

impl ClmRequest {
    /// Decodes the payload of a CLM request frame of the given kind.
    pub fn decode(kind: u16, payload: &[u8]) -> Result<ClmRequest, DecodeError> {
        Ok(match kind {
            kind::NODE_GET => ClmRequest::NodeGet(NodeGet::from_payload(payload)?),
            kind::NODE_GET_ASYNC => ClmRequest::NodeGetAsync(NodeGetAsync::from_payload(payload)?),
            kind::TRACK => ClmRequest::Track(Track::from_payload(payload)?),
            kind::TRACK_STOP => ClmRequest::TrackStop(TrackStop::from_payload(payload)?),
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::CLM,
                    kind,
                })
            }
        })
    }

    /// The frame kind of this request.
    pub fn kind(&self) -> u16 {
        match self {
            ClmRequest::NodeGet(_) => kind::NODE_GET,
            ClmRequest::NodeGetAsync(_) => kind::NODE_GET_ASYNC,
            ClmRequest::Track(_) => kind::TRACK,
            ClmRequest::TrackStop(_) => kind::TRACK_STOP,
        }
    }
}

/// Every CLM callback, as the library reads it from the dispatch
/// connection, with the SaAisErrorT of its frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClmCallback {
    Track {
        error: u32,
        notification: TrackCallback,
    },
    NodeGet {
        error: u32,
        result: NodeGetCallback,
    },
}

impl ClmCallback {
    /// Decodes the payload of a CLM callback frame.
    pub fn decode(kind: u16, error: u32, payload: &[u8]) -> Result<ClmCallback, DecodeError> {
        Ok(match kind {
            kind::TRACK_CALLBACK => ClmCallback::Track {
                error,
                notification: TrackCallback::from_payload(payload)?,
            },
            kind::NODE_GET_CALLBACK => ClmCallback::NodeGet {
                error,
                result: NodeGetCallback::from_payload(payload)?,
            },
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::CLM,
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

    fn node(id: u32) -> NodeInfo {
        NodeInfo {
            node_id: id,
            family: AddressFamily::Inet,
            address: b"10.213.1.1".to_vec(),
            name: Name::try_from("node-a").unwrap(),
            member: true,
            boot_timestamp: 1_700_000_000_000_000_000,
            initial_view_number: 8,
        }
    }

    #[test]
    fn requests_round_trip() {
        assert_round_trip(NodeGet {
            node_id: LOCAL_NODE_ID,
            timeout: 5_000_000_000,
        });
        assert_round_trip(NodeGetAsync {
            invocation: 0xabcdef0123,
            node_id: 16897290,
        });
        assert_round_trip(Track {
            changes: TrackChanges::ChangesOnly,
            current: CurrentView::InReply,
            max_items: 64,
        });
    }

    #[test]
    fn replies_and_callbacks_round_trip() {
        assert_round_trip(NodeGetReply { node: node(1) });
        assert_round_trip(TrackReply {
            view: Some(View {
                view_number: 12,
                members: vec![node(1), node(2)],
            }),
        });
        assert_round_trip(TrackReply { view: None });
        assert_round_trip(TrackCallback {
            view_number: 16,
            items: vec![
                TrackItem {
                    node: node(1),
                    change: ClusterChange::NoChange,
                },
                TrackItem {
                    node: NodeInfo {
                        member: false,
                        family: AddressFamily::Inet6,
                        address: b"fe80::1".to_vec(),
                        ..node(2)
                    },
                    change: ClusterChange::Left,
                },
            ],
            number_of_members: 1,
        });
        assert_round_trip(NodeGetCallback {
            invocation: 7,
            node: Some(node(3)),
        });
        assert_round_trip(NodeGetCallback {
            invocation: 7,
            node: None,
        });
    }

    #[test]
    fn enums_dispatch_on_kind() {
        let req = Track {
            changes: TrackChanges::Changes,
            current: CurrentView::None,
            max_items: 0,
        };
        let decoded = ClmRequest::decode(Track::KIND, &req.to_payload()).unwrap();
        assert_eq!(decoded, ClmRequest::Track(req));
        assert_eq!(decoded.kind(), kind::TRACK);
        assert_eq!(
            ClmRequest::decode(TrackStop::KIND, &[]).unwrap(),
            ClmRequest::TrackStop(TrackStop)
        );
        assert!(matches!(
            ClmRequest::decode(99, &[]),
            Err(DecodeError::UnknownKind {
                service: 1,
                kind: 99
            })
        ));

        let cb = NodeGetCallback {
            invocation: 1,
            node: None,
        };
        let decoded = ClmCallback::decode(NodeGetCallback::KIND, 12, &cb.to_payload()).unwrap();
        assert_eq!(
            decoded,
            ClmCallback::NodeGet {
                error: 12,
                result: cb
            }
        );
        assert!(ClmCallback::decode(kind::NODE_GET, 1, &[]).is_err());
    }

    #[test]
    fn invalid_values_are_rejected() {
        let mut bad = node(1).to_payload();
        bad[4] = 9; // address family
        assert!(matches!(
            NodeInfo::from_payload(&bad),
            Err(DecodeError::InvalidValue { .. })
        ));
        assert!(Track::from_payload(&[3, 0, 0, 0, 0, 0]).is_err());
        assert!(Track::from_payload(&[0, 3, 0, 0, 0, 0]).is_err());
        assert!(Track::from_payload(&[1, 1, 0, 0, 0, 0]).is_ok());

        let long_address = NodeInfo {
            address: vec![b'1'; MAX_ADDRESS_LEN + 1],
            ..node(1)
        };
        assert!(matches!(
            NodeInfo::from_payload(&long_address.to_payload()),
            Err(DecodeError::TooLong { .. })
        ));

        let mut bad_change = TrackItem {
            node: node(1),
            change: ClusterChange::Joined,
        }
        .to_payload();
        let n = bad_change.len();
        bad_change[n - 4] = 0;
        assert!(TrackItem::from_payload(&bad_change).is_err());
    }
}

//! CFG: the executive's administrative service, as `openais-cfgtool`
//! uses it: the status of the Totem rings, re-enabling a ring marked
//! faulty, and what the executive runs and was configured with.
//!
//! Versioning: a request kind's payload never changes; what is new comes
//! as a new kind. [`ClusterInfoGet`] (kind 3) is newer than the first two:
//! an executive that predates it drops the connection on it (an unknown
//! kind is a protocol error), which `openais-cfgtool` reports as "not
//! known" instead of failing.

use super::{service, Message, Payload, Request};
use crate::codec::{DecodeError, Decoder, Encoder};

/// Message ids of CFG.
pub mod kind {
    pub const RING_STATUS_GET: u16 = 1;
    pub const RING_REENABLE: u16 = 2;
    pub const CLUSTER_INFO_GET: u16 = 3;
}

/// Most services or configured members a [`ClusterInfoReply`] names.
pub const MAX_LIST_LEN: usize = 1024;

/// Longest text field (an address, a state, a status line).
pub const MAX_TEXT_LEN: usize = 1024;

fn get_text(d: &mut Decoder<'_>, field: &'static str) -> Result<String, DecodeError> {
    let bytes = d.get_bytes_max(field, MAX_TEXT_LEN)?;
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

fn put_text(e: &mut Encoder, text: &str) {
    let bytes = text.as_bytes();
    e.put_bytes(&bytes[..bytes.len().min(MAX_TEXT_LEN)]);
}

/// `openais-cfgtool -s`: the status of every ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingStatusGet;

impl Payload for RingStatusGet {
    fn encode(&self, _e: &mut Encoder) {}
    fn decode(_d: &mut Decoder<'_>) -> Result<RingStatusGet, DecodeError> {
        Ok(RingStatusGet)
    }
}

impl Message for RingStatusGet {
    const SERVICE: u16 = service::CFG;
    const KIND: u16 = kind::RING_STATUS_GET;
}

impl Request for RingStatusGet {
    type Reply = RingStatusReply;
}

/// A member of the installed ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingMember {
    pub node_id: u32,
    /// The address it is reached at, as text; empty when not known yet.
    pub address: String,
}

impl Payload for RingMember {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.node_id);
        put_text(e, &self.address);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<RingMember, DecodeError> {
        Ok(RingMember {
            node_id: d.get_u32()?,
            address: get_text(d, "member address")?,
        })
    }
}

/// One ring's interface, as openais's cfgtool printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingInterface {
    pub ringnumber: u32,
    /// The local address the ring is bound to.
    pub address: String,
    pub faulty: bool,
    /// "ring 0 active with no faults", or what is wrong.
    pub status: String,
}

impl Payload for RingInterface {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.ringnumber);
        put_text(e, &self.address);
        e.put_bool(self.faulty);
        put_text(e, &self.status);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<RingInterface, DecodeError> {
        Ok(RingInterface {
            ringnumber: d.get_u32()?,
            address: get_text(d, "ring address")?,
            faulty: d.get_bool()?,
            status: get_text(d, "ring status")?,
        })
    }
}

/// Reply to [`RingStatusGet`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingStatusReply {
    pub node_id: u32,
    /// The installed ring: its representative and sequence number (both
    /// 0 before the first ring).
    pub ring_rep: u32,
    pub ring_seq: u64,
    /// Totem's membership state: OPERATIONAL, GATHER, COMMIT, RECOVERY.
    pub state: String,
    pub members: Vec<RingMember>,
    pub interfaces: Vec<RingInterface>,
    /// Rings installed since the executive started.
    pub rings_installed: u64,
    /// Datagrams dropped for an invalid digest.
    pub invalid_digests: u64,
    /// Datagrams or packets that did not decode.
    pub malformed: u64,
    /// The quorum (`None` from an executive that does not report it).
    pub quorum: Option<QuorumInfo>,
}

/// Bits of [`QuorumInfo::flags`].
pub mod quorum_flags {
    /// `two_node` is configured.
    pub const TWO_NODE: u32 = 1;
    /// `wait_for_all` still holds the quorum back.
    pub const WAITING_FOR_ALL: u32 = 2;
    /// `last_man_standing` is configured.
    pub const LAST_MAN_STANDING: u32 = 4;
}

/// The quorum of this node's partition, as `openais-cfgtool -s` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QuorumInfo {
    /// `quorum { provider: votes }`; without it the partition is always
    /// quorate and the numbers are 0.
    pub enabled: bool,
    pub quorate: bool,
    /// Members whose votes count.
    pub nodes: u32,
    pub total_votes: u32,
    pub expected_votes: u32,
    /// Votes needed to be quorate.
    pub quorum: u32,
    /// [`quorum_flags`].
    pub flags: u32,
}

impl Payload for QuorumInfo {
    fn encode(&self, e: &mut Encoder) {
        e.put_bool(self.enabled)
            .put_bool(self.quorate)
            .put_u32(self.nodes)
            .put_u32(self.total_votes)
            .put_u32(self.expected_votes)
            .put_u32(self.quorum)
            .put_u32(self.flags);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<QuorumInfo, DecodeError> {
        Ok(QuorumInfo {
            enabled: d.get_bool()?,
            quorate: d.get_bool()?,
            nodes: d.get_u32()?,
            total_votes: d.get_u32()?,
            expected_votes: d.get_u32()?,
            quorum: d.get_u32()?,
            flags: d.get_u32()?,
        })
    }
}

impl Payload for RingStatusReply {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.node_id)
            .put_u32(self.ring_rep)
            .put_u64(self.ring_seq);
        put_text(e, &self.state);
        e.put_vec(&self.members, |e, m| m.encode(e));
        e.put_vec(&self.interfaces, |e, i| i.encode(e));
        e.put_u64(self.rings_installed)
            .put_u64(self.invalid_digests)
            .put_u64(self.malformed);
        if let Some(q) = &self.quorum {
            q.encode(e);
        }
    }
    fn decode(d: &mut Decoder<'_>) -> Result<RingStatusReply, DecodeError> {
        Ok(RingStatusReply {
            node_id: d.get_u32()?,
            ring_rep: d.get_u32()?,
            ring_seq: d.get_u64()?,
            state: get_text(d, "state")?,
            members: d.get_vec(8, RingMember::decode)?,
            interfaces: d.get_vec(13, RingInterface::decode)?,
            rings_installed: d.get_u64()?,
            invalid_digests: d.get_u64()?,
            malformed: d.get_u64()?,
            // Added after the first release: an older executive's reply
            // ends before it.
            quorum: if d.remaining() == 0 {
                None
            } else {
                Some(QuorumInfo::decode(d)?)
            },
        })
    }
}

/// `openais-cfgtool -r`: clear the faulty state of every ring and rejoin
/// the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingReenable;

impl Payload for RingReenable {
    fn encode(&self, _e: &mut Encoder) {}
    fn decode(_d: &mut Decoder<'_>) -> Result<RingReenable, DecodeError> {
        Ok(RingReenable)
    }
}

impl Message for RingReenable {
    const SERVICE: u16 = service::CFG;
    const KIND: u16 = kind::RING_REENABLE;
}

impl Request for RingReenable {
    type Reply = ();
}

/// `openais-cfgtool --status`: the services the executive runs and the
/// cluster it was configured for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterInfoGet;

impl Payload for ClusterInfoGet {
    fn encode(&self, _e: &mut Encoder) {}
    fn decode(_d: &mut Decoder<'_>) -> Result<ClusterInfoGet, DecodeError> {
        Ok(ClusterInfoGet)
    }
}

impl Message for ClusterInfoGet {
    const SERVICE: u16 = service::CFG;
    const KIND: u16 = kind::CLUSTER_INFO_GET;
}

impl Request for ClusterInfoGet {
    type Reply = ClusterInfoReply;
}

/// Reply to [`ClusterInfoGet`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInfoReply {
    /// The services running, by their log names (CLM, CKPT, ... CFG).
    pub services: Vec<String>,
    /// `totem { transport }`: "udp" (multicast) or "udpu".
    pub transport: String,
    /// The `member { memberaddr }` addresses of the configuration (udpu);
    /// empty with multicast, whose members are not configured.
    pub configured_members: Vec<String>,
}

fn put_texts(e: &mut Encoder, texts: &[String]) {
    let texts = &texts[..texts.len().min(MAX_LIST_LEN)];
    e.put_vec(texts, |e, t| put_text(e, t));
}

fn get_texts(d: &mut Decoder<'_>, field: &'static str) -> Result<Vec<String>, DecodeError> {
    let texts = d.get_vec(4, |d| get_text(d, field))?;
    if texts.len() > MAX_LIST_LEN {
        return Err(DecodeError::TooLong {
            field,
            len: texts.len(),
            max: MAX_LIST_LEN,
        });
    }
    Ok(texts)
}

impl Payload for ClusterInfoReply {
    fn encode(&self, e: &mut Encoder) {
        put_texts(e, &self.services);
        put_text(e, &self.transport);
        put_texts(e, &self.configured_members);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<ClusterInfoReply, DecodeError> {
        Ok(ClusterInfoReply {
            services: get_texts(d, "service name")?,
            transport: get_text(d, "transport")?,
            configured_members: get_texts(d, "configured member")?,
        })
    }
}

/// Every CFG request, as the executive receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CfgRequest {
    RingStatusGet(RingStatusGet),
    RingReenable(RingReenable),
    ClusterInfoGet(ClusterInfoGet),
}

impl CfgRequest {
    /// Decodes the payload of a CFG request frame of the given kind.
    pub fn decode(kind: u16, payload: &[u8]) -> Result<CfgRequest, DecodeError> {
        Ok(match kind {
            kind::RING_STATUS_GET => {
                CfgRequest::RingStatusGet(RingStatusGet::from_payload(payload)?)
            }
            kind::RING_REENABLE => CfgRequest::RingReenable(RingReenable::from_payload(payload)?),
            kind::CLUSTER_INFO_GET => {
                CfgRequest::ClusterInfoGet(ClusterInfoGet::from_payload(payload)?)
            }
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::CFG,
                    kind,
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips() {
        let reply = RingStatusReply {
            node_id: 16777343,
            ring_rep: 16777343,
            ring_seq: 12,
            state: "OPERATIONAL".into(),
            members: vec![
                RingMember {
                    node_id: 16777343,
                    address: "127.0.0.1".into(),
                },
                RingMember {
                    node_id: 33554559,
                    address: String::new(),
                },
            ],
            interfaces: vec![RingInterface {
                ringnumber: 0,
                address: "127.0.0.1".into(),
                faulty: false,
                status: "ring 0 active with no faults".into(),
            }],
            rings_installed: 3,
            invalid_digests: 7,
            malformed: 1,
            quorum: None,
        };
        let bytes = reply.to_payload();
        assert_eq!(RingStatusReply::from_payload(&bytes).unwrap(), reply);
        for cut in 0..bytes.len() {
            assert!(RingStatusReply::from_payload(&bytes[..cut]).is_err());
        }
        let with_quorum = RingStatusReply {
            quorum: Some(QuorumInfo {
                enabled: true,
                quorate: true,
                nodes: 3,
                total_votes: 3,
                expected_votes: 5,
                quorum: 3,
                flags: quorum_flags::LAST_MAN_STANDING,
            }),
            ..reply
        };
        let longer = with_quorum.to_payload();
        assert_eq!(longer.len(), bytes.len() + 22);
        assert_eq!(RingStatusReply::from_payload(&longer).unwrap(), with_quorum);
        // a cut inside the quorum is an error, a cut before it is an
        // older executive's reply
        for cut in bytes.len() + 1..longer.len() {
            assert!(RingStatusReply::from_payload(&longer[..cut]).is_err());
        }
    }

    #[test]
    fn cluster_info_round_trips() {
        let reply = ClusterInfoReply {
            services: vec!["CLM".into(), "CKPT".into(), "CFG".into()],
            transport: "udpu".into(),
            configured_members: vec!["10.0.0.1".into(), "10.0.0.2".into()],
        };
        let bytes = reply.to_payload();
        assert_eq!(ClusterInfoReply::from_payload(&bytes).unwrap(), reply);
        for cut in 0..bytes.len() {
            assert!(ClusterInfoReply::from_payload(&bytes[..cut]).is_err());
        }
        assert_eq!(
            CfgRequest::decode(kind::CLUSTER_INFO_GET, &[]).unwrap(),
            CfgRequest::ClusterInfoGet(ClusterInfoGet)
        );
    }

    #[test]
    fn requests_decode_by_kind() {
        assert_eq!(
            CfgRequest::decode(kind::RING_STATUS_GET, &[]).unwrap(),
            CfgRequest::RingStatusGet(RingStatusGet)
        );
        assert_eq!(
            CfgRequest::decode(kind::RING_REENABLE, &[]).unwrap(),
            CfgRequest::RingReenable(RingReenable)
        );
        assert!(CfgRequest::decode(9, &[]).is_err());
        assert!(CfgRequest::decode(kind::RING_REENABLE, &[1]).is_err());
    }
}

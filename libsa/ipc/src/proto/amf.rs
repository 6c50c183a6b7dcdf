//! Availability Management Framework (AMF) messages.
//!
//! Requests (library -> executive):
//!
//! | kind | request             | reply payload |
//! |-----:|---------------------|---------------|
//! | 1    | [`Register`]        | `()`; SA_AIS_ERR_NOT_EXIST for a component amf.conf does not name or that is not hosted on this node, SA_AIS_ERR_EXIST when already registered |
//! | 2    | [`Unregister`]      | `()`; SA_AIS_ERR_NOT_EXIST when this connection did not register it |
//! | 3    | [`HaStateGet`]      | [`HaStateReply`]; SA_AIS_ERR_NOT_EXIST when the CSI is not assigned to the component |
//! | 4    | [`Response`]        | `()`; SA_AIS_ERR_INVALID_PARAM for an invocation this connection does not owe |
//! | 5    | [`ErrorReport`]     | `()`; SA_AIS_ERR_NOT_EXIST for an unknown component |
//! | 6    | [`ErrorClear`]      | `()`; SA_AIS_ERR_NOT_EXIST for an unknown component |
//! | 7    | [`Status`]          | [`StatusReply`]: the operator view |
//! | 8    | [`HealthcheckStart`] | `()`; SA_AIS_ERR_NOT_EXIST for a component not hosted here or a key amf.conf does not give it, SA_AIS_ERR_EXIST when started |
//! | 9    | [`HealthcheckConfirm`] | `()`; SA_AIS_ERR_NOT_EXIST when not started |
//! | 10   | [`HealthcheckStop`] | `()`; SA_AIS_ERR_NOT_EXIST when not started |
//! | 11   | [`PmStart`]         | `()`; SA_AIS_ERR_NOT_EXIST for a component not hosted here or no such process, SA_AIS_ERR_EXIST when monitored |
//! | 12   | [`PmStop`]          | `()`; SA_AIS_ERR_NOT_EXIST when nothing matched |
//! | 13   | [`PgTrack`]         | [`PgTrackReply`] (the members with `current`); SA_AIS_ERR_NOT_EXIST for an unknown CSI |
//! | 14   | [`PgTrackStop`]     | `()`; SA_AIS_ERR_NOT_EXIST when not tracking |
//!
//! Callbacks (executive -> library, dispatch connection):
//!
//! | kind | callback          |
//! |-----:|-------------------|
//! | 0x81 | [`CsiSetCallback`] |
//! | 0x82 | [`CsiRemoveCallback`] |
//! | 0x83 | [`TerminateCallback`] |
//! | 0x84 | [`HealthcheckCallback`] |
//! | 0x85 | [`PgTrackCallback`] |

use super::{service, Message, Payload, Request};
use crate::codec::{DecodeError, Decoder, Encoder, Name};

pub mod kind {
    pub const REGISTER: u16 = 1;
    pub const UNREGISTER: u16 = 2;
    pub const HA_STATE_GET: u16 = 3;
    pub const RESPONSE: u16 = 4;
    pub const ERROR_REPORT: u16 = 5;
    pub const ERROR_CLEAR: u16 = 6;
    pub const STATUS: u16 = 7;
    pub const HEALTHCHECK_START: u16 = 8;
    pub const HEALTHCHECK_CONFIRM: u16 = 9;
    pub const HEALTHCHECK_STOP: u16 = 10;
    pub const PM_START: u16 = 11;
    pub const PM_STOP: u16 = 12;
    pub const PG_TRACK: u16 = 13;
    pub const PG_TRACK_STOP: u16 = 14;
    pub const REGISTER_PROXIED: u16 = 15;
    pub const CSI_SET_CALLBACK: u16 = 0x81;
    pub const CSI_REMOVE_CALLBACK: u16 = 0x82;
    pub const TERMINATE_CALLBACK: u16 = 0x83;
    pub const HEALTHCHECK_CALLBACK: u16 = 0x84;
    pub const PG_TRACK_CALLBACK: u16 = 0x85;
    pub const PROXIED_INSTANTIATE_CALLBACK: u16 = 0x86;
    pub const PROXIED_CLEANUP_CALLBACK: u16 = 0x87;
}

/// Longest CSI attribute name or value carried (bytes, no NUL).
pub const MAX_ATTR_LEN: usize = 4096;

/// Longest healthcheck key (SA_AMF_HEALTHCHECK_KEY_MAX).
pub const MAX_KEY_LEN: usize = 32;

macro_rules! request {
    ($t:ident, $kind:expr, $reply:ty) => {
        impl Message for $t {
            const SERVICE: u16 = service::AMF;
            const KIND: u16 = $kind;
        }
        impl Request for $t {
            type Reply = $reply;
        }
    };
}

macro_rules! callback {
    ($t:ident, $kind:expr) => {
        impl Message for $t {
            const SERVICE: u16 = service::AMF;
            const KIND: u16 = $kind;
        }
    };
}

/// saAmfComponentRegister of a component by itself (no proxy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    pub comp: Name,
}

impl Payload for Register {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.comp);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Register, DecodeError> {
        Ok(Register {
            comp: d.get_name()?,
        })
    }
}
request!(Register, kind::REGISTER, ());

/// saAmfComponentRegister with `proxyCompName`: proxy component `proxy`,
/// registered through this connection, registers proxied component
/// `comp`, whose callbacks then come to this connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterProxied {
    pub comp: Name,
    pub proxy: Name,
}

impl Payload for RegisterProxied {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.comp).put_name(&self.proxy);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<RegisterProxied, DecodeError> {
        Ok(RegisterProxied {
            comp: d.get_name()?,
            proxy: d.get_name()?,
        })
    }
}
request!(RegisterProxied, kind::REGISTER_PROXIED, ());

/// saAmfComponentUnregister.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unregister {
    pub comp: Name,
}

impl Payload for Unregister {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.comp);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Unregister, DecodeError> {
        Ok(Unregister {
            comp: d.get_name()?,
        })
    }
}
request!(Unregister, kind::UNREGISTER, ());

/// saAmfHAStateGet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaStateGet {
    pub comp: Name,
    pub csi: Name,
}

impl Payload for HaStateGet {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.comp).put_name(&self.csi);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<HaStateGet, DecodeError> {
        Ok(HaStateGet {
            comp: d.get_name()?,
            csi: d.get_name()?,
        })
    }
}
request!(HaStateGet, kind::HA_STATE_GET, HaStateReply);

/// The SaAmfHAStateT of a component for a CSI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HaStateReply {
    pub ha_state: u32,
}

impl Payload for HaStateReply {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.ha_state);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<HaStateReply, DecodeError> {
        Ok(HaStateReply {
            ha_state: d.get_u32()?,
        })
    }
}

/// saAmfResponse (and saAmfCSIQuiescingComplete, `quiescing_complete`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    pub invocation: u64,
    pub error: u32,
    pub quiescing_complete: bool,
}

impl Payload for Response {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation)
            .put_u32(self.error)
            .put_bool(self.quiescing_complete);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Response, DecodeError> {
        Ok(Response {
            invocation: d.get_u64()?,
            error: d.get_u32()?,
            quiescing_complete: d.get_bool()?,
        })
    }
}
request!(Response, kind::RESPONSE, ());

/// saAmfComponentErrorReport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReport {
    pub comp: Name,
    pub detection_time: i64,
    pub recovery: u32,
}

impl Payload for ErrorReport {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.comp)
            .put_i64(self.detection_time)
            .put_u32(self.recovery);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<ErrorReport, DecodeError> {
        Ok(ErrorReport {
            comp: d.get_name()?,
            detection_time: d.get_i64()?,
            recovery: d.get_u32()?,
        })
    }
}
request!(ErrorReport, kind::ERROR_REPORT, ());

/// saAmfComponentErrorClear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorClear {
    pub comp: Name,
}

impl Payload for ErrorClear {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.comp);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<ErrorClear, DecodeError> {
        Ok(ErrorClear {
            comp: d.get_name()?,
        })
    }
}
request!(ErrorClear, kind::ERROR_CLEAR, ());

/// The operator view (openais-amftool): every entity and its states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status;

impl Payload for Status {
    fn encode(&self, _e: &mut Encoder) {}
    fn decode(_d: &mut Decoder<'_>) -> Result<Status, DecodeError> {
        Ok(Status)
    }
}
request!(Status, kind::STATUS, StatusReply);

/// The operator view as text lines, one entity a line (the executive
/// formats it, so the tool and the test read the same thing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReply {
    pub lines: Vec<Vec<u8>>,
}

impl Payload for StatusReply {
    fn encode(&self, e: &mut Encoder) {
        e.put_vec(&self.lines, |e, l| {
            e.put_bytes(l);
        });
    }
    fn decode(d: &mut Decoder<'_>) -> Result<StatusReply, DecodeError> {
        Ok(StatusReply {
            lines: d.get_vec(4, |d| d.get_bytes().map(<[u8]>::to_vec))?,
        })
    }
}

/// One CSI attribute: name and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsiAttr {
    pub name: Vec<u8>,
    pub value: Vec<u8>,
}

/// The saAmfCSISetCallback: SaAmfCSIDescriptorT and the HA state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsiSetCallback {
    pub invocation: u64,
    pub comp: Name,
    pub ha_state: u32,
    /// SaAmfCSIFlagsT: SA_AMF_CSI_ADD_ONE, TARGET_ONE or TARGET_ALL.
    pub flags: u32,
    /// Empty with SA_AMF_CSI_TARGET_ALL.
    pub csi: Name,
    /// ACTIVE: SaAmfCSITransitionDescriptorT; otherwise 0.
    pub transition: u32,
    /// ACTIVE: the previously active component (when any); STANDBY: the
    /// active component.
    pub active_comp: Name,
    /// STANDBY: this standby's rank (1 is the first).
    pub standby_rank: u32,
    /// ADD_ONE: the CSI's attributes.
    pub attrs: Vec<CsiAttr>,
}

impl Payload for CsiSetCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation)
            .put_name(&self.comp)
            .put_u32(self.ha_state)
            .put_u32(self.flags)
            .put_name(&self.csi)
            .put_u32(self.transition)
            .put_name(&self.active_comp)
            .put_u32(self.standby_rank)
            .put_vec(&self.attrs, |e, a| {
                e.put_bytes(&a.name).put_bytes(&a.value);
            });
    }
    fn decode(d: &mut Decoder<'_>) -> Result<CsiSetCallback, DecodeError> {
        Ok(CsiSetCallback {
            invocation: d.get_u64()?,
            comp: d.get_name()?,
            ha_state: d.get_u32()?,
            flags: d.get_u32()?,
            csi: d.get_name()?,
            transition: d.get_u32()?,
            active_comp: d.get_name()?,
            standby_rank: d.get_u32()?,
            attrs: d.get_vec(8, |d| {
                Ok(CsiAttr {
                    name: d
                        .get_bytes_max("CSI attribute name", MAX_ATTR_LEN)?
                        .to_vec(),
                    value: d
                        .get_bytes_max("CSI attribute value", MAX_ATTR_LEN)?
                        .to_vec(),
                })
            })?,
        })
    }
}
callback!(CsiSetCallback, kind::CSI_SET_CALLBACK);

/// The saAmfCSIRemoveCallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsiRemoveCallback {
    pub invocation: u64,
    pub comp: Name,
    pub csi: Name,
    pub flags: u32,
}

impl Payload for CsiRemoveCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation)
            .put_name(&self.comp)
            .put_name(&self.csi)
            .put_u32(self.flags);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<CsiRemoveCallback, DecodeError> {
        Ok(CsiRemoveCallback {
            invocation: d.get_u64()?,
            comp: d.get_name()?,
            csi: d.get_name()?,
            flags: d.get_u32()?,
        })
    }
}
callback!(CsiRemoveCallback, kind::CSI_REMOVE_CALLBACK);

/// The saAmfComponentTerminateCallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminateCallback {
    pub invocation: u64,
    pub comp: Name,
}

impl Payload for TerminateCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation).put_name(&self.comp);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<TerminateCallback, DecodeError> {
        Ok(TerminateCallback {
            invocation: d.get_u64()?,
            comp: d.get_name()?,
        })
    }
}
callback!(TerminateCallback, kind::TERMINATE_CALLBACK);

/// The saAmfExternalComponentInstantiateCallback (`cleanup` false) or
/// saAmfExternalComponentCleanupCallback (`cleanup` true) a proxy gets
/// for the proxied component `comp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxiedCallback {
    pub invocation: u64,
    pub comp: Name,
}

impl Payload for ProxiedCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation).put_name(&self.comp);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<ProxiedCallback, DecodeError> {
        Ok(ProxiedCallback {
            invocation: d.get_u64()?,
            comp: d.get_name()?,
        })
    }
}

/// saAmfHealthcheckStart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthcheckStart {
    pub comp: Name,
    pub key: Vec<u8>,
    /// SaAmfHealthcheckInvocationT.
    pub invocation_type: u32,
    pub recovery: u32,
}

impl Payload for HealthcheckStart {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.comp)
            .put_bytes(&self.key)
            .put_u32(self.invocation_type)
            .put_u32(self.recovery);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<HealthcheckStart, DecodeError> {
        Ok(HealthcheckStart {
            comp: d.get_name()?,
            key: d.get_bytes_max("healthcheck key", MAX_KEY_LEN)?.to_vec(),
            invocation_type: d.get_u32()?,
            recovery: d.get_u32()?,
        })
    }
}
request!(HealthcheckStart, kind::HEALTHCHECK_START, ());

/// saAmfHealthcheckConfirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthcheckConfirm {
    pub comp: Name,
    pub key: Vec<u8>,
    /// SA_AIS_OK: healthy; anything else: the component failed.
    pub result: u32,
}

impl Payload for HealthcheckConfirm {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.comp)
            .put_bytes(&self.key)
            .put_u32(self.result);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<HealthcheckConfirm, DecodeError> {
        Ok(HealthcheckConfirm {
            comp: d.get_name()?,
            key: d.get_bytes_max("healthcheck key", MAX_KEY_LEN)?.to_vec(),
            result: d.get_u32()?,
        })
    }
}
request!(HealthcheckConfirm, kind::HEALTHCHECK_CONFIRM, ());

/// saAmfHealthcheckStop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthcheckStop {
    pub comp: Name,
    pub key: Vec<u8>,
}

impl Payload for HealthcheckStop {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.comp).put_bytes(&self.key);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<HealthcheckStop, DecodeError> {
        Ok(HealthcheckStop {
            comp: d.get_name()?,
            key: d.get_bytes_max("healthcheck key", MAX_KEY_LEN)?.to_vec(),
        })
    }
}
request!(HealthcheckStop, kind::HEALTHCHECK_STOP, ());

/// saAmfPmStart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PmStart {
    pub comp: Name,
    pub pid: u64,
    pub depth: i32,
    /// SaAmfPmErrorsT.
    pub errors: u32,
    pub recovery: u32,
}

impl Payload for PmStart {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.comp)
            .put_u64(self.pid)
            .put_u32(self.depth as u32)
            .put_u32(self.errors)
            .put_u32(self.recovery);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<PmStart, DecodeError> {
        Ok(PmStart {
            comp: d.get_name()?,
            pid: d.get_u64()?,
            depth: d.get_u32()? as i32,
            errors: d.get_u32()?,
            recovery: d.get_u32()?,
        })
    }
}
request!(PmStart, kind::PM_START, ());

/// saAmfPmStop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PmStop {
    pub comp: Name,
    /// SaAmfPmStopQualifierT.
    pub qualifier: u32,
    pub pid: i64,
    pub errors: u32,
}

impl Payload for PmStop {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.comp)
            .put_u32(self.qualifier)
            .put_i64(self.pid)
            .put_u32(self.errors);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<PmStop, DecodeError> {
        Ok(PmStop {
            comp: d.get_name()?,
            qualifier: d.get_u32()?,
            pid: d.get_i64()?,
            errors: d.get_u32()?,
        })
    }
}
request!(PmStop, kind::PM_STOP, ());

/// saAmfProtectionGroupTrack. `changes`: 0 none, SA_TRACK_CHANGES or
/// SA_TRACK_CHANGES_ONLY; `current`: 0 none, 1 in the reply, 2 as a
/// callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgTrack {
    pub csi: Name,
    pub changes: u8,
    pub current: u8,
}

/// [`PgTrack::current`] values.
pub const PG_CURRENT_NONE: u8 = 0;
pub const PG_CURRENT_IN_REPLY: u8 = 1;
pub const PG_CURRENT_AS_CALLBACK: u8 = 2;

impl Payload for PgTrack {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.csi)
            .put_u8(self.changes)
            .put_u8(self.current);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<PgTrack, DecodeError> {
        Ok(PgTrack {
            csi: d.get_name()?,
            changes: d.get_u8()?,
            current: d.get_u8()?,
        })
    }
}
request!(PgTrack, kind::PG_TRACK, PgTrackReply);

/// One protection group member and its change
/// (SaAmfProtectionGroupChangesT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgMember {
    pub comp: Name,
    pub ha_state: u32,
    pub rank: u32,
    pub change: u32,
}

fn put_members(e: &mut Encoder, members: &[PgMember]) {
    e.put_vec(members, |e, m| {
        e.put_name(&m.comp)
            .put_u32(m.ha_state)
            .put_u32(m.rank)
            .put_u32(m.change);
    });
}

fn get_members(d: &mut Decoder<'_>) -> Result<Vec<PgMember>, DecodeError> {
    d.get_vec(16, |d| {
        Ok(PgMember {
            comp: d.get_name()?,
            ha_state: d.get_u32()?,
            rank: d.get_u32()?,
            change: d.get_u32()?,
        })
    })
}

/// The current members (empty unless asked for in the reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgTrackReply {
    pub members: Vec<PgMember>,
}

impl Payload for PgTrackReply {
    fn encode(&self, e: &mut Encoder) {
        put_members(e, &self.members);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<PgTrackReply, DecodeError> {
        Ok(PgTrackReply {
            members: get_members(d)?,
        })
    }
}

/// saAmfProtectionGroupTrackStop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgTrackStop {
    pub csi: Name,
}

impl Payload for PgTrackStop {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.csi);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<PgTrackStop, DecodeError> {
        Ok(PgTrackStop { csi: d.get_name()? })
    }
}
request!(PgTrackStop, kind::PG_TRACK_STOP, ());

/// The saAmfHealthcheckCallback (AMF-invoked healthchecks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthcheckCallback {
    pub invocation: u64,
    pub comp: Name,
    pub key: Vec<u8>,
}

impl Payload for HealthcheckCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation)
            .put_name(&self.comp)
            .put_bytes(&self.key);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<HealthcheckCallback, DecodeError> {
        Ok(HealthcheckCallback {
            invocation: d.get_u64()?,
            comp: d.get_name()?,
            key: d.get_bytes_max("healthcheck key", MAX_KEY_LEN)?.to_vec(),
        })
    }
}
callback!(HealthcheckCallback, kind::HEALTHCHECK_CALLBACK);

/// The saAmfProtectionGroupTrackCallback: the items delivered and the
/// number of members the group has now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgTrackCallback {
    pub csi: Name,
    pub members: Vec<PgMember>,
    pub number_of_members: u32,
}

impl Payload for PgTrackCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.csi);
        put_members(e, &self.members);
        e.put_u32(self.number_of_members);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<PgTrackCallback, DecodeError> {
        Ok(PgTrackCallback {
            csi: d.get_name()?,
            members: get_members(d)?,
            number_of_members: d.get_u32()?,
        })
    }
}
callback!(PgTrackCallback, kind::PG_TRACK_CALLBACK);

/// Every AMF request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmfRequest {
    Register(Register),
    RegisterProxied(RegisterProxied),
    Unregister(Unregister),
    HaStateGet(HaStateGet),
    Response(Response),
    ErrorReport(ErrorReport),
    ErrorClear(ErrorClear),
    Status(Status),
    HealthcheckStart(HealthcheckStart),
    HealthcheckConfirm(HealthcheckConfirm),
    HealthcheckStop(HealthcheckStop),
    PmStart(PmStart),
    PmStop(PmStop),
    PgTrack(PgTrack),
    PgTrackStop(PgTrackStop),
}

impl AmfRequest {
    pub fn decode(kind: u16, payload: &[u8]) -> Result<AmfRequest, DecodeError> {
        Ok(match kind {
            kind::REGISTER => AmfRequest::Register(Register::from_payload(payload)?),
            kind::REGISTER_PROXIED => {
                AmfRequest::RegisterProxied(RegisterProxied::from_payload(payload)?)
            }
            kind::UNREGISTER => AmfRequest::Unregister(Unregister::from_payload(payload)?),
            kind::HA_STATE_GET => AmfRequest::HaStateGet(HaStateGet::from_payload(payload)?),
            kind::RESPONSE => AmfRequest::Response(Response::from_payload(payload)?),
            kind::ERROR_REPORT => AmfRequest::ErrorReport(ErrorReport::from_payload(payload)?),
            kind::ERROR_CLEAR => AmfRequest::ErrorClear(ErrorClear::from_payload(payload)?),
            kind::STATUS => AmfRequest::Status(Status::from_payload(payload)?),
            kind::HEALTHCHECK_START => {
                AmfRequest::HealthcheckStart(HealthcheckStart::from_payload(payload)?)
            }
            kind::HEALTHCHECK_CONFIRM => {
                AmfRequest::HealthcheckConfirm(HealthcheckConfirm::from_payload(payload)?)
            }
            kind::HEALTHCHECK_STOP => {
                AmfRequest::HealthcheckStop(HealthcheckStop::from_payload(payload)?)
            }
            kind::PM_START => AmfRequest::PmStart(PmStart::from_payload(payload)?),
            kind::PM_STOP => AmfRequest::PmStop(PmStop::from_payload(payload)?),
            kind::PG_TRACK => AmfRequest::PgTrack(PgTrack::from_payload(payload)?),
            kind::PG_TRACK_STOP => AmfRequest::PgTrackStop(PgTrackStop::from_payload(payload)?),
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::AMF,
                    kind,
                })
            }
        })
    }
}

/// Every AMF callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmfCallback {
    CsiSet(CsiSetCallback),
    CsiRemove(CsiRemoveCallback),
    Terminate(TerminateCallback),
    Healthcheck(HealthcheckCallback),
    PgTrack(PgTrackCallback),
    ProxiedInstantiate(ProxiedCallback),
    ProxiedCleanup(ProxiedCallback),
}

impl AmfCallback {
    pub fn decode(kind: u16, payload: &[u8]) -> Result<AmfCallback, DecodeError> {
        Ok(match kind {
            kind::CSI_SET_CALLBACK => AmfCallback::CsiSet(CsiSetCallback::from_payload(payload)?),
            kind::CSI_REMOVE_CALLBACK => {
                AmfCallback::CsiRemove(CsiRemoveCallback::from_payload(payload)?)
            }
            kind::TERMINATE_CALLBACK => {
                AmfCallback::Terminate(TerminateCallback::from_payload(payload)?)
            }
            kind::HEALTHCHECK_CALLBACK => {
                AmfCallback::Healthcheck(HealthcheckCallback::from_payload(payload)?)
            }
            kind::PG_TRACK_CALLBACK => {
                AmfCallback::PgTrack(PgTrackCallback::from_payload(payload)?)
            }
            kind::PROXIED_INSTANTIATE_CALLBACK => {
                AmfCallback::ProxiedInstantiate(ProxiedCallback::from_payload(payload)?)
            }
            kind::PROXIED_CLEANUP_CALLBACK => {
                AmfCallback::ProxiedCleanup(ProxiedCallback::from_payload(payload)?)
            }
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::AMF,
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

    fn name(s: &str) -> Name {
        Name::new(s.as_bytes()).unwrap()
    }

    #[test]
    fn round_trips() {
        assert_round_trip(Register {
            comp: name("safComp=a"),
        });
        assert_round_trip(RegisterProxied {
            comp: name("safComp=x"),
            proxy: name("safComp=p"),
        });
        assert_round_trip(ProxiedCallback {
            invocation: 9,
            comp: name("safComp=x"),
        });
        assert_round_trip(HaStateGet {
            comp: name("c"),
            csi: name("i"),
        });
        assert_round_trip(Response {
            invocation: 7,
            error: 1,
            quiescing_complete: true,
        });
        assert_round_trip(ErrorReport {
            comp: name("c"),
            detection_time: 5,
            recovery: 2,
        });
        assert_round_trip(StatusReply {
            lines: vec![b"SG x".to_vec(), Vec::new()],
        });
        assert_round_trip(CsiSetCallback {
            invocation: 1,
            comp: name("c"),
            ha_state: 1,
            flags: 1,
            csi: name("i"),
            transition: 1,
            active_comp: name(""),
            standby_rank: 0,
            attrs: vec![CsiAttr {
                name: b"port".to_vec(),
                value: b"8080".to_vec(),
            }],
        });
        assert_round_trip(CsiRemoveCallback {
            invocation: 2,
            comp: name("c"),
            csi: name("i"),
            flags: 2,
        });
        assert_round_trip(TerminateCallback {
            invocation: 3,
            comp: name("c"),
        });
        assert_round_trip(HealthcheckStart {
            comp: name("c"),
            key: b"alive".to_vec(),
            invocation_type: 2,
            recovery: 1,
        });
        assert_round_trip(PmStart {
            comp: name("c"),
            pid: 42,
            depth: -1,
            errors: 2,
            recovery: 1,
        });
        assert_round_trip(PmStop {
            comp: name("c"),
            qualifier: 3,
            pid: -1,
            errors: 6,
        });
        assert_round_trip(PgTrackCallback {
            csi: name("i"),
            members: vec![PgMember {
                comp: name("c"),
                ha_state: 1,
                rank: 0,
                change: 4,
            }],
            number_of_members: 1,
        });
    }
}

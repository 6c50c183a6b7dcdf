//! Lock service (LCK) messages.
//!
//! A library handle opens lock resources on its connection; each opening
//! is named by an `open_id` and each lock request by a `lock_id`, both
//! chosen by the library (unique on its connection; the library uses the
//! C handles it returns). The executive keys its records by (node,
//! connection, id), so an id means something only on its connection.
//!
//! Requests (library -> executive, on the request connection):
//!
//! | kind | request          | reply payload (when SA_AIS_OK)                    |
//! |-----:|------------------|---------------------------------------------------|
//! | 1    | [`Open`]         | `()`                                              |
//! | 2    | [`OpenAsync`]    | `()`; an [`OpenCallback`] follows                 |
//! | 3    | [`Close`]        | `()`                                              |
//! | 4    | [`Lock`]         | [`LockReply`]: the lock status                    |
//! | 5    | [`LockAsync`]    | `()`; a [`GrantCallback`] follows                 |
//! | 6    | [`Unlock`]       | `()`                                              |
//! | 7    | [`UnlockAsync`]  | `()`; an [`UnlockCallback`] follows               |
//! | 8    | [`Purge`]        | `()`                                              |
//!
//! Callbacks (executive -> library, on the dispatch connection, seq 0, the
//! frame's `error` is the SaAisErrorT handed to the C callback):
//!
//! | kind | callback            |
//! |-----:|---------------------|
//! | 0x81 | [`OpenCallback`]    |
//! | 0x82 | [`GrantCallback`]   |
//! | 0x83 | [`WaiterCallback`]  |
//! | 0x84 | [`UnlockCallback`]  |
//!
//! A lock request answered SA_AIS_OK carries a status (granted, not
//! queued, deadlock, ...), as saLckResourceLock's `lockStatus`. A waiting
//! request ends with its grant, or with an error: SA_AIS_ERR_TIMEOUT (its
//! timeout passed and it was withdrawn), SA_AIS_ERR_INTERRUPT (withdrawn
//! by an unlock of its id), SA_AIS_ERR_BAD_HANDLE (its resource handle
//! was closed), SA_AIS_ERR_TRY_AGAIN (dropped by a partition merge).
//!
//! The library validates the C arguments and the executive validates each
//! request again: it never trusts a client.

use sa_abi::lck::{
    SA_LCK_EX_LOCK_MODE, SA_LCK_LOCK_NO_QUEUE, SA_LCK_LOCK_ORPHAN, SA_LCK_PR_LOCK_MODE,
    SA_LCK_RESOURCE_CREATE,
};

use super::{service, Message, Payload, Request};
use crate::codec::{DecodeError, Decoder, Encoder, Name};

/// Message ids of the LCK service.
pub mod kind {
    pub const OPEN: u16 = 1;
    pub const OPEN_ASYNC: u16 = 2;
    pub const CLOSE: u16 = 3;
    pub const LOCK: u16 = 4;
    pub const LOCK_ASYNC: u16 = 5;
    pub const UNLOCK: u16 = 6;
    pub const UNLOCK_ASYNC: u16 = 7;
    pub const PURGE: u16 = 8;
    pub const OPEN_CALLBACK: u16 = 0x81;
    pub const GRANT_CALLBACK: u16 = 0x82;
    pub const WAITER_CALLBACK: u16 = 0x83;
    pub const UNLOCK_CALLBACK: u16 = 0x84;
}

/// Every resource open flag B.01.01 defines.
pub const OPEN_FLAGS: u32 = SA_LCK_RESOURCE_CREATE;

/// Every lock flag B.01.01 defines.
pub const LOCK_FLAGS: u32 = SA_LCK_LOCK_NO_QUEUE | SA_LCK_LOCK_ORPHAN;

/// A lock mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// SA_LCK_PR_LOCK_MODE: shared with other PR locks.
    Pr,
    /// SA_LCK_EX_LOCK_MODE: alone.
    Ex,
}

impl Mode {
    /// The mode of a SaLckLockModeT, if it is one.
    pub fn from_sa(v: u32) -> Option<Mode> {
        match v {
            SA_LCK_PR_LOCK_MODE => Some(Mode::Pr),
            SA_LCK_EX_LOCK_MODE => Some(Mode::Ex),
            _ => None,
        }
    }

    /// The SaLckLockModeT value.
    pub fn to_sa(self) -> u32 {
        match self {
            Mode::Pr => SA_LCK_PR_LOCK_MODE,
            Mode::Ex => SA_LCK_EX_LOCK_MODE,
        }
    }

    /// Whether a lock of this mode and one of `other` can be held at once.
    pub fn compatible(self, other: Mode) -> bool {
        self == Mode::Pr && other == Mode::Pr
    }

    pub fn encode(self, e: &mut Encoder) {
        e.put_u32(self.to_sa());
    }

    pub fn decode(d: &mut Decoder<'_>) -> Result<Mode, DecodeError> {
        let v = d.get_u32()?;
        Mode::from_sa(v).ok_or(DecodeError::InvalidValue {
            field: "lock mode",
            value: u64::from(v),
        })
    }
}

macro_rules! message {
    ($t:ty, $kind:expr) => {
        impl Message for $t {
            const SERVICE: u16 = service::LCK;
            const KIND: u16 = $kind;
        }
    };
}

/// saLckResourceOpen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    pub open_id: u64,
    pub name: Name,
    pub flags: u32,
}

impl Payload for Open {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.open_id)
            .put_name(&self.name)
            .put_u32(self.flags);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Open, DecodeError> {
        Ok(Open {
            open_id: d.get_u64()?,
            name: d.get_name()?,
            flags: d.get_u32()?,
        })
    }
}
message!(Open, kind::OPEN);
impl Request for Open {
    type Reply = ();
}

/// saLckResourceOpenAsync: the result comes as an [`OpenCallback`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAsync {
    pub invocation: u64,
    pub open: Open,
}

impl Payload for OpenAsync {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation);
        self.open.encode(e);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<OpenAsync, DecodeError> {
        Ok(OpenAsync {
            invocation: d.get_u64()?,
            open: Open::decode(d)?,
        })
    }
}
message!(OpenAsync, kind::OPEN_ASYNC);
impl Request for OpenAsync {
    type Reply = ();
}

/// saLckResourceClose: releases the opening's locks (orphan locks stay)
/// and withdraws its waiting requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close {
    pub open_id: u64,
}

impl Payload for Close {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.open_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Close, DecodeError> {
        Ok(Close {
            open_id: d.get_u64()?,
        })
    }
}
message!(Close, kind::CLOSE);
impl Request for Close {
    type Reply = ();
}

/// saLckResourceLock. `timeout` (SaTimeT nanoseconds) bounds how long the
/// request waits in the resource's queue; it is withdrawn afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lock {
    pub open_id: u64,
    pub lock_id: u64,
    pub mode: Mode,
    pub flags: u32,
    pub waiter_signal: u64,
    pub timeout: i64,
}

impl Payload for Lock {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.open_id).put_u64(self.lock_id);
        self.mode.encode(e);
        e.put_u32(self.flags)
            .put_u64(self.waiter_signal)
            .put_i64(self.timeout);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Lock, DecodeError> {
        Ok(Lock {
            open_id: d.get_u64()?,
            lock_id: d.get_u64()?,
            mode: Mode::decode(d)?,
            flags: d.get_u32()?,
            waiter_signal: d.get_u64()?,
            timeout: d.get_i64()?,
        })
    }
}
message!(Lock, kind::LOCK);
impl Request for Lock {
    type Reply = LockReply;
}

/// Reply to [`Lock`]: the SaLckLockStatusT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockReply {
    pub status: u32,
}

impl Payload for LockReply {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.status);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<LockReply, DecodeError> {
        Ok(LockReply {
            status: d.get_u32()?,
        })
    }
}

/// saLckResourceLockAsync: waits without a timeout; the result comes as
/// a [`GrantCallback`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockAsync {
    pub invocation: u64,
    pub open_id: u64,
    pub lock_id: u64,
    pub mode: Mode,
    pub flags: u32,
    pub waiter_signal: u64,
}

impl Payload for LockAsync {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation)
            .put_u64(self.open_id)
            .put_u64(self.lock_id);
        self.mode.encode(e);
        e.put_u32(self.flags).put_u64(self.waiter_signal);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<LockAsync, DecodeError> {
        Ok(LockAsync {
            invocation: d.get_u64()?,
            open_id: d.get_u64()?,
            lock_id: d.get_u64()?,
            mode: Mode::decode(d)?,
            flags: d.get_u32()?,
            waiter_signal: d.get_u64()?,
        })
    }
}
message!(LockAsync, kind::LOCK_ASYNC);
impl Request for LockAsync {
    type Reply = ();
}

/// saLckResourceUnlock: releases a granted lock or withdraws a waiting
/// request; SA_AIS_ERR_NOT_EXIST for an id that is neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unlock {
    pub lock_id: u64,
}

impl Payload for Unlock {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.lock_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Unlock, DecodeError> {
        Ok(Unlock {
            lock_id: d.get_u64()?,
        })
    }
}
message!(Unlock, kind::UNLOCK);
impl Request for Unlock {
    type Reply = ();
}

/// saLckResourceUnlockAsync: the result comes as an [`UnlockCallback`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnlockAsync {
    pub invocation: u64,
    pub lock_id: u64,
}

impl Payload for UnlockAsync {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation).put_u64(self.lock_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<UnlockAsync, DecodeError> {
        Ok(UnlockAsync {
            invocation: d.get_u64()?,
            lock_id: d.get_u64()?,
        })
    }
}
message!(UnlockAsync, kind::UNLOCK_ASYNC);
impl Request for UnlockAsync {
    type Reply = ();
}

/// saLckLockPurge: removes the orphan locks of the opening's resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purge {
    pub open_id: u64,
}

impl Payload for Purge {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.open_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Purge, DecodeError> {
        Ok(Purge {
            open_id: d.get_u64()?,
        })
    }
}
message!(Purge, kind::PURGE);
impl Request for Purge {
    type Reply = ();
}

/// The SaLckResourceOpenCallbackT arguments of an [`OpenAsync`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenCallback {
    pub invocation: u64,
    pub open_id: u64,
}

impl Payload for OpenCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation).put_u64(self.open_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<OpenCallback, DecodeError> {
        Ok(OpenCallback {
            invocation: d.get_u64()?,
            open_id: d.get_u64()?,
        })
    }
}
message!(OpenCallback, kind::OPEN_CALLBACK);

/// The SaLckLockGrantcallbackT arguments of a [`LockAsync`]; `status` is
/// meaningful when the frame's error is SA_AIS_OK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantCallback {
    pub invocation: u64,
    pub lock_id: u64,
    pub status: u32,
}

impl Payload for GrantCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation)
            .put_u64(self.lock_id)
            .put_u32(self.status);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<GrantCallback, DecodeError> {
        Ok(GrantCallback {
            invocation: d.get_u64()?,
            lock_id: d.get_u64()?,
            status: d.get_u32()?,
        })
    }
}
message!(GrantCallback, kind::GRANT_CALLBACK);

/// The SaLckLockWaiterCallbackT arguments: a request of `requested` mode
/// with `signal` waits for the holder's lock `lock_id`, held in `held`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaiterCallback {
    pub signal: u64,
    pub lock_id: u64,
    pub held: Mode,
    pub requested: Mode,
}

impl Payload for WaiterCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.signal).put_u64(self.lock_id);
        self.held.encode(e);
        self.requested.encode(e);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<WaiterCallback, DecodeError> {
        Ok(WaiterCallback {
            signal: d.get_u64()?,
            lock_id: d.get_u64()?,
            held: Mode::decode(d)?,
            requested: Mode::decode(d)?,
        })
    }
}
message!(WaiterCallback, kind::WAITER_CALLBACK);

/// The SaLckResourceUnlockCallbackT arguments of an [`UnlockAsync`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnlockCallback {
    pub invocation: u64,
    pub lock_id: u64,
}

impl Payload for UnlockCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation).put_u64(self.lock_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<UnlockCallback, DecodeError> {
        Ok(UnlockCallback {
            invocation: d.get_u64()?,
            lock_id: d.get_u64()?,
        })
    }
}
message!(UnlockCallback, kind::UNLOCK_CALLBACK);

/// Every LCK request, as the executive receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LckRequest {
    Open(Open),
    OpenAsync(OpenAsync),
    Close(Close),
    Lock(Lock),
    LockAsync(LockAsync),
    Unlock(Unlock),
    UnlockAsync(UnlockAsync),
    Purge(Purge),
}

impl LckRequest {
    /// Decodes the payload of an LCK request frame of the given kind.
    pub fn decode(k: u16, payload: &[u8]) -> Result<LckRequest, DecodeError> {
        Ok(match k {
            kind::OPEN => LckRequest::Open(Open::from_payload(payload)?),
            kind::OPEN_ASYNC => LckRequest::OpenAsync(OpenAsync::from_payload(payload)?),
            kind::CLOSE => LckRequest::Close(Close::from_payload(payload)?),
            kind::LOCK => LckRequest::Lock(Lock::from_payload(payload)?),
            kind::LOCK_ASYNC => LckRequest::LockAsync(LockAsync::from_payload(payload)?),
            kind::UNLOCK => LckRequest::Unlock(Unlock::from_payload(payload)?),
            kind::UNLOCK_ASYNC => LckRequest::UnlockAsync(UnlockAsync::from_payload(payload)?),
            kind::PURGE => LckRequest::Purge(Purge::from_payload(payload)?),
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::LCK,
                    kind: k,
                })
            }
        })
    }
}

/// Every LCK callback, as the library reads it from the dispatch
/// connection, with the SaAisErrorT of its frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LckCallback {
    Open { error: u32, result: OpenCallback },
    Grant { error: u32, result: GrantCallback },
    Waiter(WaiterCallback),
    Unlock { error: u32, result: UnlockCallback },
}

impl LckCallback {
    /// Decodes the payload of an LCK callback frame.
    pub fn decode(k: u16, error: u32, payload: &[u8]) -> Result<LckCallback, DecodeError> {
        Ok(match k {
            kind::OPEN_CALLBACK => LckCallback::Open {
                error,
                result: OpenCallback::from_payload(payload)?,
            },
            kind::GRANT_CALLBACK => LckCallback::Grant {
                error,
                result: GrantCallback::from_payload(payload)?,
            },
            kind::WAITER_CALLBACK => LckCallback::Waiter(WaiterCallback::from_payload(payload)?),
            kind::UNLOCK_CALLBACK => LckCallback::Unlock {
                error,
                result: UnlockCallback::from_payload(payload)?,
            },
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::LCK,
                    kind: k,
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::assert_round_trip;

    #[test]
    fn messages_round_trip() {
        let open = Open {
            open_id: 3,
            name: Name::try_from("res").unwrap(),
            flags: SA_LCK_RESOURCE_CREATE,
        };
        assert_round_trip(open.clone());
        assert_round_trip(OpenAsync {
            invocation: 9,
            open,
        });
        assert_round_trip(Close { open_id: 3 });
        assert_round_trip(Lock {
            open_id: 3,
            lock_id: 4,
            mode: Mode::Ex,
            flags: SA_LCK_LOCK_NO_QUEUE,
            waiter_signal: 0x5157,
            timeout: 1_000_000_000,
        });
        assert_round_trip(LockReply { status: 6 });
        assert_round_trip(LockAsync {
            invocation: 1,
            open_id: 2,
            lock_id: 3,
            mode: Mode::Pr,
            flags: SA_LCK_LOCK_ORPHAN,
            waiter_signal: 4,
        });
        assert_round_trip(Unlock { lock_id: 7 });
        assert_round_trip(UnlockAsync {
            invocation: 8,
            lock_id: 7,
        });
        assert_round_trip(Purge { open_id: 3 });
        assert_round_trip(OpenCallback {
            invocation: 1,
            open_id: 2,
        });
        assert_round_trip(GrantCallback {
            invocation: 1,
            lock_id: 2,
            status: 1,
        });
        assert_round_trip(WaiterCallback {
            signal: 1,
            lock_id: 2,
            held: Mode::Ex,
            requested: Mode::Pr,
        });
        assert_round_trip(UnlockCallback {
            invocation: 1,
            lock_id: 2,
        });
    }

    #[test]
    fn modes_and_kinds_are_checked() {
        assert_eq!(Mode::from_sa(0), None);
        assert_eq!(Mode::from_sa(7), None);
        assert!(Mode::Pr.compatible(Mode::Pr));
        assert!(!Mode::Pr.compatible(Mode::Ex));
        assert!(!Mode::Ex.compatible(Mode::Ex));
        let mut bad = Unlock { lock_id: 1 }.to_payload();
        assert!(LckRequest::decode(kind::UNLOCK, &bad).is_ok());
        bad.clear();
        assert!(LckRequest::decode(kind::UNLOCK, &bad).is_err());
        assert!(matches!(
            LckRequest::decode(99, &[]),
            Err(DecodeError::UnknownKind {
                service: 5,
                kind: 99
            })
        ));
        let mut lock = Lock {
            open_id: 1,
            lock_id: 2,
            mode: Mode::Pr,
            flags: 0,
            waiter_signal: 0,
            timeout: 0,
        }
        .to_payload();
        lock[16] = 9; // the mode
        assert!(matches!(
            Lock::from_payload(&lock),
            Err(DecodeError::InvalidValue { .. })
        ));
        let cb = WaiterCallback {
            signal: 1,
            lock_id: 2,
            held: Mode::Ex,
            requested: Mode::Ex,
        };
        assert_eq!(
            LckCallback::decode(kind::WAITER_CALLBACK, 0, &cb.to_payload()).unwrap(),
            LckCallback::Waiter(cb)
        );
    }
}

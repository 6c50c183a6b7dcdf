//! saAis.h: the types, error codes and constants every SA Forum AIS
//! B.01.01 service shares, laid out as openais 0.80 lays them out on
//! x86_64 Linux (32-bit `SaUint32T`, 2-aligned 258-byte `SaNameT`).
//!
//! cbindgen turns this file into `include/openais/saAis.h`; the methods at
//! the end exist for Rust code only and never reach the header.

use crate::TooLong;
use core::ffi::c_char;
use core::fmt;
use core::hash::{Hash, Hasher};

/// Boolean: SA_FALSE or SA_TRUE.
pub type SaBoolT = u32;
pub const SA_FALSE: SaBoolT = 0;
pub const SA_TRUE: SaBoolT = 1;

pub type SaInt8T = i8;
pub type SaInt16T = i16;
pub type SaInt32T = i32;
pub type SaInt64T = i64;
pub type SaUint8T = u8;
pub type SaUint16T = u16;
pub type SaUint32T = u32;
pub type SaUint64T = u64;
pub type SaFloatT = f32;
pub type SaDoubleT = f64;
pub type SaStringT = *mut c_char;

/// Byte counts, as the C size of openais (64 bits).
pub type SaSizeT = SaUint64T;

/// Time in nanoseconds: absolute (since the epoch) or a duration.
pub type SaTimeT = SaInt64T;

pub const SA_TIME_END: SaTimeT = 9_223_372_036_854_775_807_i64;
pub const SA_TIME_BEGIN: SaTimeT = 0_i64;
/// The time is not known (the bit pattern 0x8000000000000000, unsigned as in openais).
pub const SA_TIME_UNKNOWN: SaUint64T = 0x8000_0000_0000_0000_u64;
pub const SA_TIME_ONE_MICROSECOND: SaTimeT = 1_000_i64;
pub const SA_TIME_ONE_MILLISECOND: SaTimeT = 1_000_000_i64;
pub const SA_TIME_ONE_SECOND: SaTimeT = 1_000_000_000_i64;
pub const SA_TIME_ONE_MINUTE: SaTimeT = 60_000_000_000_i64;
pub const SA_TIME_ONE_HOUR: SaTimeT = 3_600_000_000_000_i64;
pub const SA_TIME_ONE_DAY: SaTimeT = 86_400_000_000_000_i64;
pub const SA_TIME_MAX: SaTimeT = SA_TIME_END;

/// Invocation identifier that pairs an asynchronous request with its callback.
pub type SaInvocationT = SaUint64T;

/// Notification identifier (AMF error reports).
pub type SaNtfIdentifierT = SaUint64T;

/// The handle value no initialize call ever returns.
pub const SA_HANDLE_INVALID: SaUint64T = 0_u64;

/// Longest name an SaNameT holds.
pub const SA_MAX_NAME_LENGTH: usize = 256;

/// A length-counted name (not NUL-terminated).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SaNameT {
    /// Number of meaningful bytes in value.
    pub length: SaUint16T,
    pub value: [SaUint8T; SA_MAX_NAME_LENGTH],
}

/// Version of the specification a client asks for and the library grants.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaVersionT {
    /// Release code letter, 'B' for B.01.01.
    pub releaseCode: c_char,
    pub majorVersion: SaUint8T,
    pub minorVersion: SaUint8T,
}

/// File descriptor a client polls for pending callbacks.
pub type SaSelectionObjectT = SaUint64T;

/// How much saXxxDispatch() processes.
pub type SaDispatchFlagsT = u32;
/// Invoke one pending callback, if any.
pub const SA_DISPATCH_ONE: SaDispatchFlagsT = 1;
/// Invoke every pending callback, then return.
pub const SA_DISPATCH_ALL: SaDispatchFlagsT = 2;
/// Invoke callbacks until the handle is finalized.
pub const SA_DISPATCH_BLOCKING: SaDispatchFlagsT = 3;

/// Track only the current state.
pub const SA_TRACK_CURRENT: SaUint8T = 1;
/// Track every change, reporting the whole state.
pub const SA_TRACK_CHANGES: SaUint8T = 2;
/// Track every change, reporting only what changed.
pub const SA_TRACK_CHANGES_ONLY: SaUint8T = 4;

/// Result code of every SA Forum call.
pub type SaAisErrorT = u32;
pub const SA_AIS_OK: SaAisErrorT = 1;
pub const SA_AIS_ERR_LIBRARY: SaAisErrorT = 2;
pub const SA_AIS_ERR_VERSION: SaAisErrorT = 3;
pub const SA_AIS_ERR_INIT: SaAisErrorT = 4;
pub const SA_AIS_ERR_TIMEOUT: SaAisErrorT = 5;
pub const SA_AIS_ERR_TRY_AGAIN: SaAisErrorT = 6;
pub const SA_AIS_ERR_INVALID_PARAM: SaAisErrorT = 7;
pub const SA_AIS_ERR_NO_MEMORY: SaAisErrorT = 8;
pub const SA_AIS_ERR_BAD_HANDLE: SaAisErrorT = 9;
pub const SA_AIS_ERR_BUSY: SaAisErrorT = 10;
pub const SA_AIS_ERR_ACCESS: SaAisErrorT = 11;
pub const SA_AIS_ERR_NOT_EXIST: SaAisErrorT = 12;
pub const SA_AIS_ERR_NAME_TOO_LONG: SaAisErrorT = 13;
pub const SA_AIS_ERR_EXIST: SaAisErrorT = 14;
pub const SA_AIS_ERR_NO_SPACE: SaAisErrorT = 15;
pub const SA_AIS_ERR_INTERRUPT: SaAisErrorT = 16;
pub const SA_AIS_ERR_NAME_NOT_FOUND: SaAisErrorT = 17;
pub const SA_AIS_ERR_NO_RESOURCES: SaAisErrorT = 18;
pub const SA_AIS_ERR_NOT_SUPPORTED: SaAisErrorT = 19;
pub const SA_AIS_ERR_BAD_OPERATION: SaAisErrorT = 20;
pub const SA_AIS_ERR_FAILED_OPERATION: SaAisErrorT = 21;
pub const SA_AIS_ERR_MESSAGE_ERROR: SaAisErrorT = 22;
pub const SA_AIS_ERR_QUEUE_FULL: SaAisErrorT = 23;
pub const SA_AIS_ERR_QUEUE_NOT_AVAILABLE: SaAisErrorT = 24;
pub const SA_AIS_ERR_BAD_FLAGS: SaAisErrorT = 25;
pub const SA_AIS_ERR_TOO_BIG: SaAisErrorT = 26;
pub const SA_AIS_ERR_NO_SECTIONS: SaAisErrorT = 27;
/// The caller may not use the service (openais's code, not in B.01.01).
pub const SA_AIS_ERR_SECURITY: SaAisErrorT = 29;

impl SaNameT {
    /// A name holding `bytes`; fails when they do not fit in `value`.
    pub fn new(bytes: &[u8]) -> Result<Self, TooLong> {
        let mut name = Self::default();
        if bytes.len() > SA_MAX_NAME_LENGTH {
            return Err(TooLong {
                len: bytes.len(),
                max: SA_MAX_NAME_LENGTH,
            });
        }
        name.value[..bytes.len()].copy_from_slice(bytes);
        // The length fits: it is at most SA_MAX_NAME_LENGTH (256).
        name.length = bytes.len() as SaUint16T;
        Ok(name)
    }

    /// Whether `length` is within bounds, i.e. the name came from a
    /// well-behaved caller (C callers may pass any `length`).
    pub fn has_valid_length(&self) -> bool {
        usize::from(self.length) <= SA_MAX_NAME_LENGTH
    }

    /// The meaningful bytes; a `length` beyond the buffer is clamped to it,
    /// so check `has_valid_length` first where the spec asks for an error.
    pub fn as_bytes(&self) -> &[u8] {
        let len = usize::from(self.length).min(SA_MAX_NAME_LENGTH);
        &self.value[..len]
    }
}

impl Default for SaNameT {
    fn default() -> Self {
        SaNameT {
            length: 0,
            value: [0; SA_MAX_NAME_LENGTH],
        }
    }
}

/// Names are equal when their meaningful bytes are (bytes past `length` are
/// not part of the name).
impl PartialEq for SaNameT {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for SaNameT {}

impl Hash for SaNameT {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl fmt::Debug for SaNameT {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SaNameT({:?})", String::from_utf8_lossy(self.as_bytes()))
    }
}

impl SaVersionT {
    /// A version such as `SaVersionT::new(b'B', 1, 1)`.
    pub const fn new(release_code: u8, major: SaUint8T, minor: SaUint8T) -> Self {
        SaVersionT {
            // A release code is an ASCII letter; c_char holds it whatever its sign.
            releaseCode: release_code as c_char,
            majorVersion: major,
            minorVersion: minor,
        }
    }

    /// The release code as a byte (c_char is signed on some targets).
    pub const fn release_code(&self) -> u8 {
        self.releaseCode as u8
    }
}

/// The C truth value of a Rust bool.
pub const fn sa_bool(value: bool) -> SaBoolT {
    if value {
        SA_TRUE
    } else {
        SA_FALSE
    }
}

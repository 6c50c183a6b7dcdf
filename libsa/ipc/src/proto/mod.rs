//! Messages of each service, as typed Rust values with their wire encoding.
//!
//! Every service follows the same pattern (see [`clm`]):
//! - a `kind` module with the message ids of the service;
//! - one struct per message implementing [`Message`] (requests also
//!   implement [`Request`], naming their reply type);
//! - an enum of the service's requests with `decode(kind, payload)`, which
//!   the executive uses to turn a frame into a value (unknown kind or a
//!   payload that does not decode is a protocol error);
//! - an enum of the service's callbacks with `decode(kind, error, payload)`,
//!   which the library uses on frames read from the dispatch connection.
//!
//! A response frame echoes the request's service, kind and seq; its
//! `error` is the call's SaAisErrorT. When the error is not SA_AIS_OK the
//! payload is empty and is not decoded.

use crate::codec::{DecodeError, Decoder, Encoder};

pub mod amf;
pub mod cfg;
pub mod ckpt;
pub mod clm;
pub mod cpg;
pub mod evs;
pub mod evt;
pub mod lck;
pub mod msg;

/// Service ids, as openais numbered them.
pub mod service {
    pub const EVS: u16 = 0;
    pub const CLM: u16 = 1;
    pub const AMF: u16 = 2;
    pub const CKPT: u16 = 3;
    pub const EVT: u16 = 4;
    pub const LCK: u16 = 5;
    pub const MSG: u16 = 6;
    pub const CFG: u16 = 7;
    pub const CPG: u16 = 8;

    /// Name of a service id for log lines.
    pub fn name(id: u16) -> &'static str {
        match id {
            EVS => "EVS",
            CLM => "CLM",
            AMF => "AMF",
            CKPT => "CKPT",
            EVT => "EVT",
            LCK => "LCK",
            MSG => "MSG",
            CFG => "CFG",
            CPG => "CPG",
            _ => "unknown",
        }
    }
}

/// A value with a wire encoding.
pub trait Payload: Sized {
    fn encode(&self, e: &mut Encoder);
    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError>;

    /// The encoded payload.
    fn to_payload(&self) -> Vec<u8> {
        let mut e = Encoder::new();
        self.encode(&mut e);
        e.finish()
    }

    /// Decodes a whole payload; leftover bytes are an error.
    fn from_payload(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut d = Decoder::new(bytes);
        let v = Self::decode(&mut d)?;
        d.finish()?;
        Ok(v)
    }
}

/// A message that travels in a frame of its own: a request or a callback.
pub trait Message: Payload {
    /// The frame's `service` field.
    const SERVICE: u16;
    /// The frame's `kind` field.
    const KIND: u16;
}

/// A library -> executive request and the payload of its successful reply.
pub trait Request: Message {
    type Reply: Payload;
}

/// The empty payload: replies that carry nothing but their error code.
impl Payload for () {
    fn encode(&self, _e: &mut Encoder) {}
    fn decode(_d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        Ok(())
    }
}

/// Checks the wire contract of one value: it decodes back to itself,
/// every strict prefix of its encoding fails to decode (and none panics),
/// and a trailing byte is refused.
#[cfg(test)]
pub(crate) fn assert_round_trip<P: Payload + PartialEq + std::fmt::Debug>(v: P) {
    let bytes = v.to_payload();
    assert_eq!(P::from_payload(&bytes).unwrap(), v);
    for cut in 0..bytes.len() {
        assert!(P::from_payload(&bytes[..cut]).is_err(), "cut {cut}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(P::from_payload(&longer), Err(DecodeError::TrailingBytes(1)));
}

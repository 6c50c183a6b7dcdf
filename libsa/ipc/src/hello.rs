//! Connection set-up: the first frame on each of a library handle's two
//! connections (kind [`crate::frame::KIND_HELLO`]).
//!
//! 1. Request connection: the client sends `Hello { role: Request, .. }`;
//!    the executive checks the peer's credentials and answers
//!    [`HelloReply`] with a fresh, unguessable `conn_id` (error SA_AIS_OK),
//!    or error SA_AIS_ERR_SECURITY and closes.
//! 2. Dispatch connection: the client connects again and sends
//!    `Hello { role: Dispatch, conn_id, .. }`; the executive pairs it with
//!    the request connection of that id (same credentials) and answers
//!    with an empty payload and SA_AIS_OK. It then carries only callbacks.
//!
//! Payload of `Hello`: role u16, service u16, version u32, conn_id u64
//! (0 for the request connection). Payload of `HelloReply`: conn_id u64.

use crate::codec::{DecodeError, Decoder, Encoder};
use crate::proto::Payload;

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest hello frame (header included) the executive reads. A hello is
/// 32 bytes; the bound leaves room for later versions while keeping what
/// a peer that has not been authenticated yet can make the executive
/// buffer small.
pub const MAX_HELLO_FRAME: usize = 4096;

/// Which half of a library connection a socket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Requests from the library, responses from the executive.
    Request = 1,
    /// Callbacks from the executive; the SA selection object.
    Dispatch = 2,
}

impl Role {
    fn from_wire(v: u16) -> Result<Role, DecodeError> {
        match v {
            1 => Ok(Role::Request),
            2 => Ok(Role::Dispatch),
            _ => Err(DecodeError::InvalidValue {
                field: "hello role",
                value: u64::from(v),
            }),
        }
    }
}

/// The first frame a client sends on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hello {
    pub role: Role,
    /// The service the connection is for (also the frame's service field).
    pub service: u16,
    /// [`PROTOCOL_VERSION`] of the client.
    pub version: u32,
    /// 0 on the request connection; the id from [`HelloReply`] on the
    /// dispatch connection.
    pub conn_id: u64,
}

impl Payload for Hello {
    fn encode(&self, e: &mut Encoder) {
        e.put_u16(self.role as u16)
            .put_u16(self.service)
            .put_u32(self.version)
            .put_u64(self.conn_id);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Hello, DecodeError> {
        Ok(Hello {
            role: Role::from_wire(d.get_u16()?)?,
            service: d.get_u16()?,
            version: d.get_u32()?,
            conn_id: d.get_u64()?,
        })
    }
}

/// The executive's answer to a request-connection [`Hello`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelloReply {
    pub conn_id: u64,
}

impl Payload for HelloReply {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.conn_id);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<HelloReply, DecodeError> {
        Ok(HelloReply {
            conn_id: d.get_u64()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_round_trip_and_layout() {
        let h = Hello {
            role: Role::Dispatch,
            service: 3,
            version: PROTOCOL_VERSION,
            conn_id: 0x1122_3344_5566_7788,
        };
        let bytes = h.to_payload();
        assert_eq!(
            bytes,
            [2, 0, 3, 0, 1, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]
        );
        assert_eq!(Hello::from_payload(&bytes).unwrap(), h);
        for cut in 0..bytes.len() {
            assert!(Hello::from_payload(&bytes[..cut]).is_err());
        }
        let mut bad = bytes;
        bad[0] = 3;
        assert!(Hello::from_payload(&bad).is_err());
    }

    #[test]
    fn reply_round_trip() {
        let r = HelloReply { conn_id: 42 };
        assert_eq!(HelloReply::from_payload(&r.to_payload()).unwrap(), r);
        assert!(HelloReply::from_payload(&[1, 2, 3]).is_err());
    }
}

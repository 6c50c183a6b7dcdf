//! The envelope of every message multicast through the ordering layer:
//! the service it belongs to and its kind, then the service's payload.
//!
//! | offset | field     |
//! |-------:|-----------|
//! | 0      | service, u16 little-endian |
//! | 2      | kind, u16 little-endian    |
//! | 4      | payload                    |
//!
//! Service [`MANAGER_SERVICE`] is the service manager's own (sync barriers).

/// The service id of the manager's own messages; no real service has it.
pub const MANAGER_SERVICE: u16 = 0xFFFF;

const ENVELOPE_LEN: usize = 4;

/// A multicast payload that is too short to hold an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("exec message of {0} bytes is shorter than its {ENVELOPE_LEN}-byte envelope")]
pub struct TooShort(pub usize);

pub fn encode(service: u16, kind: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ENVELOPE_LEN + payload.len());
    out.extend_from_slice(&service.to_le_bytes());
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Splits a delivered message into (service, kind, payload).
pub fn decode(message: &[u8]) -> Result<(u16, u16, &[u8]), TooShort> {
    match message {
        [s0, s1, k0, k1, payload @ ..] => Ok((
            u16::from_le_bytes([*s0, *s1]),
            u16::from_le_bytes([*k0, *k1]),
            payload,
        )),
        _ => Err(TooShort(message.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let m = encode(3, 0x102, b"abc");
        assert_eq!(m, [3, 0, 2, 1, b'a', b'b', b'c']);
        assert_eq!(decode(&m).unwrap(), (3, 0x102, &b"abc"[..]));
        assert_eq!(decode(&encode(1, 2, &[])).unwrap(), (1, 2, &[][..]));
        for n in 0..4 {
            assert_eq!(decode(&m[..n]), Err(TooShort(n)));
        }
    }
}

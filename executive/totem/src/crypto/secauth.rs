//! Sealing and opening packets.
//!
//! A sealed packet is laid out as
//!
//! ```text
//! +--------+----------------+-----------------------+------------------+
//! | header | nonce (16)     | body (plaintext len)  | HMAC-SHA1 (20)   |
//! +--------+----------------+-----------------------+------------------+
//!  header = version << 4 | flags;  flags bit 0 = body is encrypted
//! ```
//!
//! Version 2 says the body opens with the sender's node id and replay
//! stamp (incarnation, counter) the driver puts there; a processor of
//! version 1 (no stamp) is refused as an unsupported version rather than
//! misread.
//!
//! The digest covers header, nonce and body, so it authenticates the mode
//! and the version as well as the data. It is checked, in constant time,
//! before anything is decrypted. The nonce is present in both modes so the
//! overhead is one constant; with `secauth: off` it is only digested.

use std::fmt;

use aes::Aes256;
use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::Mac;

use super::keys::{PacketKeys, SHA1_LEN};

/// Length of the key `ais-keygen` writes and `secauth: on` requires.
pub const AUTHKEY_LEN: usize = 128;
/// Length of the per-packet nonce the driver supplies.
pub const NONCE_LEN: usize = 16;
/// Length of the HMAC-SHA1 digest closing every packet.
pub const DIGEST_LEN: usize = SHA1_LEN;
/// Length of the version/flags byte opening every packet.
pub const HEADER_LEN: usize = 1;
/// Bytes a sealed packet adds to its plaintext: the payload MTU is the
/// network MTU minus this.
pub const OVERHEAD: usize = HEADER_LEN + NONCE_LEN + DIGEST_LEN;

const VERSION: u8 = 2;
const FLAG_ENCRYPTED: u8 = 0x01;
const FLAGS_KNOWN: u8 = FLAG_ENCRYPTED;

/// The secret digested under `secauth: off`. It is public by design: the
/// digest then detects corruption, not forgery.
const INTEGRITY_ONLY_KEY: &[u8] = b"openais-rs totem: secauth off, integrity only";

type Aes256Ctr = ctr::Ctr128BE<Aes256>;

/// `secauth:` as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecAuth {
    /// Encrypt and authenticate with keys derived from the authkey.
    On,
    /// Digest only, under a well-known key: corruption detection.
    Off,
}

/// Why an authkey was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// The authkey is not [`AUTHKEY_LEN`] bytes long (`ais-keygen` writes
    /// exactly that many).
    WrongLength { len: usize },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::WrongLength { len } => write!(
                f,
                "authkey is {len} bytes long, expected {AUTHKEY_LEN} (generate one with ais-keygen)"
            ),
        }
    }
}

impl std::error::Error for KeyError {}

/// Why a received packet was refused. Every variant means "drop it".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenError {
    /// Shorter than the header, nonce and digest alone.
    Truncated { len: usize },
    /// Sealed by a different, unknown version of the packet format.
    UnsupportedVersion(u8),
    /// Header flags this version does not define.
    UnknownFlags(u8),
    /// The sender runs the other `secauth` mode than we do.
    ModeMismatch { ours: SecAuth, theirs: SecAuth },
    /// The digest does not match: a different authkey, a forgery or a
    /// corrupted datagram.
    InvalidDigest,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Truncated { len } => {
                write!(f, "packet of {len} bytes is shorter than {OVERHEAD}")
            }
            OpenError::UnsupportedVersion(v) => write!(f, "unsupported packet version {v}"),
            OpenError::UnknownFlags(flags) => write!(f, "unknown packet flags {flags:#04x}"),
            OpenError::ModeMismatch { ours, theirs } => write!(
                f,
                "sender has secauth {}, this node has secauth {}",
                theirs.as_str(),
                ours.as_str()
            ),
            OpenError::InvalidDigest => f.write_str("invalid digest"),
        }
    }
}

impl std::error::Error for OpenError {}

impl SecAuth {
    fn as_str(self) -> &'static str {
        match self {
            SecAuth::On => "on",
            SecAuth::Off => "off",
        }
    }
}

/// Seals outgoing and opens incoming Totem packets. Cheap to share by
/// reference; holds only derived key material, wiped on drop.
#[derive(Clone)]
pub struct PacketSecurity {
    mode: SecAuth,
    keys: PacketKeys,
}

impl fmt::Debug for PacketSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        f.debug_struct("PacketSecurity")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl PacketSecurity {
    /// `secauth: on`, keyed by the contents of the authkey file.
    pub fn from_authkey(authkey: &[u8]) -> Result<PacketSecurity, KeyError> {
        if authkey.len() != AUTHKEY_LEN {
            return Err(KeyError::WrongLength { len: authkey.len() });
        }
        Ok(PacketSecurity {
            mode: SecAuth::On,
            keys: PacketKeys::derive(authkey),
        })
    }

    /// `secauth: off`: packets travel in clear with a digest under a
    /// well-known key, which detects corruption but authenticates nothing.
    pub fn integrity_only() -> PacketSecurity {
        PacketSecurity {
            mode: SecAuth::Off,
            keys: PacketKeys::derive(INTEGRITY_ONLY_KEY),
        }
    }

    pub fn mode(&self) -> SecAuth {
        self.mode
    }

    fn header(&self) -> u8 {
        let flags = match self.mode {
            SecAuth::On => FLAG_ENCRYPTED,
            SecAuth::Off => 0,
        };
        (VERSION << 4) | flags
    }

    /// Seals `plaintext` into `out` (cleared first). `nonce` must be fresh
    /// random bytes for every packet under `secauth: on`: a repeated nonce
    /// repeats the key stream. Under `secauth: off` any value will do.
    pub fn seal(&self, nonce: [u8; NONCE_LEN], plaintext: &[u8], out: &mut Vec<u8>) {
        out.clear();
        out.reserve(OVERHEAD + plaintext.len());
        out.push(self.header());
        out.extend_from_slice(&nonce);
        let body_start = out.len();
        out.extend_from_slice(plaintext);
        if self.mode == SecAuth::On {
            self.cipher(&nonce).apply_keystream(&mut out[body_start..]);
        }
        let tag = self.keys.digest().chain_update(&out[..]).finalize();
        out.extend_from_slice(tag.as_bytes());
    }

    /// Checks and opens a received packet, writing its plaintext into `out`
    /// (cleared first; left empty on error). Never panics, whatever the
    /// input.
    pub fn open(&self, packet: &[u8], out: &mut Vec<u8>) -> Result<(), OpenError> {
        out.clear();
        if packet.len() < OVERHEAD {
            return Err(OpenError::Truncated { len: packet.len() });
        }
        let header = packet[0];
        if header >> 4 != VERSION {
            return Err(OpenError::UnsupportedVersion(header >> 4));
        }
        let flags = header & 0x0f;
        if flags & !FLAGS_KNOWN != 0 {
            return Err(OpenError::UnknownFlags(flags));
        }
        // Checked before the digest so a secauth mismatch between nodes is
        // reported as such rather than as a stream of invalid digests.
        let theirs = if flags & FLAG_ENCRYPTED != 0 {
            SecAuth::On
        } else {
            SecAuth::Off
        };
        if theirs != self.mode {
            return Err(OpenError::ModeMismatch {
                ours: self.mode,
                theirs,
            });
        }
        let (signed, tag) = packet.split_at(packet.len() - DIGEST_LEN);
        self.keys
            .digest()
            .chain_update(signed)
            .verify_slice(tag)
            .map_err(|_| OpenError::InvalidDigest)?;
        let nonce = &signed[HEADER_LEN..HEADER_LEN + NONCE_LEN];
        out.extend_from_slice(&signed[HEADER_LEN + NONCE_LEN..]);
        if self.mode == SecAuth::On {
            self.cipher(nonce).apply_keystream(out);
        }
        Ok(())
    }

    fn cipher(&self, nonce: &[u8]) -> Aes256Ctr {
        let key = self.keys.cipher_key(nonce);
        Aes256Ctr::new((&*key.key).into(), (&*key.iv).into())
    }
}

#[cfg(test)]
mod tests;

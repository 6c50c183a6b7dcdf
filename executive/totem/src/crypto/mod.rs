//! Packet security: what every Totem packet goes through between the
//! protocol state machine and the socket.
//!
//! The driver seals each packet [`Srp`](crate::Srp) asks it to send with
//! [`PacketSecurity::seal`] and opens each datagram it receives with
//! [`PacketSecurity::open`] before handing the plaintext to the state
//! machine. The crate has no random source: the driver supplies the
//! per-packet nonce (from `getrandom`).
//!
//! Two modes, as `secauth:` in `openais.conf` selects:
//!
//! * `secauth: on` ([`PacketSecurity::from_authkey`]): the payload is
//!   encrypted with AES-256 in CTR mode under a key and counter block
//!   derived from the 128-byte authkey and the packet's nonce, then the
//!   header, nonce and ciphertext are authenticated with HMAC-SHA1
//!   (encrypt-then-MAC). Only holders of the authkey can read or forge
//!   packets.
//! * `secauth: off` ([`PacketSecurity::integrity_only`]): the payload travels
//!   in clear, but the same HMAC-SHA1 digest is computed under a fixed,
//!   publicly known key. That authenticates nothing (anyone can compute it)
//!   but catches corrupted datagrams that slipped past the UDP checksum, so
//!   the state machine never sees a damaged packet.

mod keys;
mod secauth;

pub use secauth::{
    KeyError, OpenError, PacketSecurity, SecAuth, AUTHKEY_LEN, DIGEST_LEN, HEADER_LEN, NONCE_LEN,
    OVERHEAD,
};

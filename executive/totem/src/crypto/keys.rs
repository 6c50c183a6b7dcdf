//! Key derivation: from the shared secret to the digest key and to each
//! packet's cipher key.
//!
//! HKDF (RFC 5869) over HMAC-SHA1. The secret is extracted once into a
//! pseudo-random key; two independent keys are expanded from it under
//! different labels:
//!
//! * the digest key (`"packet digest"`), fixed for the life of the key;
//! * each packet's AES-256 key and initial counter block
//!   (`"packet cipher" || nonce`), so no two packets share a key stream as
//!   long as nonces do not repeat (they are 128 random bits).
//!
//! Every intermediate secret lives in a [`Zeroizing`] buffer, and the keyed
//! HMAC states (which are key-equivalent) wipe themselves on drop through
//! the `zeroize` features of `hmac` and `sha1`.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use zeroize::Zeroizing;

pub(super) type HmacSha1 = Hmac<Sha1>;

/// Output size of SHA-1 and therefore of every HMAC-SHA1 block.
pub(super) const SHA1_LEN: usize = 20;
/// SHA-1's block size: the length HMAC pads its key to.
const SHA1_BLOCK: usize = 64;
/// AES-256 key.
pub(super) const CIPHER_KEY_LEN: usize = 32;
/// CTR mode's initial counter block.
pub(super) const CIPHER_IV_LEN: usize = 16;

const EXTRACT_SALT: &[u8] = b"openais-rs totem secauth v1";
const DIGEST_INFO: &[u8] = b"packet digest";
const CIPHER_INFO: &[u8] = b"packet cipher";

/// Key and initial counter block of one packet's cipher.
pub(super) struct CipherKey {
    pub(super) key: Zeroizing<[u8; CIPHER_KEY_LEN]>,
    pub(super) iv: Zeroizing<[u8; CIPHER_IV_LEN]>,
}

/// The long-lived keyed states derived from one secret.
#[derive(Clone)]
pub(super) struct PacketKeys {
    /// HMAC keyed with the extracted pseudo-random key: HKDF-Expand.
    expand: HmacSha1,
    /// HMAC keyed with the digest key: the per-packet digest.
    digest: HmacSha1,
}

impl PacketKeys {
    pub(super) fn derive(secret: &[u8]) -> PacketKeys {
        let prk = keyed(EXTRACT_SALT).chain_update(secret).finalize();
        let expand = keyed(prk.as_bytes());
        let mut digest_key = Zeroizing::new([0u8; SHA1_LEN]);
        hkdf_expand(&expand, &[DIGEST_INFO], &mut digest_key[..]);
        PacketKeys {
            digest: keyed(&digest_key[..]),
            expand,
        }
    }

    /// A fresh HMAC state ready to digest one packet.
    pub(super) fn digest(&self) -> HmacSha1 {
        self.digest.clone()
    }

    /// The cipher key and counter block of the packet carrying `nonce`.
    pub(super) fn cipher_key(&self, nonce: &[u8]) -> CipherKey {
        let mut okm = Zeroizing::new([0u8; CIPHER_KEY_LEN + CIPHER_IV_LEN]);
        hkdf_expand(&self.expand, &[CIPHER_INFO, nonce], &mut okm[..]);
        let mut key = Zeroizing::new([0u8; CIPHER_KEY_LEN]);
        let mut iv = Zeroizing::new([0u8; CIPHER_IV_LEN]);
        key.copy_from_slice(&okm[..CIPHER_KEY_LEN]);
        iv.copy_from_slice(&okm[CIPHER_KEY_LEN..]);
        // The counter block is a 128-bit big-endian counter. With its top
        // bit clear it cannot reach the end of its range within any packet,
        // so the cipher never runs out of key stream (which would panic).
        iv[0] &= 0x7f;
        CipherKey { key, iv }
    }
}

/// An HMAC-SHA1 state keyed with `key` (at most one SHA-1 block long).
///
/// HMAC pads a key shorter than the block with zeros, so building the
/// padded block here gives the same function while using the infallible
/// fixed-size constructor.
fn keyed(key: &[u8]) -> HmacSha1 {
    debug_assert!(key.len() <= SHA1_BLOCK);
    let mut block = Zeroizing::new([0u8; SHA1_BLOCK]);
    let len = key.len().min(SHA1_BLOCK);
    block[..len].copy_from_slice(&key[..len]);
    HmacSha1::new((&*block).into())
}

/// HKDF-Expand: fills `out` with T(1) || T(2) || ... where
/// T(i) = HMAC(prk, T(i-1) || info || i).
fn hkdf_expand(prk: &HmacSha1, info: &[&[u8]], out: &mut [u8]) {
    let mut previous = Zeroizing::new([0u8; SHA1_LEN]);
    for (index, chunk) in out.chunks_mut(SHA1_LEN).enumerate() {
        let mut mac = prk.clone();
        if index > 0 {
            mac.update(&previous[..]);
        }
        for part in info {
            mac.update(part);
        }
        // `out` is at most a few blocks long, far below HKDF's 255-block
        // limit, so the block counter fits a byte.
        mac.update(&[(index + 1) as u8]);
        let block = mac.finalize();
        previous.copy_from_slice(block.as_bytes());
        chunk.copy_from_slice(&previous[..chunk.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hkdf_sha1_matches_rfc5869_test_case_4() {
        // RFC 5869, appendix A.4 (HKDF-SHA1, basic test case).
        let ikm = [0x0bu8; 11];
        let salt: Vec<u8> = (0x00..=0x0c).collect();
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        let prk = keyed(&salt).chain_update(ikm).finalize();
        assert_eq!(
            hex(prk.as_bytes()),
            "9b6c18c432a7bf8f0e71c8eb88f4b30baa2ba243"
        );
        let mut okm = [0u8; 42];
        hkdf_expand(&keyed(prk.as_bytes()), &[&info], &mut okm);
        assert_eq!(
            hex(&okm),
            "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2\
             c22e422478d305f3f896"
        );
    }

    #[test]
    fn cipher_keys_depend_on_nonce_and_secret() {
        let a = PacketKeys::derive(&[1u8; 128]);
        let b = PacketKeys::derive(&[2u8; 128]);
        let n1 = [7u8; 16];
        let n2 = [8u8; 16];
        assert_ne!(*a.cipher_key(&n1).key, *a.cipher_key(&n2).key);
        assert_ne!(*a.cipher_key(&n1).iv, *a.cipher_key(&n2).iv);
        assert_ne!(*a.cipher_key(&n1).key, *b.cipher_key(&n1).key);
        assert_eq!(*a.cipher_key(&n1).key, *a.cipher_key(&n1).key);
    }
}

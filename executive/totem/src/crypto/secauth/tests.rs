use proptest::prelude::*;

use super::*;

fn authkey(seed: u8) -> Vec<u8> {
    (0..AUTHKEY_LEN as u32)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn on(seed: u8) -> PacketSecurity {
    PacketSecurity::from_authkey(&authkey(seed)).unwrap()
}

fn sealed(security: &PacketSecurity, nonce: u8, plaintext: &[u8]) -> Vec<u8> {
    let mut packet = Vec::new();
    security.seal([nonce; NONCE_LEN], plaintext, &mut packet);
    packet
}

#[test]
fn round_trip_with_secauth_on() {
    let security = on(1);
    let plaintext = b"token for the ring 4".repeat(50);
    let packet = sealed(&security, 9, &plaintext);
    assert_eq!(packet.len(), plaintext.len() + OVERHEAD);
    // Encrypted: the plaintext does not appear in the packet.
    assert!(!packet.windows(20).any(|w| w == &plaintext[..20]));
    let mut opened = Vec::new();
    security.open(&packet, &mut opened).unwrap();
    assert_eq!(opened, plaintext);
}

#[test]
fn round_trip_with_secauth_off_is_clear_but_digested() {
    let security = PacketSecurity::integrity_only();
    assert_eq!(security.mode(), SecAuth::Off);
    let plaintext = b"join message".to_vec();
    let packet = sealed(&security, 0, &plaintext);
    assert_eq!(
        &packet[HEADER_LEN + NONCE_LEN..HEADER_LEN + NONCE_LEN + plaintext.len()],
        &plaintext[..]
    );
    let mut opened = Vec::new();
    PacketSecurity::integrity_only()
        .open(&packet, &mut opened)
        .unwrap();
    assert_eq!(opened, plaintext);
}

#[test]
fn empty_plaintext_round_trips() {
    for security in [on(3), PacketSecurity::integrity_only()] {
        let packet = sealed(&security, 1, &[]);
        assert_eq!(packet.len(), OVERHEAD);
        let mut opened = vec![1, 2, 3];
        security.open(&packet, &mut opened).unwrap();
        assert!(opened.is_empty());
    }
}

#[test]
fn same_plaintext_under_different_nonces_gives_different_ciphertexts() {
    let security = on(1);
    let a = sealed(&security, 1, b"same bytes, twice");
    let b = sealed(&security, 2, b"same bytes, twice");
    assert_ne!(
        a[HEADER_LEN + NONCE_LEN..a.len() - DIGEST_LEN],
        b[HEADER_LEN + NONCE_LEN..b.len() - DIGEST_LEN]
    );
}

#[test]
fn authkey_must_be_128_bytes() {
    for len in [0, 16, 32, 127, 129, 256] {
        assert_eq!(
            PacketSecurity::from_authkey(&vec![0u8; len]).unwrap_err(),
            KeyError::WrongLength { len }
        );
    }
    assert!(PacketSecurity::from_authkey(&[0u8; AUTHKEY_LEN]).is_ok());
}

#[test]
fn a_different_key_gives_invalid_digest() {
    let packet = sealed(&on(1), 5, b"hello ring");
    let mut opened = Vec::new();
    assert_eq!(
        on(2).open(&packet, &mut opened),
        Err(OpenError::InvalidDigest)
    );
    assert!(opened.is_empty());
}

#[test]
fn mode_mismatch_is_reported_as_such() {
    let mut opened = Vec::new();
    let clear = sealed(&PacketSecurity::integrity_only(), 0, b"x");
    assert_eq!(
        on(1).open(&clear, &mut opened),
        Err(OpenError::ModeMismatch {
            ours: SecAuth::On,
            theirs: SecAuth::Off
        })
    );
    let secret = sealed(&on(1), 0, b"x");
    assert_eq!(
        PacketSecurity::integrity_only().open(&secret, &mut opened),
        Err(OpenError::ModeMismatch {
            ours: SecAuth::Off,
            theirs: SecAuth::On
        })
    );
}

#[test]
fn every_single_bit_flip_is_rejected() {
    for security in [on(4), PacketSecurity::integrity_only()] {
        let packet = sealed(&security, 0x5a, b"a short but complete packet");
        let mut opened = Vec::new();
        for bit in 0..packet.len() * 8 {
            let mut damaged = packet.clone();
            damaged[bit / 8] ^= 1 << (bit % 8);
            assert!(
                security.open(&damaged, &mut opened).is_err(),
                "flip of bit {bit} accepted"
            );
            assert!(opened.is_empty());
        }
    }
}

#[test]
fn truncated_packets_are_rejected() {
    let security = on(1);
    let packet = sealed(&security, 3, b"0123456789");
    let mut opened = Vec::new();
    for len in 0..packet.len() {
        let err = security.open(&packet[..len], &mut opened).unwrap_err();
        if len < OVERHEAD {
            assert_eq!(err, OpenError::Truncated { len });
        } else {
            assert_eq!(err, OpenError::InvalidDigest);
        }
    }
    // Appending is as bad as truncating.
    let mut longer = packet.clone();
    longer.push(0);
    assert_eq!(
        security.open(&longer, &mut opened),
        Err(OpenError::InvalidDigest)
    );
}

#[test]
fn unknown_versions_and_flags_are_rejected() {
    let security = on(1);
    let mut packet = sealed(&security, 3, b"abc");
    let mut opened = Vec::new();
    for version in [1, 3] {
        packet[0] = (version << 4) | FLAG_ENCRYPTED;
        assert_eq!(
            security.open(&packet, &mut opened),
            Err(OpenError::UnsupportedVersion(version))
        );
    }
    packet[0] = (VERSION << 4) | 0x03;
    assert_eq!(
        security.open(&packet, &mut opened),
        Err(OpenError::UnknownFlags(0x03))
    );
}

#[test]
fn debug_output_shows_no_key_material() {
    let text = format!("{:?}", on(1));
    assert_eq!(text, "PacketSecurity { mode: On, .. }");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_and_never_open(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut opened = Vec::new();
        for security in [on(7), PacketSecurity::integrity_only()] {
            // A random 20-byte digest matches with probability 2^-160.
            prop_assert!(security.open(&bytes, &mut opened).is_err());
            prop_assert!(opened.is_empty());
        }
    }

    #[test]
    fn any_plaintext_and_nonce_round_trip(
        plaintext in prop::collection::vec(any::<u8>(), 0..3000),
        nonce in any::<[u8; NONCE_LEN]>(),
    ) {
        let security = on(11);
        let mut packet = Vec::new();
        security.seal(nonce, &plaintext, &mut packet);
        prop_assert_eq!(packet.len(), plaintext.len() + OVERHEAD);
        let mut opened = Vec::new();
        security.open(&packet, &mut opened).unwrap();
        prop_assert_eq!(opened, plaintext);
    }

    #[test]
    fn damaged_packets_never_open(
        plaintext in prop::collection::vec(any::<u8>(), 0..600),
        position in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let security = on(13);
        let mut packet = Vec::new();
        security.seal([1; NONCE_LEN], &plaintext, &mut packet);
        let at = position.index(packet.len());
        packet[at] ^= flip;
        let mut opened = Vec::new();
        prop_assert!(security.open(&packet, &mut opened).is_err());
    }
}

/// The packet format is a wire protocol: these bytes must not change
/// between releases. They were checked against an independent
/// implementation of the construction described in `keys.rs` (RFC 5869
/// HKDF-SHA1, AES-256-CTR, HMAC-SHA1).
#[test]
fn sealed_packets_match_the_documented_construction() {
    let key: Vec<u8> = (0..AUTHKEY_LEN as u8).collect();
    let cases = [
        (
            PacketSecurity::from_authkey(&key).unwrap(),
            "2142424242424242424242424242424242\
             77abbbf9191b8ed8977a\
             f04684e6b68a69c226b0228f08cc4e1d994f046a",
        ),
        (
            PacketSecurity::integrity_only(),
            "2042424242424242424242424242424242\
             6f70656e6169732d7273\
             a41198a3da64be6a5f46faae880bc615817b4a3e",
        ),
    ];
    for (security, expected) in cases {
        let packet = sealed(&security, 0x42, b"openais-rs");
        let hex: String = packet.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected, "{:?}", security.mode());
    }
}

//! Round trips for every packet type, and decoding of arbitrary bytes.

use proptest::prelude::*;

use super::*;
use crate::api::{Guarantee, RingId};

fn ring() -> impl Strategy<Value = RingId> {
    (any::<u32>(), any::<u64>()).prop_map(|(rep, seq)| RingId { rep, seq })
}

fn mcast() -> impl Strategy<Value = McastMsg> {
    (
        ring(),
        any::<u64>(),
        any::<u32>(),
        any::<bool>(),
        proptest::option::of((ring(), any::<u64>())),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(ring, seq, sender, safe, origin, payload)| McastMsg {
            ring,
            seq,
            sender,
            guarantee: if safe {
                Guarantee::Safe
            } else {
                Guarantee::Agreed
            },
            origin: origin.map(|(ring, seq)| Origin { ring, seq }),
            payload,
        })
}

fn token() -> impl Strategy<Value = Token> {
    (
        ring(),
        (any::<u64>(), any::<u64>(), any::<u64>(), any::<u32>()),
        (any::<u32>(), any::<u32>(), any::<bool>()),
        proptest::option::of(any::<u64>()),
        proptest::collection::vec(any::<u64>(), 0..40),
    )
        .prop_map(
            |(
                ring,
                (token_seq, seq, aru, aru_addr),
                (fcc, backlog, retrans_flg),
                install_seq,
                rtr,
            )| Token {
                ring,
                token_seq,
                seq,
                aru,
                aru_addr,
                fcc,
                backlog,
                retrans_flg,
                install_seq,
                rtr,
            },
        )
}

fn join() -> impl Strategy<Value = Join> {
    (
        any::<u32>(),
        any::<u64>(),
        proptest::collection::vec(any::<u32>(), 0..30),
        proptest::collection::vec(any::<u32>(), 0..30),
    )
        .prop_map(|(sender, ring_seq, proc_set, fail_set)| Join {
            sender,
            ring_seq,
            proc_set,
            fail_set,
        })
}

fn commit() -> impl Strategy<Value = CommitToken> {
    let state = (ring(), any::<u64>(), any::<u64>(), any::<bool>()).prop_map(
        |(old_ring, aru, high_delivered, received_flg)| MemberState {
            old_ring,
            aru,
            high_delivered,
            received_flg,
        },
    );
    let entry = (any::<u32>(), proptest::option::of(state))
        .prop_map(|(node, state)| CommitEntry { node, state });
    (
        ring(),
        any::<u64>(),
        proptest::collection::vec(entry, 0..20),
    )
        .prop_map(|(ring, token_seq, entries)| CommitToken {
            ring,
            token_seq,
            entries,
        })
}

fn packet() -> impl Strategy<Value = Packet> {
    prop_oneof![
        mcast().prop_map(Packet::Mcast),
        token().prop_map(Packet::Token),
        join().prop_map(Packet::Join),
        commit().prop_map(Packet::Commit),
        (any::<u32>(), ring())
            .prop_map(|(sender, ring)| Packet::MergeDetect(MergeDetect { sender, ring })),
        (any::<u32>(), any::<u64>())
            .prop_map(|(sender, ring_seq)| Packet::Leave(Leave { sender, ring_seq })),
        (any::<u32>(), ring())
            .prop_map(|(sender, ring)| Packet::HoldCancel(HoldCancel { sender, ring })),
    ]
}

proptest! {
    #[test]
    fn every_packet_round_trips(p in packet()) {
        let bytes = p.encode();
        prop_assert_eq!(bytes.len(), p.encoded_len());
        prop_assert_eq!(Packet::decode(&bytes), Ok(p));
    }

    #[test]
    fn the_size_limit_read_from_the_bytes_is_the_packets(p in packet(), netmtu in 100usize..9000) {
        let bytes = p.encode();
        prop_assert_eq!(Packet::max_encoded_len(&bytes, netmtu), p.max_len(netmtu));
        let framed = matches!(p, Packet::Mcast(_) | Packet::Token(_));
        prop_assert_eq!(p.max_len(netmtu) == netmtu, framed);
    }

    #[test]
    fn a_token_is_told_from_its_header(p in packet()) {
        let bytes = p.encode();
        prop_assert_eq!(Packet::is_token(&bytes), matches!(p, Packet::Token(_)));
        prop_assert!(!Packet::is_token(&bytes[..1]));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Packet::decode(&bytes);
    }

    #[test]
    fn arbitrary_bodies_after_a_valid_header_never_panic(tag in 0u8..9, body in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut bytes = vec![VERSION, tag];
        bytes.extend_from_slice(&body);
        let _ = Packet::decode(&bytes);
    }

    #[test]
    fn every_truncation_is_an_error(p in packet(), cut in any::<prop::sample::Index>()) {
        let bytes = p.encode();
        let n = cut.index(bytes.len());
        prop_assert!(Packet::decode(&bytes[..n]).is_err());
    }

    #[test]
    fn trailing_bytes_are_an_error(p in packet(), extra in 1usize..8) {
        let mut bytes = p.encode();
        bytes.extend(std::iter::repeat_n(0u8, extra));
        prop_assert_eq!(Packet::decode(&bytes), Err(DecodeError::TrailingBytes(extra)));
    }

    #[test]
    fn corrupted_packets_never_panic(p in packet(), at in any::<prop::sample::Index>(), xor in 1u8..=255) {
        let mut bytes = p.encode();
        let i = at.index(bytes.len());
        bytes[i] ^= xor;
        let _ = Packet::decode(&bytes);
    }
}

#[test]
fn wrong_version_and_unknown_type_are_refused() {
    assert_eq!(Packet::decode(&[]), Err(DecodeError::Truncated));
    assert_eq!(
        Packet::decode(&[VERSION + 1, TAG_TOKEN]),
        Err(DecodeError::Version(VERSION + 1))
    );
    assert_eq!(
        Packet::decode(&[VERSION, 0]),
        Err(DecodeError::UnknownType(0))
    );
    assert_eq!(
        Packet::decode(&[VERSION, 99]),
        Err(DecodeError::UnknownType(99))
    );
}

#[test]
fn hold_cancel_is_checked_like_every_packet() {
    let p = Packet::HoldCancel(HoldCancel {
        sender: 3,
        ring: RingId { rep: 1, seq: 12 },
    });
    let bytes = p.encode();
    assert_eq!(bytes.len(), PACKET_HEADER_LEN + 4 + RING_ID_LEN);
    assert_eq!(bytes[1], TAG_HOLD_CANCEL);
    assert_eq!(Packet::decode(&bytes), Ok(p));
    assert_eq!(
        Packet::decode(&bytes[..bytes.len() - 1]),
        Err(DecodeError::Truncated)
    );
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(Packet::decode(&longer), Err(DecodeError::TrailingBytes(1)));
    let mut other_version = bytes;
    other_version[0] = VERSION + 1;
    assert_eq!(
        Packet::decode(&other_version),
        Err(DecodeError::Version(VERSION + 1))
    );
}

#[test]
fn a_huge_list_count_is_refused_before_allocating() {
    let mut bytes = vec![VERSION, TAG_JOIN];
    bytes.extend_from_slice(&7u32.to_le_bytes());
    bytes.extend_from_slice(&0u64.to_le_bytes());
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(Packet::decode(&bytes), Err(DecodeError::Truncated));
}

#[test]
fn invalid_flags_and_guarantees_are_refused() {
    let m = McastMsg {
        ring: RingId { rep: 1, seq: 4 },
        seq: 1,
        sender: 1,
        guarantee: Guarantee::Agreed,
        origin: None,
        payload: vec![1, 2, 3],
    };
    let mut bytes = Packet::Mcast(m).encode();
    // The guarantee byte follows header, ring, seq and sender.
    let at = PACKET_HEADER_LEN + RING_ID_LEN + 8 + 4;
    bytes[at] = 7;
    assert_eq!(
        Packet::decode(&bytes),
        Err(DecodeError::InvalidValue {
            field: "guarantee",
            value: 7
        })
    );
    bytes[at] = 0;
    bytes[at + 1] = 2;
    assert_eq!(
        Packet::decode(&bytes),
        Err(DecodeError::InvalidValue {
            field: "flag",
            value: 2
        })
    );
}

#[test]
fn max_overhead_covers_a_recovered_message() {
    let m = McastMsg {
        ring: RingId { rep: 1, seq: 8 },
        seq: 3,
        sender: 2,
        guarantee: Guarantee::Safe,
        origin: Some(Origin {
            ring: RingId { rep: 1, seq: 4 },
            seq: 9,
        }),
        payload: vec![0; 100],
    };
    assert_eq!(
        Packet::Mcast(m).encode().len(),
        McastMsg::MAX_OVERHEAD + 100
    );
}

//! The EVT messages' wire contract: round trips, limits, decoding by kind.

use super::*;
use crate::proto::assert_round_trip;

fn attributes() -> Attributes {
    Attributes {
        patterns: vec![b"alpha".to_vec(), Vec::new(), vec![0, 1, 2]],
        priority: 2,
        retention: 5_000_000_000,
        publisher: Name::try_from("publisher").unwrap(),
    }
}

#[test]
fn requests_round_trip() {
    assert_round_trip(ChannelOpen {
        name: Name::try_from("chan").unwrap(),
        flags: open_flags::ALL,
        invocation: None,
    });
    assert_round_trip(ChannelOpen {
        name: Name::try_from("chan").unwrap(),
        flags: open_flags::SUBSCRIBER,
        invocation: Some(0xfeed),
    });
    assert_round_trip(ChannelClose { open_id: 3 });
    assert_round_trip(ChannelUnlink {
        name: Name::try_from("chan").unwrap(),
    });
    assert_round_trip(Publish {
        open_id: 7,
        attributes: attributes(),
        data: b"payload".to_vec(),
    });
    assert_round_trip(Subscribe {
        open_id: 7,
        subscription_id: 0x1234,
        filters: vec![
            Filter {
                kind: FilterKind::Prefix,
                pattern: b"ab".to_vec(),
            },
            Filter {
                kind: FilterKind::PassAll,
                pattern: Vec::new(),
            },
        ],
    });
    assert_round_trip(Unsubscribe {
        open_id: 7,
        subscription_id: 9,
    });
    assert_round_trip(RetentionClear {
        open_id: 7,
        event_id: 0x0101_d50a_0000_0002,
    });
}

#[test]
fn replies_and_callbacks_round_trip() {
    assert_round_trip(OpenReply { open_id: 1 });
    assert_round_trip(PublishReply {
        event_id: 42,
        publish_time: 1_700_000_000_000_000_000,
    });
    assert_round_trip(OpenCallback {
        invocation: 0xfeed,
        open_id: 2,
    });
    let delivered = Delivered {
        open_id: 1,
        subscription_id: 2,
        event: EventRecord {
            attributes: attributes(),
            publish_time: 1,
            event_id: 0x0101_d50a_0000_0002,
            data: vec![0; 100],
        },
    };
    assert_round_trip(delivered.clone());
    assert_round_trip(Pulled {
        events: vec![
            delivered,
            Delivered {
                open_id: 3,
                subscription_id: 4,
                event: EventRecord::default(),
            },
        ],
    });
}

#[test]
fn enums_dispatch_on_kind() {
    let req = Unsubscribe {
        open_id: 1,
        subscription_id: 2,
    };
    assert_eq!(
        EvtRequest::decode(Unsubscribe::KIND, &req.to_payload()).unwrap(),
        EvtRequest::Unsubscribe(req)
    );
    assert_eq!(
        EvtRequest::decode(kind::PULL, &Pull { max: 64 }.to_payload()).unwrap(),
        EvtRequest::Pull(Pull { max: 64 })
    );
    assert!(matches!(
        EvtRequest::decode(99, &[]),
        Err(DecodeError::UnknownKind {
            service: service::EVT,
            kind: 99
        })
    ));
    assert_eq!(
        EvtCallback::decode(kind::EVENT_AVAILABLE, 0, &[]).unwrap(),
        EvtCallback::EventAvailable
    );
    let cb = OpenCallback {
        invocation: 5,
        open_id: 0,
    };
    assert_eq!(
        EvtCallback::decode(kind::OPEN_CALLBACK, 12, &cb.to_payload()).unwrap(),
        EvtCallback::Open {
            error: 12,
            result: cb
        }
    );
    assert!(EvtCallback::decode(kind::OPEN, 0, &[]).is_err());
}

#[test]
fn limits_are_enforced() {
    let too_much_data = Publish {
        open_id: 1,
        attributes: Attributes::default(),
        data: vec![0; MAX_DATA_LEN + 1],
    };
    assert!(matches!(
        Publish::from_payload(&too_much_data.to_payload()),
        Err(DecodeError::TooLong { .. })
    ));
    let too_many_patterns = Attributes {
        patterns: vec![Vec::new(); MAX_PATTERNS + 1],
        ..Attributes::default()
    };
    assert!(matches!(
        Attributes::from_payload(&too_many_patterns.to_payload()),
        Err(DecodeError::TooLong { .. })
    ));
    let too_long_patterns = Attributes {
        patterns: vec![vec![b'x'; MAX_PATTERN_BYTES / 2 + 1]; 2],
        ..Attributes::default()
    };
    assert!(matches!(
        Attributes::from_payload(&too_long_patterns.to_payload()),
        Err(DecodeError::TooLong { .. })
    ));
    let mut bad_filter = Subscribe {
        open_id: 1,
        subscription_id: 1,
        filters: vec![Filter {
            kind: FilterKind::Exact,
            pattern: Vec::new(),
        }],
    }
    .to_payload();
    bad_filter[12] = 9; // filter type
    assert!(matches!(
        Subscribe::from_payload(&bad_filter),
        Err(DecodeError::InvalidValue { .. })
    ));
    assert!(!Attributes {
        priority: LOWEST_PRIORITY + 1,
        ..Attributes::default()
    }
    .is_valid());
    assert!(!Attributes {
        retention: -1,
        ..Attributes::default()
    }
    .is_valid());
    assert!(attributes().is_valid());
}

#[test]
fn wire_len_is_the_encoded_size() {
    let mut record = EventRecord {
        attributes: attributes(),
        publish_time: 7,
        event_id: 9,
        data: b"some data".to_vec(),
    };
    assert_eq!(record.wire_len(), record.to_payload().len());
    record.attributes.patterns = vec![Vec::new(); MAX_PATTERNS];
    record.data.clear();
    assert_eq!(record.wire_len(), record.to_payload().len());
}

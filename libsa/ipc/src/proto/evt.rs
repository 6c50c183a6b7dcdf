//! Event service (EVT) messages.
//!
//! Requests (library -> executive, on the request connection):
//!
//! | kind | request             | reply payload (when SA_AIS_OK)                  |
//! |-----:|---------------------|-------------------------------------------------|
//! | 1    | [`ChannelOpen`]       | [`OpenReply`] (synchronous open); `()` for an asynchronous one, whose result is an [`OpenCallback`] |
//! | 2    | [`ChannelClose`]      | `()`                                            |
//! | 3    | [`ChannelUnlink`]     | `()`; SA_AIS_ERR_NOT_EXIST for an unknown name  |
//! | 4    | [`Publish`]           | [`PublishReply`]: the event id and publish time |
//! | 5    | [`Subscribe`]         | `()`; SA_AIS_ERR_EXIST for an id in use on the opening |
//! | 6    | [`Unsubscribe`]       | `()`; SA_AIS_ERR_NOT_EXIST for an unknown id    |
//! | 7    | [`RetentionClear`]    | `()`; SA_AIS_ERR_NOT_EXIST when not retained    |
//! | 8    | [`Pull`]              | [`Pulled`]: the next queued events (at least one); SA_AIS_ERR_NOT_EXIST when none is queued |
//!
//! Callbacks (executive -> library, on the dispatch connection, seq 0):
//!
//! | kind | callback            | meaning                                         |
//! |-----:|---------------------|-------------------------------------------------|
//! | 0x81 | [`OpenCallback`]      | result of an asynchronous open (frame error = its SaAisErrorT) |
//! | 0x82 | [`EventAvailable`]    | events are queued for this connection: pull one |
//!
//! Events are pulled, not pushed: the executive keeps each connection's
//! events in a bounded queue ordered by priority and sends one
//! [`EventAvailable`] while the queue is not empty. Dispatching it, the
//! library pulls with [`Pull`] (one event for SA_DISPATCH_ONE, a batch
//! for the other modes, all of which it hands to the application before
//! the dispatch returns); if more are queued the executive sends the next
//! [`EventAvailable`] with the reply. So the selection object stays
//! readable exactly while events wait, a slow subscriber holds its events
//! in the executive's bounded queue (where overflow turns into a
//! lost-event notification) and a higher-priority event overtakes lower
//! ones still queued.
//!
//! A channel opening is named by `open_id`, a number the executive assigns
//! per connection; the library maps its SaEvtChannelHandleT to it.

use super::{service, Message, Payload, Request};
use crate::codec::{DecodeError, Decoder, Encoder, Name};

/// Message ids of the EVT service.
pub mod kind {
    pub const OPEN: u16 = 1;
    pub const CLOSE: u16 = 2;
    pub const UNLINK: u16 = 3;
    pub const PUBLISH: u16 = 4;
    pub const SUBSCRIBE: u16 = 5;
    pub const UNSUBSCRIBE: u16 = 6;
    pub const RETENTION_CLEAR: u16 = 7;
    pub const PULL: u16 = 8;
    pub const OPEN_CALLBACK: u16 = 0x81;
    pub const EVENT_AVAILABLE: u16 = 0x82;
}

/// Largest event data (SA_EVT_DATA_MAX_LEN).
pub const MAX_DATA_LEN: usize = 65536;

/// Most patterns of one event, and most filters of one subscription.
pub const MAX_PATTERNS: usize = 1024;

/// Most pattern (or filter) bytes of one event (or subscription), all
/// patterns together.
pub const MAX_PATTERN_BYTES: usize = 65536;

/// Lowest event priority (SA_EVT_LOWEST_PRIORITY); 0 is the highest.
pub const LOWEST_PRIORITY: u8 = 3;

/// Channel open flags (SaEvtChannelOpenFlagsT).
pub mod open_flags {
    pub const PUBLISHER: u8 = 1;
    pub const SUBSCRIBER: u8 = 2;
    pub const CREATE: u8 = 4;
    /// Every defined flag; any other bit is SA_AIS_ERR_BAD_FLAGS.
    pub const ALL: u8 = PUBLISHER | SUBSCRIBER | CREATE;
}

fn check_patterns(field: &'static str, total: usize, count: usize) -> Result<(), DecodeError> {
    if count > MAX_PATTERNS {
        return Err(DecodeError::TooLong {
            field,
            len: count,
            max: MAX_PATTERNS,
        });
    }
    if total > MAX_PATTERN_BYTES {
        return Err(DecodeError::TooLong {
            field,
            len: total,
            max: MAX_PATTERN_BYTES,
        });
    }
    Ok(())
}

/// The attributes a publisher sets on an event (saEvtEventAttributesSet).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attributes {
    /// At most [`MAX_PATTERNS`] patterns of at most [`MAX_PATTERN_BYTES`]
    /// bytes together.
    pub patterns: Vec<Vec<u8>>,
    /// 0 (highest) to [`LOWEST_PRIORITY`].
    pub priority: u8,
    /// How long the event is retained after publication, SaTimeT ns (0:
    /// not retained; never negative).
    pub retention: i64,
    pub publisher: Name,
}

impl Attributes {
    /// Whether the values are in range (the decoder checks sizes only, so
    /// the executive can answer SA_AIS_ERR_INVALID_PARAM for the rest).
    pub fn is_valid(&self) -> bool {
        self.priority <= LOWEST_PRIORITY && self.retention >= 0
    }
}

impl Payload for Attributes {
    fn encode(&self, e: &mut Encoder) {
        e.put_vec(&self.patterns, |e, p| {
            e.put_bytes(p);
        })
        .put_u8(self.priority)
        .put_i64(self.retention)
        .put_name(&self.publisher);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Attributes, DecodeError> {
        let mut total = 0usize;
        let patterns = d.get_vec(4, |d| {
            let p = d.get_bytes_max("pattern", MAX_PATTERN_BYTES)?;
            total += p.len();
            Ok(p.to_vec())
        })?;
        check_patterns("patterns", total, patterns.len())?;
        Ok(Attributes {
            patterns,
            priority: d.get_u8()?,
            retention: d.get_i64()?,
            publisher: d.get_name()?,
        })
    }
}

/// An event as a subscriber receives it: the publisher's attributes, the
/// publish time and event id the service gave it, and its data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventRecord {
    pub attributes: Attributes,
    /// SaTimeT nanoseconds since the epoch.
    pub publish_time: i64,
    pub event_id: u64,
    pub data: Vec<u8>,
}

impl EventRecord {
    /// Bytes of its encoding: what it adds to a [`Pulled`] reply, beside
    /// a [`Delivered`]'s two ids.
    pub fn wire_len(&self) -> usize {
        let patterns: usize = self.attributes.patterns.iter().map(|p| 4 + p.len()).sum();
        4 + patterns + 1 + 8 + 2 + self.attributes.publisher.len() + 8 + 8 + 4 + self.data.len()
    }
}

impl Payload for EventRecord {
    fn encode(&self, e: &mut Encoder) {
        self.attributes.encode(e);
        e.put_i64(self.publish_time)
            .put_u64(self.event_id)
            .put_bytes(&self.data);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<EventRecord, DecodeError> {
        Ok(EventRecord {
            attributes: Attributes::decode(d)?,
            publish_time: d.get_i64()?,
            event_id: d.get_u64()?,
            data: d.get_bytes_max("event data", MAX_DATA_LEN)?.to_vec(),
        })
    }
}

/// saEvtChannelOpen (`invocation: None`) or saEvtChannelOpenAsync
/// (`Some(invocation)`). Flags outside [`open_flags::ALL`] are answered
/// SA_AIS_ERR_BAD_FLAGS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelOpen {
    pub name: Name,
    pub flags: u8,
    pub invocation: Option<u64>,
}

impl Payload for ChannelOpen {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.name).put_u8(self.flags);
        match self.invocation {
            Some(i) => e.put_bool(true).put_u64(i),
            None => e.put_bool(false),
        };
    }

    fn decode(d: &mut Decoder<'_>) -> Result<ChannelOpen, DecodeError> {
        Ok(ChannelOpen {
            name: d.get_name()?,
            flags: d.get_u8()?,
            invocation: if d.get_bool()? {
                Some(d.get_u64()?)
            } else {
                None
            },
        })
    }
}

impl Message for ChannelOpen {
    const SERVICE: u16 = service::EVT;
    const KIND: u16 = kind::OPEN;
}

impl Request for ChannelOpen {
    /// For an asynchronous open the reply payload is empty; the library
    /// sends those with [`crate::Connection::request`] and reads no
    /// [`OpenReply`].
    type Reply = OpenReply;
}

/// Reply to a synchronous [`ChannelOpen`]: the opening's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenReply {
    pub open_id: u32,
}

impl Payload for OpenReply {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.open_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<OpenReply, DecodeError> {
        Ok(OpenReply {
            open_id: d.get_u32()?,
        })
    }
}

/// Result of saEvtChannelOpenAsync; `open_id` is meaningful when the
/// frame's error is SA_AIS_OK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenCallback {
    pub invocation: u64,
    pub open_id: u32,
}

impl Payload for OpenCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation).put_u32(self.open_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<OpenCallback, DecodeError> {
        Ok(OpenCallback {
            invocation: d.get_u64()?,
            open_id: d.get_u32()?,
        })
    }
}

impl Message for OpenCallback {
    const SERVICE: u16 = service::EVT;
    const KIND: u16 = kind::OPEN_CALLBACK;
}

/// Generates a request struct made of one `open_id` and more fields.
macro_rules! open_request {
    ($(#[$doc:meta])* $name:ident, $kind:expr, $reply:ty { $($field:ident : $ty:ident = $put:ident / $get:ident),* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name {
            pub open_id: u32,
            $(pub $field: $ty,)*
        }

        impl Payload for $name {
            fn encode(&self, e: &mut Encoder) {
                e.put_u32(self.open_id);
                $(e.$put(self.$field);)*
            }
            fn decode(d: &mut Decoder<'_>) -> Result<$name, DecodeError> {
                Ok($name {
                    open_id: d.get_u32()?,
                    $($field: d.$get()?,)*
                })
            }
        }

        impl Message for $name {
            const SERVICE: u16 = service::EVT;
            const KIND: u16 = $kind;
        }

        impl Request for $name {
            type Reply = $reply;
        }
    };
}

open_request!(
    /// saEvtChannelClose.
    ChannelClose, kind::CLOSE, () {}
);

open_request!(
    /// saEvtEventUnsubscribe.
    Unsubscribe, kind::UNSUBSCRIBE, () { subscription_id: u32 = put_u32 / get_u32 }
);

open_request!(
    /// saEvtEventRetentionTimeClear.
    RetentionClear, kind::RETENTION_CLEAR, () { event_id: u64 = put_u64 / get_u64 }
);

/// saEvtChannelUnlink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelUnlink {
    pub name: Name,
}

impl Payload for ChannelUnlink {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.name);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<ChannelUnlink, DecodeError> {
        Ok(ChannelUnlink {
            name: d.get_name()?,
        })
    }
}

impl Message for ChannelUnlink {
    const SERVICE: u16 = service::EVT;
    const KIND: u16 = kind::UNLINK;
}

impl Request for ChannelUnlink {
    type Reply = ();
}

/// saEvtEventPublish: an event with its attributes and data on an opening
/// made with SA_EVT_CHANNEL_PUBLISHER (else SA_AIS_ERR_ACCESS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    pub open_id: u32,
    pub attributes: Attributes,
    pub data: Vec<u8>,
}

impl Payload for Publish {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.open_id);
        self.attributes.encode(e);
        e.put_bytes(&self.data);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Publish, DecodeError> {
        Ok(Publish {
            open_id: d.get_u32()?,
            attributes: Attributes::decode(d)?,
            data: d.get_bytes_max("event data", MAX_DATA_LEN)?.to_vec(),
        })
    }
}

impl Message for Publish {
    const SERVICE: u16 = service::EVT;
    const KIND: u16 = kind::PUBLISH;
}

impl Request for Publish {
    type Reply = PublishReply;
}

/// Reply to [`Publish`]: what the service stamped on the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishReply {
    pub event_id: u64,
    pub publish_time: i64,
}

impl Payload for PublishReply {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.event_id).put_i64(self.publish_time);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<PublishReply, DecodeError> {
        Ok(PublishReply {
            event_id: d.get_u64()?,
            publish_time: d.get_i64()?,
        })
    }
}

/// How a filter compares a pattern (SaEvtEventFilterTypeT); the wire
/// values are the C ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterKind {
    /// SA_EVT_PREFIX_FILTER: the pattern starts with the filter.
    Prefix = 1,
    /// SA_EVT_SUFFIX_FILTER: the pattern ends with the filter.
    Suffix = 2,
    /// SA_EVT_EXACT_FILTER: the pattern equals the filter.
    Exact = 3,
    /// SA_EVT_PASS_ALL_FILTER: any pattern.
    PassAll = 4,
}

impl FilterKind {
    /// The filter kind of a C SaEvtEventFilterTypeT, if it is one.
    pub fn from_wire(v: u32) -> Option<FilterKind> {
        match v {
            1 => Some(FilterKind::Prefix),
            2 => Some(FilterKind::Suffix),
            3 => Some(FilterKind::Exact),
            4 => Some(FilterKind::PassAll),
            _ => None,
        }
    }

    pub fn to_wire(self) -> u32 {
        self as u32
    }
}

/// One filter of a subscription.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Filter {
    pub kind: FilterKind,
    pub pattern: Vec<u8>,
}

/// saEvtEventSubscribe on an opening made with SA_EVT_CHANNEL_SUBSCRIBER
/// (else SA_AIS_ERR_ACCESS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    pub open_id: u32,
    pub subscription_id: u32,
    pub filters: Vec<Filter>,
}

impl Payload for Subscribe {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.open_id)
            .put_u32(self.subscription_id)
            .put_vec(&self.filters, |e, f| {
                e.put_u32(f.kind.to_wire()).put_bytes(&f.pattern);
            });
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Subscribe, DecodeError> {
        let open_id = d.get_u32()?;
        let subscription_id = d.get_u32()?;
        let mut total = 0usize;
        let filters = d.get_vec(8, |d| {
            let raw = d.get_u32()?;
            let kind = FilterKind::from_wire(raw).ok_or(DecodeError::InvalidValue {
                field: "filter type",
                value: u64::from(raw),
            })?;
            let pattern = d.get_bytes_max("filter", MAX_PATTERN_BYTES)?;
            total += pattern.len();
            Ok(Filter {
                kind,
                pattern: pattern.to_vec(),
            })
        })?;
        check_patterns("filters", total, filters.len())?;
        Ok(Subscribe {
            open_id,
            subscription_id,
            filters,
        })
    }
}

impl Message for Subscribe {
    const SERVICE: u16 = service::EVT;
    const KIND: u16 = kind::SUBSCRIBE;
}

impl Request for Subscribe {
    type Reply = ();
}

/// Most encoded bytes of events ([`EventRecord::wire_len`]) one [`Pulled`]
/// reply carries (it always carries at least one event, however large),
/// well within a frame.
pub const MAX_PULL_BYTES: usize = 512 * 1024;

/// Takes the next events queued for this connection: at most `max` (at
/// least one), and no more than [`MAX_PULL_BYTES`] after the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pull {
    pub max: u32,
}

impl Payload for Pull {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.max);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Pull, DecodeError> {
        Ok(Pull { max: d.get_u32()? })
    }
}

impl Message for Pull {
    const SERVICE: u16 = service::EVT;
    const KIND: u16 = kind::PULL;
}

impl Request for Pull {
    type Reply = Pulled;
}

/// Reply to [`Pull`]: events in the order they are to be handed to the
/// application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    pub events: Vec<Delivered>,
}

impl Payload for Pulled {
    fn encode(&self, e: &mut Encoder) {
        e.put_vec(&self.events, |e, d| d.encode(e));
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Pulled, DecodeError> {
        Ok(Pulled {
            // open id, subscription id, an empty record
            events: d.get_vec(4 + 4 + 4 + 1 + 8 + 2 + 8 + 8 + 4, Delivered::decode)?,
        })
    }
}

/// An event delivered to one subscription of one opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub open_id: u32,
    pub subscription_id: u32,
    pub event: EventRecord,
}

impl Payload for Delivered {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.open_id).put_u32(self.subscription_id);
        self.event.encode(e);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Delivered, DecodeError> {
        Ok(Delivered {
            open_id: d.get_u32()?,
            subscription_id: d.get_u32()?,
            event: EventRecord::decode(d)?,
        })
    }
}

/// "Events are queued for this connection": the library answers with a
/// [`Pull`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventAvailable;

impl Payload for EventAvailable {
    fn encode(&self, _e: &mut Encoder) {}
    fn decode(_d: &mut Decoder<'_>) -> Result<EventAvailable, DecodeError> {
        Ok(EventAvailable)
    }
}

impl Message for EventAvailable {
    const SERVICE: u16 = service::EVT;
    const KIND: u16 = kind::EVENT_AVAILABLE;
}

/// Every EVT request, as the executive receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvtRequest {
    Open(ChannelOpen),
    Close(ChannelClose),
    Unlink(ChannelUnlink),
    Publish(Publish),
    Subscribe(Subscribe),
    Unsubscribe(Unsubscribe),
    RetentionClear(RetentionClear),
    Pull(Pull),
}

impl EvtRequest {
    /// Decodes the payload of an EVT request frame of the given kind.
    pub fn decode(kind: u16, payload: &[u8]) -> Result<EvtRequest, DecodeError> {
        Ok(match kind {
            kind::OPEN => EvtRequest::Open(ChannelOpen::from_payload(payload)?),
            kind::CLOSE => EvtRequest::Close(ChannelClose::from_payload(payload)?),
            kind::UNLINK => EvtRequest::Unlink(ChannelUnlink::from_payload(payload)?),
            kind::PUBLISH => EvtRequest::Publish(Publish::from_payload(payload)?),
            kind::SUBSCRIBE => EvtRequest::Subscribe(Subscribe::from_payload(payload)?),
            kind::UNSUBSCRIBE => EvtRequest::Unsubscribe(Unsubscribe::from_payload(payload)?),
            kind::RETENTION_CLEAR => {
                EvtRequest::RetentionClear(RetentionClear::from_payload(payload)?)
            }
            kind::PULL => EvtRequest::Pull(Pull::from_payload(payload)?),
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::EVT,
                    kind,
                })
            }
        })
    }
}

/// Every EVT callback, as the library reads it from the dispatch
/// connection, with the SaAisErrorT of its frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvtCallback {
    Open { error: u32, result: OpenCallback },
    EventAvailable,
}

impl EvtCallback {
    /// Decodes the payload of an EVT callback frame.
    pub fn decode(kind: u16, error: u32, payload: &[u8]) -> Result<EvtCallback, DecodeError> {
        Ok(match kind {
            kind::OPEN_CALLBACK => EvtCallback::Open {
                error,
                result: OpenCallback::from_payload(payload)?,
            },
            kind::EVENT_AVAILABLE => {
                EventAvailable::from_payload(payload)?;
                EvtCallback::EventAvailable
            }
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::EVT,
                    kind,
                })
            }
        })
    }
}

#[cfg(test)]
mod tests;

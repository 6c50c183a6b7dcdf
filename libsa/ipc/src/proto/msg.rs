//! Message service (MSG) messages.
//!
//! A library handle opens queues on its connection; each opening is named
//! by an `open_id` the library chooses (unique on its connection), and the
//! executive keys openings by (node, connection, open_id), as CKPT does.
//!
//! Requests (library -> executive, on the request connection):
//!
//! | kind | request              | reply payload (when SA_AIS_OK)                 |
//! |-----:|----------------------|------------------------------------------------|
//! | 1    | [`QueueOpen`]        | `()`                                           |
//! | 2    | [`QueueOpenAsync`]   | `()`; an [`OpenCallback`] follows              |
//! | 3    | [`QueueClose`]       | `()`                                           |
//! | 4    | [`QueueStatusGet`]   | [`QueueStatus`]                                |
//! | 5    | [`QueueUnlink`]      | `()`                                           |
//! | 6    | [`GroupCreate`]      | `()`                                           |
//! | 7    | [`GroupInsert`]      | `()`                                           |
//! | 8    | [`GroupRemove`]      | `()`                                           |
//! | 9    | [`GroupDelete`]      | `()`                                           |
//! | 10   | [`GroupTrack`]       | [`TrackReply`]                                 |
//! | 11   | [`GroupTrackStop`]   | `()`                                           |
//! | 12   | [`Send`]             | `()`; for an acknowledged async send a [`DeliveredCallback`] follows |
//! | 13   | [`Get`]              | [`Received`]; NO_SPACE carries [`NeedSpace`]   |
//! | 14   | [`Cancel`]           | `()`                                           |
//! | 15   | [`SendReceive`]      | [`ReplyReceived`]; NO_SPACE carries [`NeedSpace`] |
//! | 16   | [`Reply`]            | `()`; for an acknowledged async reply a [`DeliveredCallback`] follows |
//!
//! Callbacks (dispatch connection, seq 0, the frame's `error` is the
//! SaAisErrorT handed to the C callback): 0x81 [`OpenCallback`], 0x82
//! [`TrackCallback`], 0x83 [`DeliveredCallback`], 0x84
//! [`ReceivedCallback`].
//!
//! **NO_SPACE.** A [`Get`] or [`SendReceive`] whose caller buffer is too
//! small is answered SA_AIS_ERR_NO_SPACE with a [`NeedSpace`] payload (the
//! size the message needs): the one exception to "an error reply has an
//! empty payload".
//!
//! The library validates the C arguments and the executive validates each
//! request again.

use super::{service, Payload};
use crate::codec::{DecodeError, Decoder, Encoder, Name};

/// Message ids of the MSG service.
pub mod kind {
    pub const QUEUE_OPEN: u16 = 1;
    pub const QUEUE_OPEN_ASYNC: u16 = 2;
    pub const QUEUE_CLOSE: u16 = 3;
    pub const QUEUE_STATUS_GET: u16 = 4;
    pub const QUEUE_UNLINK: u16 = 5;
    pub const GROUP_CREATE: u16 = 6;
    pub const GROUP_INSERT: u16 = 7;
    pub const GROUP_REMOVE: u16 = 8;
    pub const GROUP_DELETE: u16 = 9;
    pub const GROUP_TRACK: u16 = 10;
    pub const GROUP_TRACK_STOP: u16 = 11;
    pub const SEND: u16 = 12;
    pub const GET: u16 = 13;
    pub const CANCEL: u16 = 14;
    pub const SEND_RECEIVE: u16 = 15;
    pub const REPLY: u16 = 16;
    pub const OPEN_CALLBACK: u16 = 0x81;
    pub const TRACK_CALLBACK: u16 = 0x82;
    pub const DELIVERED_CALLBACK: u16 = 0x83;
    pub const RECEIVED_CALLBACK: u16 = 0x84;
}

/// Priority areas of a queue (SA_MSG_MESSAGE_HIGHEST_PRIORITY 0 ..
/// SA_MSG_MESSAGE_LOWEST_PRIORITY 3).
pub const PRIORITIES: usize = 4;

/// Most data bytes one message carries: what fits one request frame with
/// its names and headers.
pub const MAX_MESSAGE_DATA: usize = 1024 * 1024 - 4096;

/// Most members a group holds (and a track reply lists).
pub const MAX_GROUP_MEMBERS: usize = 1024;

/// How a [`Send`] or [`Reply`] is answered.
pub mod mode {
    /// saMsgMessageSend / saMsgMessageReply: answered when applied.
    pub const SYNC: u8 = 0;
    /// The async call without SA_MSG_MESSAGE_DELIVERED_ACK: answered at
    /// once, nothing follows.
    pub const ASYNC: u8 = 1;
    /// The async call with SA_MSG_MESSAGE_DELIVERED_ACK: answered at once,
    /// a [`super::DeliveredCallback`] follows.
    pub const ASYNC_ACK: u8 = 2;
}

/// A value that is one field of a message.
pub trait Field: Sized {
    fn put(&self, e: &mut Encoder);
    fn get(d: &mut Decoder<'_>) -> Result<Self, DecodeError>;
}

macro_rules! int_field {
    ($t:ty, $put:ident, $get:ident) => {
        impl Field for $t {
            fn put(&self, e: &mut Encoder) {
                e.$put(*self);
            }
            fn get(d: &mut Decoder<'_>) -> Result<$t, DecodeError> {
                d.$get()
            }
        }
    };
}
int_field!(u8, put_u8, get_u8);
int_field!(u16, put_u16, get_u16);
int_field!(u32, put_u32, get_u32);
int_field!(u64, put_u64, get_u64);
int_field!(i64, put_i64, get_i64);
int_field!(bool, put_bool, get_bool);

impl Field for Name {
    fn put(&self, e: &mut Encoder) {
        e.put_name(self);
    }
    fn get(d: &mut Decoder<'_>) -> Result<Name, DecodeError> {
        d.get_name()
    }
}

impl Field for Vec<u8> {
    fn put(&self, e: &mut Encoder) {
        e.put_bytes(self);
    }
    fn get(d: &mut Decoder<'_>) -> Result<Vec<u8>, DecodeError> {
        Ok(d.get_bytes_max("message data", MAX_MESSAGE_DATA)?.to_vec())
    }
}

impl<T: Field> Field for Option<T> {
    fn put(&self, e: &mut Encoder) {
        match self {
            Some(v) => {
                e.put_bool(true);
                v.put(e);
            }
            None => {
                e.put_bool(false);
            }
        }
    }
    fn get(d: &mut Decoder<'_>) -> Result<Option<T>, DecodeError> {
        Ok(if d.get_bool()? {
            Some(T::get(d)?)
        } else {
            None
        })
    }
}

impl<T: Field + Copy + Default> Field for [T; PRIORITIES] {
    fn put(&self, e: &mut Encoder) {
        for v in self {
            v.put(e);
        }
    }
    fn get(d: &mut Decoder<'_>) -> Result<[T; PRIORITIES], DecodeError> {
        let mut out = [T::default(); PRIORITIES];
        for v in &mut out {
            *v = T::get(d)?;
        }
        Ok(out)
    }
}

/// A list of at most [`MAX_GROUP_MEMBERS`] items.
impl<T: Field> Field for Vec<T>
where
    T: ListItem,
{
    fn put(&self, e: &mut Encoder) {
        e.put_vec(self, |e, v| v.put(e));
    }
    fn get(d: &mut Decoder<'_>) -> Result<Vec<T>, DecodeError> {
        let items = d.get_vec(T::MIN_LEN, T::get)?;
        if items.len() > MAX_GROUP_MEMBERS {
            return Err(DecodeError::TooLong {
                field: "member list",
                len: items.len(),
                max: MAX_GROUP_MEMBERS,
            });
        }
        Ok(items)
    }
}

/// An item of a list field, with the fewest bytes it takes on the wire.
pub trait ListItem {
    const MIN_LEN: usize;
}

impl ListItem for Name {
    const MIN_LEN: usize = 2;
}

/// Declares a wire struct: its fields in order, each a [`Field`]; with
/// `request kind => Reply` also a MSG [`Request`], with `callback kind` a
/// MSG [`Message`]. Exported for the executive's exec messages.
#[macro_export]
macro_rules! sa_wire {
    (@impl $(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $f:ident : $t:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            $($(#[$fdoc])* pub $f: $t,)*
        }

        impl $crate::proto::Payload for $name {
            fn encode(&self, _e: &mut $crate::codec::Encoder) {
                $($crate::proto::msg::Field::put(&self.$f, _e);)*
            }
            fn decode(_d: &mut $crate::codec::Decoder<'_>) -> Result<$name, $crate::codec::DecodeError> {
                Ok($name { $($f: <$t as $crate::proto::msg::Field>::get(_d)?,)* })
            }
        }

        impl $crate::proto::msg::Field for $name {
            fn put(&self, e: &mut $crate::codec::Encoder) {
                $crate::proto::Payload::encode(self, e);
            }
            fn get(d: &mut $crate::codec::Decoder<'_>) -> Result<$name, $crate::codec::DecodeError> {
                <$name as $crate::proto::Payload>::decode(d)
            }
        }
    };
    ($(#[$doc:meta])* $name:ident { $($body:tt)* }) => {
        $crate::sa_wire!(@impl $(#[$doc])* $name { $($body)* });
    };
    ($(#[$doc:meta])* request $kind:expr => $reply:ty, $name:ident { $($body:tt)* }) => {
        $crate::sa_wire!(@impl $(#[$doc])* $name { $($body)* });
        impl $crate::proto::Message for $name {
            const SERVICE: u16 = $crate::proto::service::MSG;
            const KIND: u16 = $kind;
        }
        impl $crate::proto::Request for $name {
            type Reply = $reply;
        }
    };
    ($(#[$doc:meta])* callback $kind:expr, $name:ident { $($body:tt)* }) => {
        $crate::sa_wire!(@impl $(#[$doc])* $name { $($body)* });
        impl $crate::proto::Message for $name {
            const SERVICE: u16 = $crate::proto::service::MSG;
            const KIND: u16 = $kind;
        }
    };
}

crate::sa_wire!(
    /// SaMsgQueueCreationAttributesT.
    #[derive(Copy, Default)]
    QueueAttributes {
        creation_flags: u32,
        /// Bytes of each priority area.
        sizes: [u64; PRIORITIES],
        /// SaTimeT nanoseconds a closed non-persistent queue is kept.
        retention: i64,
    }
);

crate::sa_wire!(
    /// saMsgQueueOpen: `attributes` present exactly with
    /// SA_MSG_QUEUE_CREATE.
    request kind::QUEUE_OPEN => (), QueueOpen {
        open_id: u64,
        name: Name,
        flags: u32,
        attributes: Option<QueueAttributes>,
    }
);

crate::sa_wire!(
    /// saMsgQueueOpenAsync: acknowledged at once; an [`OpenCallback`]
    /// with `invocation` carries the result.
    request kind::QUEUE_OPEN_ASYNC => (), QueueOpenAsync {
        invocation: u64,
        open: QueueOpen,
    }
);

crate::sa_wire!(
    /// The result of a [`QueueOpenAsync`] (the frame's error).
    callback kind::OPEN_CALLBACK, OpenCallback {
        invocation: u64,
        open_id: u64,
    }
);

crate::sa_wire!(
    /// saMsgQueueClose.
    request kind::QUEUE_CLOSE => (), QueueClose { open_id: u64 }
);

crate::sa_wire!(
    /// saMsgQueueStatusGet, by name.
    request kind::QUEUE_STATUS_GET => QueueStatus, QueueStatusGet { name: Name }
);

crate::sa_wire!(
    /// SaMsgQueueUsageT of one priority area.
    #[derive(Copy, Default)]
    Usage {
        size: u64,
        used: u64,
        messages: u32,
    }
);

crate::sa_wire!(
    /// Reply to [`QueueStatusGet`] (SaMsgQueueStatusT).
    QueueStatus {
        creation_flags: u32,
        retention: i64,
        /// When the queue was last closed (0: open, or never closed).
        close_time: i64,
        usage: [Usage; PRIORITIES],
    }
);

crate::sa_wire!(
    /// saMsgQueueUnlink.
    request kind::QUEUE_UNLINK => (), QueueUnlink { name: Name }
);

crate::sa_wire!(
    /// saMsgQueueGroupCreate.
    request kind::GROUP_CREATE => (), GroupCreate { name: Name, policy: u32 }
);

crate::sa_wire!(
    /// saMsgQueueGroupInsert.
    request kind::GROUP_INSERT => (), GroupInsert { group: Name, queue: Name }
);

crate::sa_wire!(
    /// saMsgQueueGroupRemove.
    request kind::GROUP_REMOVE => (), GroupRemove { group: Name, queue: Name }
);

crate::sa_wire!(
    /// saMsgQueueGroupDelete.
    request kind::GROUP_DELETE => (), GroupDelete { name: Name }
);

crate::sa_wire!(
    /// saMsgQueueGroupTrack. With SA_TRACK_CURRENT and `current_in_reply`
    /// the members come in the reply; with SA_TRACK_CURRENT alone a
    /// [`TrackCallback`] brings them.
    request kind::GROUP_TRACK => TrackReply, GroupTrack {
        name: Name,
        flags: u8,
        current_in_reply: bool,
    }
);

crate::sa_wire!(
    /// Reply to [`GroupTrack`]: the members when asked for in the reply.
    TrackReply {
        policy: u32,
        members: Vec<Name>,
    }
);

crate::sa_wire!(
    /// One SaMsgQueueGroupNotificationT.
    TrackItem {
        queue: Name,
        change: u32,
    }
);

impl ListItem for TrackItem {
    const MIN_LEN: usize = 6;
}

crate::sa_wire!(
    /// saMsgQueueGroupTrackCallback.
    callback kind::TRACK_CALLBACK, TrackCallback {
        group: Name,
        policy: u32,
        members: u32,
        items: Vec<TrackItem>,
    }
);

crate::sa_wire!(
    /// saMsgQueueGroupTrackStop.
    request kind::GROUP_TRACK_STOP => (), GroupTrackStop { name: Name }
);

crate::sa_wire!(
    /// An SaMsgMessageT's content.
    MessageBody {
        msg_type: u32,
        version: u32,
        priority: u8,
        sender_name: Option<Name>,
        data: Vec<u8>,
    }
);

crate::sa_wire!(
    /// saMsgMessageSend / SendAsync to a queue or a group by name.
    request kind::SEND => (), Send {
        dest: Name,
        message: MessageBody,
        invocation: u64,
        /// One of [`mode`].
        mode: u8,
    }
);

crate::sa_wire!(
    /// saMsgMessageDeliveredCallback (the frame's error is the result).
    callback kind::DELIVERED_CALLBACK, DeliveredCallback { invocation: u64 }
);

crate::sa_wire!(
    /// saMsgMessageGet: `buffer` is the caller's buffer size, `None` when
    /// the service allocates. `timeout` in SaTimeT nanoseconds.
    request kind::GET => Received, Get {
        open_id: u64,
        timeout: i64,
        buffer: Option<u64>,
    }
);

crate::sa_wire!(
    /// Reply to [`Get`].
    Received {
        message: MessageBody,
        send_time: i64,
        /// Non-zero for a message sent with [`SendReceive`].
        sender_id: u64,
    }
);

crate::sa_wire!(
    /// The payload of SA_AIS_ERR_NO_SPACE: the size the message needs.
    NeedSpace { size: u64 }
);

crate::sa_wire!(
    /// saMsgMessageCancel: wakes the blocked gets of the opening.
    request kind::CANCEL => (), Cancel { open_id: u64 }
);

crate::sa_wire!(
    /// saMsgMessageSendReceive.
    request kind::SEND_RECEIVE => ReplyReceived, SendReceive {
        dest: Name,
        message: MessageBody,
        timeout: i64,
        buffer: Option<u64>,
    }
);

crate::sa_wire!(
    /// Reply to [`SendReceive`]: the reply message and its send time.
    ReplyReceived {
        message: MessageBody,
        send_time: i64,
    }
);

crate::sa_wire!(
    /// saMsgMessageReply / ReplyAsync.
    request kind::REPLY => (), Reply {
        sender_id: u64,
        message: MessageBody,
        invocation: u64,
        mode: u8,
    }
);

crate::sa_wire!(
    /// saMsgMessageReceivedCallback for the opening `open_id`.
    callback kind::RECEIVED_CALLBACK, ReceivedCallback { open_id: u64 }
);

/// Every request of the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MsgRequest {
    QueueOpen(QueueOpen),
    QueueOpenAsync(QueueOpenAsync),
    QueueClose(QueueClose),
    QueueStatusGet(QueueStatusGet),
    QueueUnlink(QueueUnlink),
    GroupCreate(GroupCreate),
    GroupInsert(GroupInsert),
    GroupRemove(GroupRemove),
    GroupDelete(GroupDelete),
    GroupTrack(GroupTrack),
    GroupTrackStop(GroupTrackStop),
    Send(Send),
    Get(Get),
    Cancel(Cancel),
    SendReceive(SendReceive),
    Reply(Reply),
}

impl MsgRequest {
    /// Decodes the request of `kind`; an unknown kind is an error.
    pub fn decode(k: u16, payload: &[u8]) -> Result<MsgRequest, DecodeError> {
        use MsgRequest as R;
        Ok(match k {
            kind::QUEUE_OPEN => R::QueueOpen(Payload::from_payload(payload)?),
            kind::QUEUE_OPEN_ASYNC => R::QueueOpenAsync(Payload::from_payload(payload)?),
            kind::QUEUE_CLOSE => R::QueueClose(Payload::from_payload(payload)?),
            kind::QUEUE_STATUS_GET => R::QueueStatusGet(Payload::from_payload(payload)?),
            kind::QUEUE_UNLINK => R::QueueUnlink(Payload::from_payload(payload)?),
            kind::GROUP_CREATE => R::GroupCreate(Payload::from_payload(payload)?),
            kind::GROUP_INSERT => R::GroupInsert(Payload::from_payload(payload)?),
            kind::GROUP_REMOVE => R::GroupRemove(Payload::from_payload(payload)?),
            kind::GROUP_DELETE => R::GroupDelete(Payload::from_payload(payload)?),
            kind::GROUP_TRACK => R::GroupTrack(Payload::from_payload(payload)?),
            kind::GROUP_TRACK_STOP => R::GroupTrackStop(Payload::from_payload(payload)?),
            kind::SEND => R::Send(Payload::from_payload(payload)?),
            kind::GET => R::Get(Payload::from_payload(payload)?),
            kind::CANCEL => R::Cancel(Payload::from_payload(payload)?),
            kind::SEND_RECEIVE => R::SendReceive(Payload::from_payload(payload)?),
            kind::REPLY => R::Reply(Payload::from_payload(payload)?),
            other => {
                return Err(DecodeError::UnknownKind {
                    service: service::MSG,
                    kind: other,
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::assert_round_trip;

    fn body() -> MessageBody {
        MessageBody {
            msg_type: 7,
            version: 2,
            priority: 3,
            sender_name: Some(Name::try_from("me").unwrap()),
            data: b"hello".to_vec(),
        }
    }

    #[test]
    fn round_trips() {
        let name = Name::try_from("q").unwrap();
        assert_round_trip(QueueOpen {
            open_id: 3,
            name: name.clone(),
            flags: 1,
            attributes: Some(QueueAttributes {
                creation_flags: 1,
                sizes: [1, 2, 3, 4],
                retention: 9,
            }),
        });
        assert_round_trip(Send {
            dest: name.clone(),
            message: body(),
            invocation: 5,
            mode: mode::ASYNC_ACK,
        });
        assert_round_trip(Received {
            message: body(),
            send_time: -1,
            sender_id: 8,
        });
        assert_round_trip(TrackCallback {
            group: name.clone(),
            policy: 1,
            members: 2,
            items: vec![TrackItem {
                queue: name.clone(),
                change: 2,
            }],
        });
        assert_round_trip(QueueStatus {
            creation_flags: 0,
            retention: 1,
            close_time: 2,
            usage: [Usage {
                size: 1,
                used: 2,
                messages: 3,
            }; PRIORITIES],
        });
        assert_round_trip(TrackReply {
            policy: 3,
            members: vec![name.clone(), name],
        });
    }

    #[test]
    fn requests_decode_by_kind() {
        let get = Get {
            open_id: 1,
            timeout: 0,
            buffer: None,
        };
        assert_eq!(
            MsgRequest::decode(kind::GET, &get.to_payload()).unwrap(),
            MsgRequest::Get(get)
        );
        assert!(MsgRequest::decode(99, &[]).is_err());
        assert!(MsgRequest::decode(kind::CANCEL, &[1, 2]).is_err());
    }

    #[test]
    fn oversized_lists_and_data_are_refused() {
        let mut e = Encoder::new();
        e.put_u32(0).put_u32(MAX_GROUP_MEMBERS as u32 + 1);
        let mut bytes = e.finish();
        bytes.extend(std::iter::repeat_n(0u8, 2 * (MAX_GROUP_MEMBERS + 1)));
        assert!(TrackReply::from_payload(&bytes).is_err());
        let mut e = Encoder::new();
        e.put_u32(u32::MAX);
        assert!(<Vec<u8> as Field>::get(&mut Decoder::new(&e.finish())).is_err());
    }
}

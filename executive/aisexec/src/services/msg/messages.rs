//! The exec messages of the MSG service: everything that changes the
//! replicated queue state travels as one of these, multicast in agreed
//! (sends and gets: safe) order and applied on delivery by every node.
//! Encoded with `sa_ipc::sa_wire!` (fields in order, little-endian).
//!
//! | kind | message          | what                                                    |
//! |-----:|------------------|---------------------------------------------------------|
//! | 1    | [`Open`]         | a queue open (sync or async)                            |
//! | 2    | [`Close`]        | an opening's close                                      |
//! | 3    | [`Unlink`]       | a queue's unlink                                        |
//! | 4    | [`GroupOp`]      | a group create / insert / remove / delete               |
//! | 5    | [`Send`]         | a message to a queue or group (also SendReceive's)      |
//! | 6    | [`Get`]          | the opener takes the head message of its queue          |
//! | 7    | [`Reply`]        | a reply to a SendReceive                                |
//! | 8    | [`ReplyExpired`] | a SendReceive's timeout passed on its node              |
//! | 9    | [`ConnExit`]     | a library connection of the sender ended                |
//! | 10   | [`Expired`]      | a closed queue's retention time passed                  |
//! | 0x41 | [`SyncQueue`]    | sync: one queue's metadata                              |
//! | 0x42 | [`SyncMessages`] | sync: a run of one queue's messages                     |
//! | 0x43 | [`SyncGroup`]    | sync: one group                                         |
//! | 0x44 | [`SyncReplies`]  | sync: SendReceives waiting for their reply              |
//!
//! Messages that answer a library carry its address ([`To`]); the node
//! named there answers when the message is delivered.

use sa_ipc::proto::msg::{MessageBody, QueueAttributes, QueueOpen};
use sa_ipc::Name;

use crate::ipc::ConnId;
use crate::service::ReplyTo;

/// Kinds of the exec messages.
pub mod kind {
    pub const OPEN: u16 = 1;
    pub const CLOSE: u16 = 2;
    pub const UNLINK: u16 = 3;
    pub const GROUP_OP: u16 = 4;
    pub const SEND: u16 = 5;
    pub const GET: u16 = 6;
    pub const REPLY: u16 = 7;
    pub const REPLY_EXPIRED: u16 = 8;
    pub const CONN_EXIT: u16 = 9;
    pub const EXPIRED: u16 = 10;
    pub const SYNC_QUEUE: u16 = 0x41;
    pub const SYNC_MESSAGES: u16 = 0x42;
    pub const SYNC_GROUP: u16 = 0x43;
    pub const SYNC_REPLIES: u16 = 0x44;
}

sa_ipc::sa_wire!(
    /// A library request's address ([`ReplyTo`] on the wire).
    #[derive(Copy)]
    To {
        node: u32,
        conn: u64,
        kind: u16,
        seq: u32,
    }
);

impl From<ReplyTo> for To {
    fn from(r: ReplyTo) -> To {
        To {
            node: r.node,
            conn: r.conn.0,
            kind: r.kind,
            seq: r.seq,
        }
    }
}

impl From<To> for ReplyTo {
    fn from(t: To) -> ReplyTo {
        ReplyTo {
            node: t.node,
            conn: ConnId(t.conn),
            kind: t.kind,
            seq: t.seq,
        }
    }
}

sa_ipc::sa_wire!(
    /// A queue open. `invocation` is the async open's (0 for a sync one).
    Open {
        to: To,
        now: i64,
        /// The id a queue this open creates gets.
        new_id: u64,
        asynchronous: bool,
        invocation: u64,
        open: QueueOpen,
    }
);

sa_ipc::sa_wire!(
    /// The close of opening (to.node, to.conn, open_id).
    Close {
        to: To,
        now: i64,
        open_id: u64,
    }
);

sa_ipc::sa_wire!(
    /// A queue unlink.
    Unlink { to: To, name: Name }
);

/// Which group operation a [`GroupOp`] is.
pub mod group_op {
    pub const CREATE: u8 = 1;
    pub const INSERT: u8 = 2;
    pub const REMOVE: u8 = 3;
    pub const DELETE: u8 = 4;
}

sa_ipc::sa_wire!(
    /// A group operation: `queue` for insert and remove, `policy` for
    /// create.
    GroupOp {
        to: To,
        op: u8,
        group: Name,
        queue: Option<Name>,
        policy: u32,
    }
);

sa_ipc::sa_wire!(
    /// A message for a queue or a group. `sender_id` is non-zero for a
    /// SendReceive, whose requester then waits (until `reply_deadline`)
    /// for a reply of at most `reply_buffer` bytes (`None`: any size).
    Send {
        to: To,
        now: i64,
        dest: Name,
        message: MessageBody,
        invocation: u64,
        mode: u8,
        sender_id: u64,
        reply_deadline: i64,
        reply_buffer: Option<u64>,
    }
);

sa_ipc::sa_wire!(
    /// The opening (to.node, to.conn, open_id) takes its queue's head
    /// message if it fits `buffer`. `to.seq` also names the waiting get
    /// on its node.
    Get {
        to: To,
        open_id: u64,
        buffer: Option<u64>,
    }
);

sa_ipc::sa_wire!(
    /// A reply for the SendReceive `sender_id`.
    Reply {
        to: To,
        now: i64,
        sender_id: u64,
        message: MessageBody,
        invocation: u64,
        mode: u8,
    }
);

sa_ipc::sa_wire!(
    /// The SendReceive `sender_id` stops waiting (its timeout passed).
    ReplyExpired { sender_id: u64 }
);

sa_ipc::sa_wire!(
    /// The sender's library connection `conn` ended.
    ConnExit { conn: u64, now: i64 }
);

sa_ipc::sa_wire!(
    /// Queue `queue`'s retention time, started by the close of retention
    /// epoch `epoch`, passed.
    Expired { queue: u64, epoch: u64 }
);

sa_ipc::sa_wire!(
    /// Who holds an opening.
    #[derive(Copy)]
    WireOpener {
        node: u32,
        conn: u64,
        open_id: u64,
        receive_callback: bool,
    }
);

sa_ipc::sa_wire!(
    /// Which copy a sync message comes from: the sender's group (members
    /// that stayed together since their last sync hold the same state)
    /// and its quorate epoch (see `service::replicas`).
    #[derive(Copy)]
    Origin { group_size: u32, group_low: u32, group_epoch: u64 }
);

sa_ipc::sa_wire!(
    /// Sync: one queue (its messages follow in [`SyncMessages`]).
    SyncQueue {
        origin: Origin,
        id: u64,
        /// `None`: unlinked, alive until its opener closes it.
        name: Option<Name>,
        attributes: QueueAttributes,
        opener: Option<WireOpener>,
        close_time: i64,
        epoch: u64,
        next_seq: u64,
    }
);

sa_ipc::sa_wire!(
    /// A stored message.
    StoredWire {
        seq: u64,
        send_time: i64,
        sender_id: u64,
        message: MessageBody,
    }
);

impl sa_ipc::proto::msg::ListItem for StoredWire {
    const MIN_LEN: usize = 8 + 8 + 8 + 4 + 4 + 1 + 1 + 4;
}

sa_ipc::sa_wire!(
    /// Sync: a run of queue `queue`'s messages, in queue order.
    SyncMessages {
        origin: Origin,
        queue: u64,
        messages: Vec<StoredWire>,
    }
);

sa_ipc::sa_wire!(
    /// Sync: one group.
    SyncGroup {
        origin: Origin,
        name: Name,
        policy: u32,
        members: Vec<Name>,
        next: u64,
    }
);

sa_ipc::sa_wire!(
    /// A SendReceive waiting for its reply.
    #[derive(Copy)]
    PendingWire {
        sender_id: u64,
        to: To,
        deadline: i64,
        buffer: Option<u64>,
    }
);

impl sa_ipc::proto::msg::ListItem for PendingWire {
    const MIN_LEN: usize = 8 + 18 + 8 + 1;
}

sa_ipc::sa_wire!(
    /// Sync: SendReceives waiting for their reply.
    SyncReplies {
        origin: Origin,
        pending: Vec<PendingWire>,
    }
);

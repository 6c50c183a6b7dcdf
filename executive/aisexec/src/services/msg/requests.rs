//! Library requests, as the node that receives them handles them.
//!
//! Status and tracking are answered from the local replica. Everything
//! that changes the replicated state is checked (flags, attributes,
//! priorities, the opening) and multicast as an exec message; the answer
//! goes out when it is delivered here (see `apply`). Sends and gets use
//! safe delivery (see the module documentation of `msg`).

use sa_abi::ais::{
    SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_INTERRUPT, SA_AIS_ERR_INVALID_PARAM,
    SA_AIS_ERR_NOT_EXIST, SA_AIS_ERR_NOT_SUPPORTED, SA_AIS_ERR_NO_SPACE, SA_AIS_ERR_TIMEOUT,
    SA_AIS_ERR_TOO_BIG, SA_AIS_OK, SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT,
};
use sa_abi::msg::{
    SA_MSG_QUEUE_CREATE, SA_MSG_QUEUE_EMPTY, SA_MSG_QUEUE_GROUP_BROADCAST,
    SA_MSG_QUEUE_GROUP_LOCAL_BEST_QUEUE, SA_MSG_QUEUE_GROUP_ROUND_ROBIN, SA_MSG_QUEUE_PERSISTENT,
    SA_MSG_QUEUE_RECEIVE_CALLBACK,
};
use sa_ipc::codec::DecodeError;
use sa_ipc::proto::msg::{
    mode, MessageBody, MsgRequest, NeedSpace, QueueOpen, TrackReply, MAX_MESSAGE_DATA, PRIORITIES,
};
use sa_ipc::proto::Payload;

use super::messages::{self, group_op, kind, To};
use super::store::OpenKey;
use super::waiters::GetWaiter;
use super::Msg;
use crate::ordering::Guarantee;
use crate::service::{mcast_refusal, Context, Request};

/// The checks an open gets before it is multicast: flags B.01.01 defines,
/// creation attributes exactly with CREATE, and valid.
pub fn check_open(open: &QueueOpen) -> Result<(), u32> {
    let known = SA_MSG_QUEUE_CREATE | SA_MSG_QUEUE_RECEIVE_CALLBACK | SA_MSG_QUEUE_EMPTY;
    if open.flags & !known != 0 {
        return Err(SA_AIS_ERR_BAD_FLAGS);
    }
    let create = open.flags & SA_MSG_QUEUE_CREATE != 0;
    match &open.attributes {
        Some(a) if create => {
            if a.creation_flags & !SA_MSG_QUEUE_PERSISTENT != 0 {
                Err(SA_AIS_ERR_BAD_FLAGS)
            } else if a.retention < 0 {
                Err(SA_AIS_ERR_INVALID_PARAM)
            } else {
                Ok(())
            }
        }
        None if !create => Ok(()),
        _ => Err(SA_AIS_ERR_INVALID_PARAM),
    }
}

/// The checks a message gets: a priority B.01.01 defines, data that fits
/// one exec message.
pub fn check_message(m: &MessageBody) -> Result<(), u32> {
    if usize::from(m.priority) >= PRIORITIES {
        return Err(SA_AIS_ERR_INVALID_PARAM);
    }
    if m.data.len() > MAX_MESSAGE_DATA {
        return Err(SA_AIS_ERR_TOO_BIG);
    }
    Ok(())
}

/// The checks of track flags: at least one, only those B.01.01 defines,
/// not CHANGES together with CHANGES_ONLY.
pub fn check_track_flags(flags: u8) -> Result<(), u32> {
    let known = SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY;
    let both = SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY;
    if flags == 0 || flags & !known != 0 || flags & both == both {
        return Err(SA_AIS_ERR_BAD_FLAGS);
    }
    Ok(())
}

fn valid_mode(m: u8) -> bool {
    matches!(m, mode::SYNC | mode::ASYNC | mode::ASYNC_ACK)
}

/// Adds a timeout to `now`, SA_TIME_END-style values saturating.
pub fn deadline(now: i64, timeout: i64) -> i64 {
    now.saturating_add(timeout.max(0))
}

impl Msg {
    pub(super) fn handle_request(
        &mut self,
        ctx: &mut Context<'_>,
        req: &Request<'_>,
    ) -> Result<(), DecodeError> {
        let request = MsgRequest::decode(req.kind, req.payload)?;
        let to: To = ctx.reply_to(req).into();
        let now = ctx.now_ns();
        let key = |open_id| OpenKey {
            node: to.node,
            conn: req.conn.0,
            open_id,
        };
        use MsgRequest as R;
        match request {
            R::QueueOpen(open) => {
                if let Err(e) = check_open(&open) {
                    return refuse(ctx, req, e);
                }
                self.users.insert(req.conn);
                let m = messages::Open {
                    to,
                    now,
                    new_id: ctx.random_u64(),
                    asynchronous: false,
                    invocation: 0,
                    open,
                };
                mcast(ctx, req, kind::OPEN, &m.to_payload(), Guarantee::Agreed);
            }
            R::QueueOpenAsync(a) => {
                if let Err(e) = check_open(&a.open) {
                    return refuse(ctx, req, e);
                }
                self.users.insert(req.conn);
                let m = messages::Open {
                    to,
                    now,
                    new_id: ctx.random_u64(),
                    asynchronous: true,
                    invocation: a.invocation,
                    open: a.open,
                };
                if mcast(ctx, req, kind::OPEN, &m.to_payload(), Guarantee::Agreed) {
                    ctx.respond(req, SA_AIS_OK, Vec::new());
                }
            }
            // Multicast even for an opening not known here yet: a library
            // that gave up waiting for an open closes what it may make,
            // and the close is delivered after it.
            R::QueueClose(c) => {
                let m = messages::Close {
                    to,
                    now,
                    open_id: c.open_id,
                };
                mcast(ctx, req, kind::CLOSE, &m.to_payload(), Guarantee::Agreed);
            }
            R::QueueStatusGet(s) => match self.store.queue_by_name(&s.name) {
                Some(q) => ctx.respond(req, SA_AIS_OK, q.status().to_payload()),
                None => ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new()),
            },
            R::QueueUnlink(u) => {
                let m = messages::Unlink { to, name: u.name };
                mcast(ctx, req, kind::UNLINK, &m.to_payload(), Guarantee::Agreed);
            }
            R::GroupCreate(g) => {
                let refusal = match g.policy {
                    SA_MSG_QUEUE_GROUP_ROUND_ROBIN..=SA_MSG_QUEUE_GROUP_LOCAL_BEST_QUEUE => None,
                    // Not a B.01.01 policy (openais's header has it).
                    SA_MSG_QUEUE_GROUP_BROADCAST => Some(SA_AIS_ERR_NOT_SUPPORTED),
                    _ => Some(SA_AIS_ERR_INVALID_PARAM),
                };
                if let Some(e) = refusal {
                    return refuse(ctx, req, e);
                }
                self.group_op(ctx, req, to, group_op::CREATE, g.name, None, g.policy);
            }
            R::GroupInsert(g) => {
                self.group_op(ctx, req, to, group_op::INSERT, g.group, Some(g.queue), 0)
            }
            R::GroupRemove(g) => {
                self.group_op(ctx, req, to, group_op::REMOVE, g.group, Some(g.queue), 0)
            }
            R::GroupDelete(g) => self.group_op(ctx, req, to, group_op::DELETE, g.name, None, 0),
            R::GroupTrack(t) => {
                if let Err(e) = check_track_flags(t.flags) {
                    return refuse(ctx, req, e);
                }
                let Some(group) = self.store.groups.get(&t.name) else {
                    return refuse(ctx, req, SA_AIS_ERR_NOT_EXIST);
                };
                if t.flags & (SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY) != 0 {
                    self.trackers.add(req.conn, &t.name, t.flags);
                }
                let current = t.flags & SA_TRACK_CURRENT != 0;
                let reply = TrackReply {
                    policy: group.policy,
                    members: if current && t.current_in_reply {
                        group.members.clone()
                    } else {
                        Vec::new()
                    },
                };
                ctx.respond(req, SA_AIS_OK, reply.to_payload());
                if current && !t.current_in_reply {
                    tracking::send_current(ctx, req.conn, &t.name, group);
                }
            }
            R::GroupTrackStop(t) => {
                if self.trackers.remove(req.conn, &t.name) {
                    ctx.respond(req, SA_AIS_OK, Vec::new());
                } else {
                    ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new());
                }
            }
            R::Send(s) => {
                if let Err(e) = check_message(&s.message) {
                    return refuse(ctx, req, e);
                }
                if !valid_mode(s.mode) {
                    return refuse(ctx, req, SA_AIS_ERR_BAD_FLAGS);
                }
                let m = messages::Send {
                    to,
                    now,
                    dest: s.dest,
                    message: s.message,
                    invocation: s.invocation,
                    mode: s.mode,
                    sender_id: 0,
                    reply_deadline: 0,
                    reply_buffer: None,
                };
                if mcast(ctx, req, kind::SEND, &m.to_payload(), Guarantee::Safe)
                    && s.mode != mode::SYNC
                {
                    ctx.respond(req, SA_AIS_OK, Vec::new());
                }
            }
            R::SendReceive(s) => {
                if let Err(e) = check_message(&s.message) {
                    return refuse(ctx, req, e);
                }
                self.users.insert(req.conn);
                // Never 0: 0 means "not sent with SendReceive".
                let sender_id = ctx.random_u64().max(1);
                let m = messages::Send {
                    to,
                    now,
                    dest: s.dest,
                    message: s.message,
                    invocation: 0,
                    mode: mode::SYNC,
                    sender_id,
                    reply_deadline: deadline(now, s.timeout),
                    reply_buffer: s.buffer,
                };
                mcast(ctx, req, kind::SEND, &m.to_payload(), Guarantee::Safe);
            }
            R::Reply(r) => {
                if let Err(e) = check_message(&r.message) {
                    return refuse(ctx, req, e);
                }
                if !valid_mode(r.mode) {
                    return refuse(ctx, req, SA_AIS_ERR_BAD_FLAGS);
                }
                let asynchronous = r.mode != mode::SYNC;
                let m = messages::Reply {
                    to,
                    now,
                    sender_id: r.sender_id,
                    message: r.message,
                    invocation: r.invocation,
                    mode: r.mode,
                };
                if mcast(ctx, req, kind::REPLY, &m.to_payload(), Guarantee::Agreed) && asynchronous
                {
                    ctx.respond(req, SA_AIS_OK, Vec::new());
                }
            }
            R::Get(g) => {
                let Some(q) = self.store.opening(&key(g.open_id)) else {
                    return refuse(ctx, req, SA_AIS_ERR_BAD_HANDLE);
                };
                let waiter = GetWaiter::new(
                    ctx.reply_to(req),
                    g.open_id,
                    g.buffer,
                    deadline(now, g.timeout),
                );
                match q.head() {
                    Some(head) => {
                        let size = head.message.data.len() as u64;
                        if g.buffer.is_some_and(|b| b < size) {
                            // The message stays; the caller learns its size.
                            ctx.respond(req, SA_AIS_ERR_NO_SPACE, NeedSpace { size }.to_payload());
                        } else {
                            self.waiters.add(waiter);
                            self.waiters.kick(ctx, &self.store);
                        }
                    }
                    None if g.timeout <= 0 => ctx.respond(req, SA_AIS_ERR_TIMEOUT, Vec::new()),
                    None => self.waiters.add(waiter),
                }
            }
            R::Cancel(c) => {
                if self.store.opening(&key(c.open_id)).is_none() {
                    return refuse(ctx, req, SA_AIS_ERR_BAD_HANDLE);
                }
                let woken = self
                    .waiters
                    .cancel(ctx, req.conn, c.open_id, SA_AIS_ERR_INTERRUPT);
                let code = if woken {
                    SA_AIS_OK
                } else {
                    SA_AIS_ERR_NOT_EXIST
                };
                ctx.respond(req, code, Vec::new());
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn group_op(
        &mut self,
        ctx: &mut Context<'_>,
        req: &Request<'_>,
        to: To,
        op: u8,
        group: sa_ipc::Name,
        queue: Option<sa_ipc::Name>,
        policy: u32,
    ) {
        let m = messages::GroupOp {
            to,
            op,
            group,
            queue,
            policy,
        };
        mcast(ctx, req, kind::GROUP_OP, &m.to_payload(), Guarantee::Agreed);
    }
}

use super::tracking;

fn refuse(ctx: &mut Context<'_>, req: &Request<'_>, error: u32) -> Result<(), DecodeError> {
    ctx.respond(req, error, Vec::new());
    Ok(())
}

/// Multicasts an exec message for a request; when the ordering layer
/// refuses it, answers at once (SA_AIS_ERR_TRY_AGAIN when its queue is
/// full). Returns whether it was sent.
fn mcast(ctx: &mut Context<'_>, req: &Request<'_>, k: u16, payload: &[u8], g: Guarantee) -> bool {
    match ctx.mcast_with(k, payload, g) {
        Ok(()) => true,
        Err(e) => {
            ctx.respond(req, mcast_refusal(e), Vec::new());
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sa_ipc::proto::msg::QueueAttributes;
    use sa_ipc::Name;

    #[test]
    fn prechecks() {
        let open = |flags, attributes| QueueOpen {
            open_id: 1,
            name: Name::try_from("q").unwrap(),
            flags,
            attributes,
        };
        let a = QueueAttributes::default();
        assert_eq!(check_open(&open(SA_MSG_QUEUE_CREATE, Some(a))), Ok(()));
        assert_eq!(check_open(&open(0, None)), Ok(()));
        assert_eq!(
            check_open(&open(0x40 | 1, Some(a))),
            Err(SA_AIS_ERR_BAD_FLAGS)
        );
        assert_eq!(check_open(&open(1, None)), Err(SA_AIS_ERR_INVALID_PARAM));
        assert_eq!(check_open(&open(0, Some(a))), Err(SA_AIS_ERR_INVALID_PARAM));
        let bad = QueueAttributes { retention: -1, ..a };
        assert_eq!(
            check_open(&open(1, Some(bad))),
            Err(SA_AIS_ERR_INVALID_PARAM)
        );
        let bad = QueueAttributes {
            creation_flags: 2,
            ..a
        };
        assert_eq!(check_open(&open(1, Some(bad))), Err(SA_AIS_ERR_BAD_FLAGS));
        assert_eq!(check_track_flags(SA_TRACK_CURRENT), Ok(()));
        assert_eq!(check_track_flags(0), Err(SA_AIS_ERR_BAD_FLAGS));
        assert_eq!(check_track_flags(6), Err(SA_AIS_ERR_BAD_FLAGS));
        assert_eq!(check_track_flags(0x40), Err(SA_AIS_ERR_BAD_FLAGS));
        assert_eq!(deadline(i64::MAX - 1, 5), i64::MAX);
        assert_eq!(deadline(10, -5), 10);
    }
}

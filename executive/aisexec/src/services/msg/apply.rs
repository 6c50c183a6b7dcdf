//! Exec handlers: every node applies each delivered message to its
//! store in the same order; the node a library request came from answers
//! it, the node of a queue's opener tells it of arrivals, and every node
//! tells its own group trackers.

use log::{debug, warn};
use sa_abi::ais::{SA_AIS_ERR_NO_SPACE, SA_AIS_ERR_TIMEOUT, SA_AIS_OK};
use sa_ipc::codec::DecodeError;
use sa_ipc::proto::msg::{
    kind as lib_kind, mode, DeliveredCallback, NeedSpace, OpenCallback, Received, ReceivedCallback,
    ReplyReceived,
};
use sa_ipc::proto::Payload;

use super::messages::{self, group_op, kind};
use super::store::{GroupChange, OpenKey, PendingReply, Taken};
use super::Msg;
use crate::ipc::ConnId;
use crate::service::{Context, ExecMessage, ReplyTo};

/// Answers a request made in `mode`: a sync call gets the reply, an
/// acknowledged async one the delivered callback, an unacknowledged one
/// nothing. Only on the request's node.
fn answer(ctx: &mut Context<'_>, to: &ReplyTo, m: u8, invocation: u64, error: u32) {
    if to.node != ctx.local_node() {
        return;
    }
    match m {
        mode::SYNC => {
            ctx.reply(to, error, Vec::new());
        }
        mode::ASYNC_ACK => ctx.callback(
            to.conn,
            lib_kind::DELIVERED_CALLBACK,
            error,
            DeliveredCallback { invocation }.to_payload(),
        ),
        _ => {}
    }
}

impl Msg {
    pub(super) fn apply(
        &mut self,
        ctx: &mut Context<'_>,
        msg: &ExecMessage<'_>,
    ) -> Result<(), DecodeError> {
        match msg.kind {
            kind::OPEN => self.apply_open(ctx, messages::Open::from_payload(msg.payload)?),
            kind::CLOSE => {
                let m = messages::Close::from_payload(msg.payload)?;
                let to: ReplyTo = m.to.into();
                let key = OpenKey {
                    node: m.to.node,
                    conn: m.to.conn,
                    open_id: m.open_id,
                };
                let result = self.store.close(&key, m.now);
                if to.node == ctx.local_node() && result.is_ok() {
                    self.waiters.cancel(
                        ctx,
                        to.conn,
                        m.open_id,
                        sa_abi::ais::SA_AIS_ERR_BAD_HANDLE,
                    );
                }
                ctx.reply(&to, result.err().unwrap_or(SA_AIS_OK), Vec::new());
            }
            kind::UNLINK => {
                let m = messages::Unlink::from_payload(msg.payload)?;
                let result = self.store.unlink(&m.name);
                let code = match result {
                    Ok(changes) => {
                        self.notify(ctx, &changes);
                        SA_AIS_OK
                    }
                    Err(e) => e,
                };
                ctx.reply(&m.to.into(), code, Vec::new());
            }
            kind::GROUP_OP => {
                self.apply_group_op(ctx, messages::GroupOp::from_payload(msg.payload)?)
            }
            kind::SEND => {
                self.apply_send(ctx, msg.from, messages::Send::from_payload(msg.payload)?)
            }
            kind::GET => self.apply_get(ctx, messages::Get::from_payload(msg.payload)?),
            kind::REPLY => self.apply_reply(ctx, messages::Reply::from_payload(msg.payload)?),
            kind::REPLY_EXPIRED => {
                let m = messages::ReplyExpired::from_payload(msg.payload)?;
                if let Some(p) = self.store.replies.remove(&m.sender_id) {
                    ctx.reply(&p.to, SA_AIS_ERR_TIMEOUT, Vec::new());
                }
            }
            kind::CONN_EXIT => {
                let m = messages::ConnExit::from_payload(msg.payload)?;
                let closed = self.store.close_all(msg.from, Some(m.conn), m.now);
                self.store.drop_replies(msg.from, Some(m.conn));
                if closed > 0 {
                    debug!(target: "MSG", "connection {:#x} of node {} ended: {closed} queue(s) closed", m.conn, msg.from);
                }
            }
            kind::EXPIRED => {
                let m = messages::Expired::from_payload(msg.payload)?;
                if let Some(changes) = self.store.expire(m.queue, m.epoch) {
                    debug!(target: "MSG", "queue {:#x} deleted: its retention time passed", m.queue);
                    self.notify(ctx, &changes);
                }
            }
            other => {
                return Err(DecodeError::UnknownKind {
                    service: sa_ipc::proto::service::MSG,
                    kind: other,
                })
            }
        }
        Ok(())
    }

    fn apply_open(&mut self, ctx: &mut Context<'_>, m: messages::Open) {
        let to: ReplyTo = m.to.into();
        let key = OpenKey {
            node: m.to.node,
            conn: m.to.conn,
            open_id: m.open.open_id,
        };
        let result = self.store.open(key, m.new_id, &m.open);
        if let Ok(o) = &result {
            if o.emptied > 0 {
                debug!(target: "MSG", "open with EMPTY discarded {} message(s)", o.emptied);
            }
        }
        let code = result.err().unwrap_or(SA_AIS_OK);
        if to.node != ctx.local_node() {
            return;
        }
        if m.asynchronous {
            let cb = OpenCallback {
                invocation: m.invocation,
                open_id: m.open.open_id,
            };
            ctx.callback(to.conn, lib_kind::OPEN_CALLBACK, code, cb.to_payload());
        } else {
            ctx.reply(&to, code, Vec::new());
        }
    }

    fn apply_group_op(&mut self, ctx: &mut Context<'_>, m: messages::GroupOp) {
        let queue = m.queue.as_ref();
        let result = match (m.op, queue) {
            (group_op::CREATE, _) => self.store.group_create(&m.group, m.policy),
            (group_op::INSERT, Some(q)) => self
                .store
                .group_insert(&m.group, q)
                .map(|c| self.notify(ctx, &[c])),
            (group_op::REMOVE, Some(q)) => self
                .store
                .group_remove(&m.group, q)
                .map(|c| self.notify(ctx, &[c])),
            (group_op::DELETE, _) => {
                let r = self.store.group_delete(&m.group);
                if r.is_ok() {
                    self.trackers.drop_group(&m.group);
                }
                r
            }
            _ => Err(sa_abi::ais::SA_AIS_ERR_INVALID_PARAM),
        };
        ctx.reply(&m.to.into(), result.err().unwrap_or(SA_AIS_OK), Vec::new());
    }

    /// Tells this node's trackers of group changes.
    fn notify(&self, ctx: &mut Context<'_>, changes: &[GroupChange]) {
        for c in changes {
            if let Some(g) = self.store.groups.get(&c.group) {
                self.trackers.notify(ctx, c, g);
            }
        }
    }

    fn apply_send(&mut self, ctx: &mut Context<'_>, from: u32, m: messages::Send) {
        let to: ReplyTo = m.to.into();
        let size = m.message.data.len();
        let mut result = self
            .store
            .send(from, &m.dest, m.message, m.now, m.sender_id);
        if let (Ok(_), true) = (&result, m.sender_id != 0) {
            let pending = PendingReply {
                to,
                deadline: m.reply_deadline,
                buffer: m.reply_buffer,
            };
            if let Err(e) = self.store.await_reply(m.sender_id, pending) {
                warn!(target: "MSG", "SendReceive delivered but cannot wait for its reply: error {e}");
                result = Err(e);
            }
        }
        match &result {
            Ok(d) => {
                let local = ctx.local_node();
                if let Some(o) = d
                    .opener
                    .filter(|o| o.key.node == local && o.receive_callback)
                {
                    let cb = ReceivedCallback {
                        open_id: o.key.open_id,
                    };
                    ctx.callback(
                        ConnId(o.key.conn),
                        lib_kind::RECEIVED_CALLBACK,
                        SA_AIS_OK,
                        cb.to_payload(),
                    );
                }
                // A SendReceive is answered by its reply.
                if m.sender_id == 0 {
                    answer(ctx, &to, m.mode, m.invocation, SA_AIS_OK);
                }
                self.waiters.kick(ctx, &self.store);
            }
            Err(e) => {
                debug!(target: "MSG", "send of {size} bytes refused: error {e}");
                answer(ctx, &to, m.mode, m.invocation, *e);
            }
        }
    }

    fn apply_get(&mut self, ctx: &mut Context<'_>, m: messages::Get) {
        let to: ReplyTo = m.to.into();
        let key = OpenKey {
            node: m.to.node,
            conn: m.to.conn,
            open_id: m.open_id,
        };
        let taken = self.store.take(&key, m.buffer);
        if to.node != ctx.local_node() {
            return;
        }
        let waiter = self.waiters.take(&to);
        match taken {
            Ok(Taken::Message(s)) => {
                if waiter.is_none() {
                    warn!(target: "MSG", "a message was taken for a get whose connection ended: it is lost");
                }
                let r = Received {
                    message: s.message,
                    send_time: s.send_time,
                    sender_id: s.sender_id,
                };
                ctx.reply(&to, SA_AIS_OK, r.to_payload());
            }
            Ok(Taken::TooSmall(size)) => {
                ctx.reply(&to, SA_AIS_ERR_NO_SPACE, NeedSpace { size }.to_payload());
            }
            Ok(Taken::Empty) => {
                if let Some(mut w) = waiter {
                    match w.ended {
                        Some(e) => {
                            ctx.reply(&to, e, Vec::new());
                        }
                        None if w.deadline <= ctx.now_ns() => {
                            ctx.reply(&to, SA_AIS_ERR_TIMEOUT, Vec::new());
                        }
                        None => {
                            // Another get took it first: wait again.
                            w.in_flight = false;
                            self.waiters.add(w);
                        }
                    }
                }
            }
            Err(e) => {
                ctx.reply(&to, e, Vec::new());
            }
        }
        self.waiters.kick(ctx, &self.store);
    }

    fn apply_reply(&mut self, ctx: &mut Context<'_>, m: messages::Reply) {
        let replier: ReplyTo = m.to.into();
        let size = m.message.data.len() as u64;
        match self.store.reply(m.sender_id, size) {
            Ok(pending) => {
                let r = ReplyReceived {
                    message: m.message,
                    send_time: m.now,
                };
                ctx.reply(&pending.to, SA_AIS_OK, r.to_payload());
                answer(ctx, &replier, m.mode, m.invocation, SA_AIS_OK);
            }
            Err((e, pending)) => {
                if let Some(p) = pending {
                    ctx.reply(&p.to, e, NeedSpace { size }.to_payload());
                }
                answer(ctx, &replier, m.mode, m.invocation, e);
            }
        }
    }
}

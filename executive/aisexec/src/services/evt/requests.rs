//! Library requests: validated here, answered at once when they touch
//! only this node's connections (subscribe, unsubscribe, pull), else
//! multicast and answered on delivery (see [`super::apply`]).

use std::collections::BTreeSet;

use sa_abi::ais::{
    SA_AIS_ERR_ACCESS, SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_EXIST,
    SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NOT_EXIST, SA_AIS_OK,
};
use sa_abi::evt::{SA_EVT_EVENTID_LOST, SA_EVT_EVENTID_NONE};
use sa_ipc::proto::evt::{open_flags, ChannelOpen, EvtRequest, Pulled, MAX_PULL_BYTES};
use sa_ipc::proto::Payload;

use super::local::LocalOpen;
use super::messages::{self, ExecMsg};
use super::Evt;
use crate::ipc::ConnId;
use crate::service::{mcast_refusal, Context, Request};

impl Evt {
    /// The local opening of a request, or the error to answer.
    fn request_open(&self, conn: ConnId, open_id: u32) -> Result<&LocalOpen, u32> {
        self.local.open(conn, open_id).ok_or(SA_AIS_ERR_BAD_HANDLE)
    }

    fn lib_open(&mut self, ctx: &mut Context<'_>, req: &Request<'_>, open: ChannelOpen) {
        if open.flags & !open_flags::ALL != 0 {
            ctx.respond(req, SA_AIS_ERR_BAD_FLAGS, Vec::new());
            return;
        }
        let reply_to = ctx.reply_to(req);
        let conn = self.conn_entry(req.conn);
        let open_id = conn.allocate_open_id();
        let msg = ExecMsg::Open(messages::Open {
            reply_to,
            open_id,
            name: open.name,
            flags: open.flags,
            invocation: open.invocation,
        });
        let (kind, payload) = msg.encode();
        match ctx.mcast(kind, &payload) {
            Ok(()) => {
                conn.ever_opened = true;
                if open.invocation.is_some() {
                    // The result comes as an open callback.
                    ctx.respond(req, SA_AIS_OK, Vec::new());
                }
            }
            Err(e) => ctx.respond(req, mcast_refusal(e), Vec::new()),
        }
    }

    /// Multicasts the exec message of a request answered on delivery.
    fn mcast_request(ctx: &mut Context<'_>, req: &Request<'_>, msg: &ExecMsg) -> bool {
        let (kind, payload) = msg.encode();
        match ctx.mcast(kind, &payload) {
            Ok(()) => true,
            Err(e) => {
                ctx.respond(req, mcast_refusal(e), Vec::new());
                false
            }
        }
    }

    pub(super) fn handle_request(
        &mut self,
        ctx: &mut Context<'_>,
        req: &Request<'_>,
        request: EvtRequest,
    ) -> Result<(), u32> {
        match request {
            EvtRequest::Open(open) => self.lib_open(ctx, req, open),
            EvtRequest::Close(close) => {
                let channel = self.request_open(req.conn, close.open_id)?.channel;
                let msg = ExecMsg::Close(messages::Close {
                    reply_to: ctx.reply_to(req),
                    channel,
                    open_id: close.open_id,
                });
                if Self::mcast_request(ctx, req, &msg) {
                    // No more deliveries to it from now on.
                    self.local.remove_open(req.conn, close.open_id);
                }
            }
            EvtRequest::Unlink(unlink) => {
                let msg = ExecMsg::Unlink(messages::Unlink {
                    reply_to: ctx.reply_to(req),
                    name: unlink.name,
                });
                Self::mcast_request(ctx, req, &msg);
            }
            EvtRequest::Publish(publish) => {
                let open = self.request_open(req.conn, publish.open_id)?;
                if !open.publisher() {
                    return Err(SA_AIS_ERR_ACCESS);
                }
                if !publish.attributes.is_valid() {
                    return Err(SA_AIS_ERR_INVALID_PARAM);
                }
                let msg = ExecMsg::Publish(messages::Publish {
                    reply_to: ctx.reply_to(req),
                    channel: open.channel,
                    publish_time: ctx.now_ns(),
                    attributes: publish.attributes,
                    data: publish.data,
                });
                Self::mcast_request(ctx, req, &msg);
            }
            EvtRequest::Subscribe(sub) => {
                let now = ctx.now_ns();
                let open = self
                    .local
                    .open_mut(req.conn, sub.open_id)
                    .ok_or(SA_AIS_ERR_BAD_HANDLE)?;
                if !open.subscriber() {
                    return Err(SA_AIS_ERR_ACCESS);
                }
                if open.subscriptions.contains_key(&sub.subscription_id) {
                    return Err(SA_AIS_ERR_EXIST);
                }
                open.subscriptions.insert(sub.subscription_id, sub.filters);
                let channel = open.channel;
                ctx.respond(req, SA_AIS_OK, Vec::new());
                // Retained events reach a new subscription at once.
                let events = self.retained.events_of(channel);
                let (queued, lost) = self.local.deliver_retained(
                    req.conn,
                    sub.open_id,
                    Some(sub.subscription_id),
                    &events,
                    now,
                );
                if queued {
                    self.notify_all(ctx, BTreeSet::from([req.conn]), lost);
                }
            }
            EvtRequest::Unsubscribe(unsub) => {
                match self
                    .local
                    .unsubscribe(req.conn, unsub.open_id, unsub.subscription_id)
                {
                    None => return Err(SA_AIS_ERR_BAD_HANDLE),
                    Some(false) => return Err(SA_AIS_ERR_NOT_EXIST),
                    Some(true) => ctx.respond(req, SA_AIS_OK, Vec::new()),
                }
            }
            EvtRequest::RetentionClear(clear) => {
                let channel = self.request_open(req.conn, clear.open_id)?.channel;
                if clear.event_id == SA_EVT_EVENTID_NONE || clear.event_id == SA_EVT_EVENTID_LOST {
                    // SA_EVT_EVENTID_NONE / _LOST name no published event.
                    return Err(SA_AIS_ERR_INVALID_PARAM);
                }
                let msg = ExecMsg::RetentionClear(messages::RetentionClear {
                    reply_to: ctx.reply_to(req),
                    channel,
                    event_id: clear.event_id,
                });
                Self::mcast_request(ctx, req, &msg);
            }
            EvtRequest::Pull(pull) => {
                let c = self.conn_entry(req.conn);
                c.queue.pulled();
                let max = usize::try_from(pull.max).unwrap_or(usize::MAX);
                let events = c.queue.pop_batch(max, MAX_PULL_BYTES);
                if events.is_empty() {
                    ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new());
                } else {
                    ctx.respond(req, SA_AIS_OK, Pulled { events }.to_payload());
                }
                self.notify(ctx, req.conn);
            }
        }
        Ok(())
    }
}

//! EVT, the SA Forum event service (B.01.01).
//!
//! Replicated state (changed only on delivery of this service's exec
//! messages, see [`messages`]): the channels with every opening in the
//! cluster ([`channels`]), the retained events ([`retention`]) and the id
//! counters ([`ids`]). Local state ([`local`]): this node's library
//! connections, their openings, subscriptions ([`filters`]) and delivery
//! queues ([`delivery`]).
//!
//! A publish is multicast; on delivery every node assigns the same event
//! id, retains the event if it has a retention time, and queues it for
//! its own matching subscribers, so subscribers on every node see a
//! channel's events in the same order. The publishing node answers its
//! library with the event id.
//!
//! Retention expiry is noticed by timers, but applied only when the
//! "retention expired" message is delivered (see [`retention`]).
//! Messages no library waits for (a connection's end, an expiry notice)
//! go through the manager's outbox ([`Context::mcast_queued`]). After
//! each configuration change the state is merged as [`sync`] describes.

mod apply;
mod channels;
mod delivery;
mod filters;
mod ids;
mod local;
mod messages;
mod requests;
mod retention;
mod sync;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use log::{debug, info, warn};
use sa_abi::ais::SA_AIS_OK;
use sa_ipc::codec::DecodeError;
use sa_ipc::proto::evt::{kind, EvtRequest};
use sa_ipc::proto::service;

use self::channels::{ChannelId, Channels};
use self::delivery::QueueLimits;
use self::ids::IdSource;
use self::local::LocalConns;
use self::messages::ExecMsg;
use self::retention::RetainedEvents;
use self::sync::{Merge, SyncRun};
use crate::ipc::rate_limit::RateLimit;
use crate::ipc::ConnId;
use crate::ordering::NodeId;
use crate::service::{
    ConnInfo, Context, ExecMessage, Membership, Request, Service, SyncSender, SyncStep,
};

use super::ServiceEnv;

/// Timer token: the next retention expiry notice is due.
const TIMER_EXPIRY: u64 = 1;
/// Longest a timer is set ahead: a retention of years is re-armed daily
/// rather than handed to the clock as a far-off instant.
const MAX_TIMER_AHEAD_NS: i64 = 24 * 3600 * 1_000_000_000;

/// The event service.
#[derive(Debug)]
pub struct Evt {
    node: NodeId,
    limits: QueueLimits,
    channels: Channels,
    retained: RetainedEvents,
    channel_ids: IdSource,
    event_ids: IdSource,
    local: LocalConns,
    /// Members of the current regular configuration, ascending.
    members: Vec<NodeId>,
    sync: Option<SyncRun>,
    lost_log: RateLimit,
}

impl Evt {
    pub fn new(env: &ServiceEnv) -> Evt {
        let config = &env.config.event;
        Evt::with_limits(
            env.node_id,
            QueueLimits {
                size: usize::try_from(config.delivery_queue_size).unwrap_or(usize::MAX),
                resume: usize::try_from(config.delivery_queue_resume).unwrap_or(usize::MAX),
            },
        )
    }

    fn with_limits(node: NodeId, limits: QueueLimits) -> Evt {
        Evt {
            node,
            limits,
            channels: Channels::default(),
            retained: RetainedEvents::default(),
            channel_ids: IdSource::default(),
            event_ids: IdSource::default(),
            local: LocalConns::default(),
            members: Vec::new(),
            sync: None,
            lost_log: RateLimit::new(Duration::from_secs(10), 5),
        }
    }

    /// The local connection `conn` (created on first use, should a
    /// request ever come before the connection hook).
    fn conn_entry(&mut self, conn: ConnId) -> &mut local::LocalConn {
        self.local.conn_or_add(conn, self.limits)
    }

    /// Tells `conn` that events wait, unless it already knows.
    fn notify(&mut self, ctx: &mut Context<'_>, conn: ConnId) {
        if let Some(c) = self.local.conn_mut(conn) {
            if c.queue.take_notify() {
                ctx.callback(conn, kind::EVENT_AVAILABLE, SA_AIS_OK, Vec::new());
            }
        }
    }

    fn notify_all(&mut self, ctx: &mut Context<'_>, conns: BTreeSet<ConnId>, lost: u64) {
        for conn in conns {
            self.notify(ctx, conn);
        }
        if lost > 0 {
            if let Some(suppressed) = self.lost_log.check(Instant::now()) {
                warn!(target: "EVT",
                    "{lost} event(s) dropped for subscribers whose delivery queue is full{}",
                    if suppressed > 0 { format!(" ({suppressed} similar lines suppressed)") }
                    else { String::new() });
            }
        }
    }

    fn lowest_member(&self) -> bool {
        self.members.first() == Some(&self.node)
    }

    /// Multicasts `msg` now, or as soon as the ordering layer takes it.
    fn send(&mut self, ctx: &mut Context<'_>, msg: ExecMsg) {
        let (kind, payload) = msg.encode();
        ctx.mcast_queued(kind, &payload);
    }

    /// Sets the expiry timer for the next notice due, if any.
    fn arm_expiry(&mut self, ctx: &mut Context<'_>) {
        match self.retained.next_notice(self.lowest_member()) {
            Some(at) => {
                let latest = ctx.now_ns().saturating_add(MAX_TIMER_AHEAD_NS);
                ctx.set_timer(TIMER_EXPIRY, at.min(latest));
            }
            None => ctx.cancel_timer(TIMER_EXPIRY),
        }
    }

    /// The expiry timer fired: multicast the notices due.
    fn expire(&mut self, ctx: &mut Context<'_>) {
        if self.sync.is_some() {
            return; // re-armed at activation
        }
        let due = self
            .retained
            .due_notices(ctx.now_ns(), self.lowest_member());
        for event_id in due {
            debug!(target: "EVT", "retention of event {event_id:#x} expired");
            let notice = ExecMsg::RetentionExpired(messages::RetentionExpired { event_id });
            self.send(ctx, notice);
        }
        self.arm_expiry(ctx);
    }

    /// A channel went away: its retained events go with it.
    fn channel_gone(&mut self, id: ChannelId) {
        let events = self.retained.remove_channel(id);
        debug!(target: "EVT", "channel {id:#x} removed with {} retained event(s)", events.len());
    }
}

impl Service for Evt {
    fn id(&self) -> u16 {
        service::EVT
    }

    fn name(&self) -> &'static str {
        "EVT"
    }

    fn conn_init(&mut self, _ctx: &mut Context<'_>, conn: &ConnInfo) {
        self.local.add_conn(conn.conn, self.limits);
    }

    fn conn_exit(&mut self, ctx: &mut Context<'_>, conn: ConnId) {
        let Some(c) = self.local.remove_conn(conn) else {
            return;
        };
        if c.queue.lost_total() > 0 {
            info!(target: "EVT", "connection {conn} closed; {} event(s) were dropped for it",
                c.queue.lost_total());
        }
        if c.ever_opened {
            self.send(ctx, ExecMsg::ConnGone(messages::ConnGone { conn }));
        }
    }

    fn lib_request(&mut self, ctx: &mut Context<'_>, req: &Request<'_>) -> Result<(), DecodeError> {
        let request = EvtRequest::decode(req.kind, req.payload)?;
        if let Err(error) = self.handle_request(ctx, req, request) {
            ctx.respond(req, error, Vec::new());
        }
        Ok(())
    }

    fn served_during_sync(&self, kind: u16) -> bool {
        // These touch only this node's connections.
        matches!(kind, kind::SUBSCRIBE | kind::UNSUBSCRIBE | kind::PULL)
    }

    /// Publishing, creating a channel, unlinking it and clearing a
    /// retained event change what every node holds; opening an existing
    /// channel and subscribing do not.
    fn needs_quorum(&self, req: &Request<'_>) -> bool {
        use sa_ipc::proto::evt::{open_flags, ChannelOpen};
        use sa_ipc::proto::Payload;
        match req.kind {
            kind::OPEN => ChannelOpen::from_payload(req.payload)
                .is_ok_and(|o| o.flags & open_flags::CREATE != 0),
            kind::PUBLISH | kind::UNLINK | kind::RETENTION_CLEAR => true,
            _ => false,
        }
    }

    fn exec_deliver(
        &mut self,
        ctx: &mut Context<'_>,
        msg: &ExecMessage<'_>,
    ) -> Result<(), DecodeError> {
        // The manager holds every other message while the sync runs.
        let decoded = ExecMsg::decode(msg.kind, msg.payload)?;
        self.apply(ctx, msg.from, decoded);
        Ok(())
    }

    fn delivered_during_sync(&self, kind: u16) -> bool {
        kind == messages::kind::SYNC_STATE
    }

    fn sync_init(&mut self, _ctx: &mut Context<'_>, membership: &Membership) {
        self.members = membership.members.clone();
        let items = sync::snapshot(
            &self.channels,
            &self.retained,
            &self.channel_ids,
            &self.event_ids,
            &self.local,
        );
        self.sync = Some(SyncRun {
            ring_id: membership.ring_id,
            outgoing: sync::chunks(membership.ring_id, &items),
            sender: SyncSender::default(),
            merge: Merge::default(),
        });
    }

    fn sync_process(&mut self, ctx: &mut Context<'_>) -> SyncStep {
        let Some(run) = &mut self.sync else {
            return SyncStep::Done;
        };
        let outgoing = &mut run.outgoing;
        run.sender.send(ctx, || {
            outgoing
                .pop_front()
                .map(|chunk| (messages::kind::SYNC_STATE, chunk))
        })
    }

    fn sync_activate(&mut self, ctx: &mut Context<'_>) {
        let Some(run) = self.sync.take() else {
            return;
        };
        self.activate(ctx, run.merge);
        self.arm_expiry(ctx);
    }

    fn sync_abort(&mut self, _ctx: &mut Context<'_>) {
        self.sync = None;
    }

    fn timer(&mut self, ctx: &mut Context<'_>, token: u64) {
        match token {
            TIMER_EXPIRY => self.expire(ctx),
            other => debug!(target: "EVT", "unknown timer {other}"),
        }
    }
}

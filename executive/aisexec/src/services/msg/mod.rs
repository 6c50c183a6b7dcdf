//! MSG, the message service (SA Forum AIS B.01.01).
//!
//! A replicated state machine: every node holds every queue with its
//! messages, every queue group and every SendReceive waiting for a reply
//! ([`store`]). Library requests that change that state are multicast as
//! exec messages ([`messages`]) and applied on delivery, in order, by
//! every node ([`apply`]); the node that received the request answers its
//! library. Status and group tracking are answered from the local replica
//! ([`requests`]).
//!
//! Durability: a send is multicast with safe delivery and answered when
//! it is delivered on the sender's node, so a send that returned OK is
//! held by every node of the ring; a get takes its message through a safe
//! exec message too. When the node where a queue is open dies, the queue
//! is closed on the survivors (at the configuration change) with its
//! messages, and the next opener, on any node, reads them in order.
//!
//! Local state: gets blocked on an empty queue and SendReceive timeouts
//! ([`waiters`]) and group trackers ([`tracking`]) live on the node of
//! their library connection. Retention is watched by timers on every node
//! and applied through idempotent exec messages ([`retention`]). After
//! every configuration change the members merge their state ([`sync`],
//! where the merge rule is written down).

mod apply;
mod messages;
mod requests;
mod retention;
mod store;
mod sync;
mod tracking;
mod waiters;

use std::collections::HashSet;

use log::{debug, info, warn};
use sa_ipc::codec::DecodeError;
use sa_ipc::proto::{service, Payload};

use self::messages::{kind, ConnExit};
use self::retention::Expiry;
use self::store::{Limits, Store};
use self::sync::SyncRun;
use self::tracking::Trackers;
use self::waiters::Waiters;
use super::ServiceEnv;
use crate::ipc::ConnId;
use crate::ordering::ConfChg;
use crate::service::replicas::Peers;
use crate::service::{Context, ExecMessage, Membership, Request, Service, SyncStep};

/// The MSG service.
#[derive(Debug)]
pub struct Msg {
    store: Store,
    waiters: Waiters,
    trackers: Trackers,
    expiry: Expiry,
    /// Library connections of this node that opened queues or wait for
    /// replies: their end is announced to every node.
    users: HashSet<ConnId>,
    /// The nodes known to hold the same state as this one (see
    /// [`sync`]).
    peers: Peers,
    sync: Option<SyncRun>,
}

impl Msg {
    pub fn new(env: &ServiceEnv) -> Msg {
        Msg {
            store: Store::new(Limits {
                total_bytes: env.config.message.max_total_size,
            }),
            waiters: Waiters::default(),
            trackers: Trackers::default(),
            expiry: Expiry::default(),
            users: HashSet::new(),
            peers: Peers::new(env.node_id),
            sync: None,
        }
    }

    /// Re-arms the timers after the store changed.
    fn rearm(&mut self, ctx: &mut Context<'_>) {
        self.expiry.rearm(ctx, &self.store);
        self.waiters.rearm(ctx, &self.store);
    }
}

impl Service for Msg {
    fn id(&self) -> u16 {
        service::MSG
    }

    fn name(&self) -> &'static str {
        "MSG"
    }

    fn conn_exit(&mut self, ctx: &mut Context<'_>, conn: ConnId) {
        self.waiters.drop_conn(conn);
        self.trackers.drop_conn(conn);
        if self.users.remove(&conn) {
            let exit = ConnExit {
                conn: conn.0,
                now: ctx.now_ns(),
            };
            // No library waits for it: it must go whenever there is room.
            ctx.mcast_queued(kind::CONN_EXIT, &exit.to_payload());
        }
    }

    fn lib_request(&mut self, ctx: &mut Context<'_>, req: &Request<'_>) -> Result<(), DecodeError> {
        self.handle_request(ctx, req)?;
        self.waiters.rearm(ctx, &self.store);
        Ok(())
    }

    fn delivered_during_sync(&self, k: u16) -> bool {
        matches!(
            k,
            kind::SYNC_QUEUE | kind::SYNC_MESSAGES | kind::SYNC_GROUP | kind::SYNC_REPLIES
        )
    }

    /// Creating and unlinking queues, group changes, sends, replies and
    /// gets (a get removes its message) change every node's queues;
    /// opening an existing queue, status, tracking, cancel and close do
    /// not.
    fn needs_quorum(&self, req: &Request<'_>) -> bool {
        use sa_abi::msg::SA_MSG_QUEUE_CREATE;
        use sa_ipc::proto::msg::{kind as k, QueueOpen, QueueOpenAsync};
        match req.kind {
            k::QUEUE_OPEN => QueueOpen::from_payload(req.payload)
                .is_ok_and(|o| o.flags & SA_MSG_QUEUE_CREATE != 0),
            k::QUEUE_OPEN_ASYNC => QueueOpenAsync::from_payload(req.payload)
                .is_ok_and(|o| o.open.flags & SA_MSG_QUEUE_CREATE != 0),
            k::QUEUE_UNLINK
            | k::GROUP_CREATE
            | k::GROUP_INSERT
            | k::GROUP_REMOVE
            | k::GROUP_DELETE
            | k::SEND
            | k::SEND_RECEIVE
            | k::REPLY
            | k::GET => true,
            _ => false,
        }
    }

    fn exec_deliver(
        &mut self,
        ctx: &mut Context<'_>,
        msg: &ExecMessage<'_>,
    ) -> Result<(), DecodeError> {
        if self.delivered_during_sync(msg.kind) {
            match &mut self.sync {
                Some(run) => run.staging.take(msg.kind, msg.payload)?,
                None => debug!(target: "MSG", "sync message {} outside a sync dropped", msg.kind),
            }
            return Ok(());
        }
        self.apply(ctx, msg)?;
        self.rearm(ctx);
        Ok(())
    }

    fn confchg(&mut self, ctx: &mut Context<'_>, chg: &ConfChg) {
        self.peers.confchg(chg);
        let now = ctx.now_ns();
        for node in &chg.left {
            let closed = self.store.close_all(*node, None, now);
            self.store.drop_replies(*node, None);
            if closed > 0 {
                info!(target: "MSG", "node {node} left: {closed} queue(s) it had open closed, their messages kept");
            }
        }
        self.waiters.forget_vanished(ctx, &self.store);
        self.rearm(ctx);
    }

    fn sync_init(&mut self, ctx: &mut Context<'_>, membership: &Membership) {
        let local = ctx.local_node();
        let group = self.peers.sync_group(ctx.quorate_ring());
        self.sync = Some(SyncRun::new(membership, local, group, &self.store));
    }

    fn sync_process(&mut self, ctx: &mut Context<'_>) -> SyncStep {
        match self.sync.as_mut() {
            Some(run) => run.process(ctx, &self.store),
            None => SyncStep::Done,
        }
    }

    fn sync_activate(&mut self, ctx: &mut Context<'_>) {
        let Some(run) = self.sync.take() else {
            return;
        };
        let members = run.members.clone();
        let epoch = run.staging.epoch();
        match run.staging.merge(self.store.limits, &members) {
            Some(store) => self.store = store,
            None => warn!(target: "MSG", "sync without any member's state: keeping ours"),
        }
        self.peers.synchronised(&members, epoch);
        info!(target: "MSG", "synchronised: {} queue(s), {} group(s)",
            self.store.queues.len(), self.store.groups.len());
        self.waiters.forget_vanished(ctx, &self.store);
        self.waiters.kick(ctx, &self.store);
        self.rearm(ctx);
    }

    fn sync_abort(&mut self, ctx: &mut Context<'_>) {
        if self.sync.take().is_some() {
            self.rearm(ctx);
        }
    }

    fn timer(&mut self, ctx: &mut Context<'_>, token: u64) {
        match token {
            retention::TOKEN => self.expiry.fire(ctx, &self.store),
            waiters::TOKEN => self.waiters.fire(ctx, &self.store),
            _ => warn!(target: "MSG", "unknown timer {token}"),
        }
    }
}

#[cfg(test)]
mod tests;

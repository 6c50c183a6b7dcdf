//! CKPT, the checkpoint service (SA Forum AIS B.01.01).
//!
//! A replicated state machine: every node holds a replica of every
//! checkpoint ([`store`], [`checkpoint`]). Library requests that change
//! a checkpoint are forwarded as exec messages ([`messages`]) and applied
//! on delivery, in agreed order, by every node ([`apply`]); the node that
//! received the request answers its library. Reads are answered from the
//! local replica ([`requests`]).
//!
//! Time: section expiration and checkpoint retention are deadlines every
//! node watches ([`deadlines`]); the node that sees one pass multicasts an
//! idempotent expiry message ([`expiry`]), and every node deletes on its
//! delivery, so a timer never changes replicated state by itself.
//!
//! Membership: a library connection's end closes its openings (a
//! CONN_EXIT message from its node); a node's departure closes that
//! node's openings on the survivors (at the configuration change); after
//! every configuration change the members merge their replicas
//! ([`sync`], where the merge rule is written down).

mod apply;
mod checkpoint;
mod deadlines;
mod error;
mod expiry;
mod messages;
mod requests;
mod store;
mod sync;

pub use self::checkpoint::MAX_ROOM;

use std::collections::{BTreeSet, HashSet, VecDeque};

use log::{debug, info, warn};
use sa_ipc::codec::DecodeError;
use sa_ipc::proto::{service, Payload};

use self::expiry::Expiry;
use self::messages::{kind, ConnExit, ExecMsg};
use self::store::{MemoryLimits, Store};
use self::sync::{Group, Outbound, Staging};
use super::ServiceEnv;
use crate::ipc::ConnId;
use crate::ordering::{ConfChg, ConfChgKind, McastError, NodeId};
use crate::service::{Context, ExecMessage, Membership, Request, Service, SyncStep};

/// The timer token of the retry of messages the ordering layer refused.
const OUTBOX_TOKEN: u64 = 2;

/// How soon a refused message is tried again.
const OUTBOX_RETRY_NS: i64 = 50_000_000;

/// A sync in progress.
#[derive(Debug)]
struct SyncRun {
    /// The members of the configuration being synchronised.
    members: Vec<NodeId>,
    outbound: Outbound,
    /// A message the ordering layer refused; it goes first next time.
    retry: Option<(u16, Vec<u8>)>,
    staging: Staging,
    /// Exec messages delivered during the sync, applied after it.
    deferred: Vec<(NodeId, u16, Vec<u8>)>,
}

/// The CKPT service.
#[derive(Debug)]
pub struct Ckpt {
    store: Store,
    /// Library connections of this node that asked for openings: their
    /// end is announced to every node.
    openers: HashSet<ConnId>,
    /// Exec messages waiting for room in the ordering layer (connection
    /// ends, which have no library to answer TRY_AGAIN to).
    outbox: VecDeque<(u16, Vec<u8>)>,
    sync: Option<SyncRun>,
    expiry: Expiry,
    /// The nodes known to hold the same replicas as this one: the members
    /// of the last completed sync that stayed in every configuration
    /// since (this node included).
    peers: BTreeSet<NodeId>,
}

impl Ckpt {
    pub fn new(env: &ServiceEnv) -> Ckpt {
        Ckpt {
            peers: BTreeSet::from([env.node_id]),
            store: Store::new(MemoryLimits {
                checkpoint: env.config.checkpoint.max_checkpoint_size,
                total: env.config.checkpoint.max_total_size,
            }),
            openers: HashSet::new(),
            outbox: VecDeque::new(),
            sync: None,
            expiry: Expiry::default(),
        }
    }

    /// Sends what waits in the outbox, as far as the ordering layer takes
    /// it; retries later when it is full.
    fn flush_outbox(&mut self, ctx: &mut Context<'_>) {
        while let Some((k, payload)) = self.outbox.front() {
            match ctx.mcast(*k, payload) {
                Ok(()) => {
                    self.outbox.pop_front();
                }
                Err(McastError::QueueFull) => {
                    let at = ctx.now_ns().saturating_add(OUTBOX_RETRY_NS);
                    ctx.set_timer(OUTBOX_TOKEN, at);
                    return;
                }
                Err(McastError::TooLarge) => {
                    warn!(target: "CKPT", "exec message {k} refused as too large; dropped");
                    self.outbox.pop_front();
                }
            }
        }
    }

    /// Applies the messages delivered during a sync, in their order.
    fn apply_deferred(&mut self, ctx: &mut Context<'_>, deferred: Vec<(NodeId, u16, Vec<u8>)>) {
        for (from, k, payload) in deferred {
            match ExecMsg::decode(k, &payload) {
                Ok(msg) => self.apply(ctx, from, msg),
                Err(e) => warn!(target: "CKPT", "deferred message {k} from node {from}: {e}"),
            }
        }
    }
}

impl Service for Ckpt {
    fn id(&self) -> u16 {
        service::CKPT
    }

    fn name(&self) -> &'static str {
        "CKPT"
    }

    fn conn_exit(&mut self, ctx: &mut Context<'_>, conn: ConnId) {
        if self.openers.remove(&conn) {
            let exit = ConnExit {
                conn: conn.0,
                now: ctx.now_ns(),
            };
            self.outbox.push_back((kind::CONN_EXIT, exit.to_payload()));
            self.flush_outbox(ctx);
        }
    }

    fn lib_request(&mut self, ctx: &mut Context<'_>, req: &Request<'_>) -> Result<(), DecodeError> {
        self.flush_outbox(ctx);
        self.handle_request(ctx, req)
    }

    fn served_during_sync(&self, kind: u16) -> bool {
        requests::is_local_read(kind)
    }

    fn exec_deliver(
        &mut self,
        ctx: &mut Context<'_>,
        msg: &ExecMessage<'_>,
    ) -> Result<(), DecodeError> {
        let decoded = ExecMsg::decode(msg.kind, msg.payload)?;
        match (&mut self.sync, decoded) {
            (Some(run), ExecMsg::SyncCheckpoint(m)) => run.staging.checkpoint(msg.from, m),
            (Some(run), ExecMsg::SyncSection(m)) => run.staging.section(msg.from, m),
            (Some(run), ExecMsg::SyncOpenings(m)) => run.staging.openings(msg.from, m),
            (Some(run), _) => run
                .deferred
                .push((msg.from, msg.kind, msg.payload.to_vec())),
            (None, decoded) => {
                self.apply(ctx, msg.from, decoded);
                self.expiry.rearm(ctx, &self.store);
            }
        }
        self.flush_outbox(ctx);
        Ok(())
    }

    fn confchg(&mut self, ctx: &mut Context<'_>, chg: &ConfChg) {
        // Those who came along keep the same replicas; newcomers do not.
        let local = ctx.local_node();
        self.peers.retain(|n| {
            *n == local
                || (chg.members.contains(n)
                    && (chg.kind == ConfChgKind::Transitional || !chg.joined.contains(n)))
        });
        let now = ctx.now_ns();
        for node in &chg.left {
            let n = self.store.drop_node(*node, now);
            if n > 0 {
                info!(target: "CKPT", "node {node} left: {n} of its opening(s) closed");
            }
        }
        self.expiry.rearm(ctx, &self.store);
    }

    fn sync_init(&mut self, ctx: &mut Context<'_>, membership: &Membership) {
        let ring = membership.ring_id;
        let local = ctx.local_node();
        self.peers.insert(local);
        let group = Group {
            size: u32::try_from(self.peers.len()).unwrap_or(u32::MAX),
            low: self.peers.first().copied().unwrap_or(local),
        };
        self.sync = Some(SyncRun {
            members: membership.members.clone(),
            outbound: Outbound::new(ring, local, group, &self.store),
            retry: None,
            staging: Staging::new(ring),
            deferred: Vec::new(),
        });
        debug!(target: "CKPT", "sync of ring {ring}: {} checkpoint(s) to send", self.store.checkpoint_count());
    }

    fn sync_process(&mut self, ctx: &mut Context<'_>) -> SyncStep {
        let Some(run) = self.sync.as_mut() else {
            return SyncStep::Done;
        };
        loop {
            let next = run.retry.take().or_else(|| run.outbound.next(&self.store));
            let Some((k, payload)) = next else {
                return SyncStep::Done;
            };
            match ctx.mcast(k, &payload) {
                Ok(()) => {}
                Err(McastError::QueueFull) => {
                    run.retry = Some((k, payload));
                    return SyncStep::Pending;
                }
                Err(McastError::TooLarge) => {
                    warn!(target: "CKPT", "sync message of {} bytes refused as too large", payload.len());
                }
            }
        }
    }

    fn sync_activate(&mut self, ctx: &mut Context<'_>) {
        let Some(run) = self.sync.take() else {
            return;
        };
        // Replicas that were apart meet (a merge, or a newcomer): what
        // either side changed before is now common to all.
        let joined_groups = !run.members.iter().all(|m| self.peers.contains(m));
        self.store = run
            .staging
            .merge(ctx.now_ns(), self.store.limits(), joined_groups);
        // Every member now holds the same replicas.
        self.peers = run.members.iter().copied().collect();
        info!(target: "CKPT", "synchronised: {} checkpoint(s)", self.store.checkpoint_count());
        self.apply_deferred(ctx, run.deferred);
        self.expiry.rearm(ctx, &self.store);
        self.flush_outbox(ctx);
    }

    fn sync_abort(&mut self, ctx: &mut Context<'_>) {
        if let Some(run) = self.sync.take() {
            self.apply_deferred(ctx, run.deferred);
            self.expiry.rearm(ctx, &self.store);
        }
    }

    fn timer(&mut self, ctx: &mut Context<'_>, token: u64) {
        match token {
            expiry::TOKEN => self.expiry.fire(ctx, &self.store),
            OUTBOX_TOKEN => self.flush_outbox(ctx),
            _ => warn!(target: "CKPT", "unknown timer {token}"),
        }
    }
}

#[cfg(test)]
mod tests;

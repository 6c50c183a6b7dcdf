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

use std::collections::HashSet;

use log::{debug, info, warn};
use sa_ipc::codec::DecodeError;
use sa_ipc::proto::{service, Payload};

use self::expiry::Expiry;
use self::messages::{kind, ConnExit, ExecMsg};
use self::store::{MemoryLimits, Store};
use self::sync::{Outbound, Staging};
use super::ServiceEnv;
use crate::ipc::ConnId;
use crate::ordering::{ConfChg, NodeId};
use crate::service::replicas::Peers;
use crate::service::{Context, ExecMessage, Membership, Request, Service, SyncSender, SyncStep};

/// A sync in progress.
#[derive(Debug)]
struct SyncRun {
    /// The members of the configuration being synchronised.
    members: Vec<NodeId>,
    outbound: Outbound,
    sender: SyncSender,
    staging: Staging,
}

/// The CKPT service.
#[derive(Debug)]
pub struct Ckpt {
    store: Store,
    /// Library connections of this node that asked for openings: their
    /// end is announced to every node.
    openers: HashSet<ConnId>,
    sync: Option<SyncRun>,
    expiry: Expiry,
    /// The nodes known to hold the same replicas as this one: the members
    /// of the last completed sync that stayed in every configuration
    /// since (this node included).
    peers: Peers,
}

impl Ckpt {
    pub fn new(env: &ServiceEnv) -> Ckpt {
        Ckpt {
            peers: Peers::new(env.node_id),
            store: Store::new(MemoryLimits {
                checkpoint: env.config.checkpoint.max_checkpoint_size,
                total: env.config.checkpoint.max_total_size,
            }),
            openers: HashSet::new(),
            sync: None,
            expiry: Expiry::default(),
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
            // No library waits for it: it must go whenever there is room.
            ctx.mcast_queued(kind::CONN_EXIT, &exit.to_payload());
        }
    }

    fn lib_request(&mut self, ctx: &mut Context<'_>, req: &Request<'_>) -> Result<(), DecodeError> {
        self.handle_request(ctx, req)
    }

    fn served_during_sync(&self, kind: u16) -> bool {
        requests::is_local_read(kind)
    }

    /// What a merge would take from the majority anyway: creating a
    /// checkpoint, writes, section changes, retention and unlink. Reads,
    /// opening an existing checkpoint and closing need no quorum.
    fn needs_quorum(&self, req: &Request<'_>) -> bool {
        use sa_ipc::proto::ckpt::{kind as k, Open, OpenAsync};
        let create = |flags: u32| flags & sa_abi::ckpt::SA_CKPT_CHECKPOINT_CREATE != 0;
        match req.kind {
            k::OPEN => Open::from_payload(req.payload).is_ok_and(|o| create(o.flags)),
            k::OPEN_ASYNC => {
                OpenAsync::from_payload(req.payload).is_ok_and(|o| create(o.open.flags))
            }
            k::UNLINK
            | k::RETENTION_DURATION_SET
            | k::ACTIVE_REPLICA_SET
            | k::SECTION_CREATE
            | k::SECTION_DELETE
            | k::SECTION_EXPIRATION_TIME_SET
            | k::WRITE
            | k::OVERWRITE => true,
            _ => false,
        }
    }

    fn delivered_during_sync(&self, k: u16) -> bool {
        matches!(
            k,
            kind::SYNC_CHECKPOINT | kind::SYNC_SECTION | kind::SYNC_OPENINGS
        )
    }

    fn exec_deliver(
        &mut self,
        ctx: &mut Context<'_>,
        msg: &ExecMessage<'_>,
    ) -> Result<(), DecodeError> {
        let decoded = ExecMsg::decode(msg.kind, msg.payload)?;
        // The manager holds every other message while the sync runs.
        match (&mut self.sync, decoded) {
            (Some(run), ExecMsg::SyncCheckpoint(m)) => run.staging.checkpoint(msg.from, m),
            (Some(run), ExecMsg::SyncSection(m)) => run.staging.section(msg.from, m),
            (Some(run), ExecMsg::SyncOpenings(m)) => run.staging.openings(msg.from, m),
            (_, decoded) => {
                self.apply(ctx, msg.from, decoded);
                self.expiry.rearm(ctx, &self.store);
            }
        }
        Ok(())
    }

    fn confchg(&mut self, ctx: &mut Context<'_>, chg: &ConfChg) {
        self.peers.confchg(chg);
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
        let group = self.peers.sync_group(ctx.quorate_ring());
        self.sync = Some(SyncRun {
            members: membership.members.clone(),
            outbound: Outbound::new(ring, local, group, &self.store),
            sender: SyncSender::default(),
            staging: Staging::new(ring),
        });
        debug!(target: "CKPT", "sync of ring {ring}: {} checkpoint(s) to send", self.store.checkpoint_count());
    }

    fn sync_process(&mut self, ctx: &mut Context<'_>) -> SyncStep {
        let Some(run) = self.sync.as_mut() else {
            return SyncStep::Done;
        };
        let store = &self.store;
        run.sender.send(ctx, || run.outbound.next(store))
    }

    fn sync_activate(&mut self, ctx: &mut Context<'_>) {
        let Some(run) = self.sync.take() else {
            return;
        };
        let epoch = run.staging.epoch();
        self.store = run.staging.merge(ctx.now_ns(), self.store.limits());
        // Every member now holds the same replicas.
        self.peers.synchronised(&run.members, epoch);
        info!(target: "CKPT", "synchronised: {} checkpoint(s)", self.store.checkpoint_count());
        self.expiry.rearm(ctx, &self.store);
    }

    fn sync_abort(&mut self, ctx: &mut Context<'_>) {
        if self.sync.take().is_some() {
            self.expiry.rearm(ctx, &self.store);
        }
    }

    fn timer(&mut self, ctx: &mut Context<'_>, token: u64) {
        match token {
            expiry::TOKEN => self.expiry.fire(ctx, &self.store),
            _ => warn!(target: "CKPT", "unknown timer {token}"),
        }
    }
}

#[cfg(test)]
mod tests;

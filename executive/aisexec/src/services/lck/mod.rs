//! LCK, the lock service (SA Forum AIS B.01.01).
//!
//! A replicated state machine: every node holds the same lock table
//! ([`table`]): resources by name, the openings of every node's library
//! connections, and per resource its granted locks and one FIFO queue.
//! Library requests are forwarded as exec messages ([`messages`],
//! [`requests`]) and applied on delivery, in agreed order, by every node,
//! so every node grants the same lock to the same requester; the node
//! that received a request answers it, and each node sends the callbacks
//! of its own connections (grants, waiter signals).
//!
//! A holder is its library connection: when the connection ends (the
//! process exited or was killed, or finalized) its node multicasts
//! CONN_EXIT and every node releases its locks and withdraws its
//! requests; when its node leaves the configuration every survivor does
//! the same at the configuration change. Orphan locks stay until
//! saLckLockPurge. Either way the queue moves on at once.
//!
//! Time: a synchronous lock request's timeout is watched by the node that
//! received it ([`timeouts`]), which multicasts the withdrawal.
//!
//! After every configuration change the members merge their tables
//! ([`sync`], where the merge rule is written down).

mod messages;
mod requests;
mod sync;
mod table;
mod timeouts;

use std::collections::HashSet;

use log::{debug, info, warn};
use sa_abi::ais::{SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_TIMEOUT, SA_AIS_ERR_TRY_AGAIN, SA_AIS_OK};
use sa_abi::lck::{SA_LCK_LOCK_GRANTED, SA_LCK_RESOURCE_CREATE};
use sa_ipc::codec::DecodeError;
use sa_ipc::proto::lck::{
    kind as req_kind, GrantCallback, LckRequest, LockReply, OpenCallback, UnlockCallback,
    WaiterCallback, LOCK_FLAGS,
};
use sa_ipc::proto::{service, Payload};

use self::messages::{kind, ConnExit, ExecMsg, Forwarded};
use self::sync::{Outbound, Staging};
use self::table::{Answer, LockKey, LockRequest, Notice, OpeningKey, Table};
use self::timeouts::Timeouts;
use super::ServiceEnv;
use crate::ipc::ConnId;
use crate::ordering::{ConfChg, NodeId};
use crate::service::replicas::Peers;
use crate::service::{
    Context, ExecMessage, Membership, ReplyTo, Request, Service, SyncSender, SyncStep,
};

/// A sync in progress.
#[derive(Debug)]
struct SyncRun {
    outbound: Outbound,
    sender: SyncSender,
    staging: Staging,
    members: Vec<NodeId>,
}

/// The LCK service.
#[derive(Debug)]
pub struct Lck {
    table: Table,
    /// Library connections of this node that sent requests: their end is
    /// announced to every node.
    clients: HashSet<ConnId>,
    timeouts: Timeouts,
    sync: Option<SyncRun>,
    /// The nodes known to hold the same table as this one: the members of
    /// the last completed sync that stayed in every configuration since.
    peers: Peers,
}

impl Lck {
    pub fn new(env: &ServiceEnv) -> Lck {
        Lck {
            table: Table::default(),
            clients: HashSet::new(),
            timeouts: Timeouts::default(),
            sync: None,
            peers: Peers::new(env.node_id),
        }
    }

    /// Sends what the notices tell this node's connections.
    fn tell(&mut self, ctx: &mut Context<'_>, notices: Vec<Notice>) {
        let local = ctx.local_node();
        for n in notices {
            match n {
                Notice::Answer {
                    key,
                    answer,
                    error,
                    status,
                } => {
                    if key.node != local {
                        continue;
                    }
                    self.timeouts.remove(key.conn, key.lock_id);
                    match answer {
                        Answer::Sync(to) => {
                            let payload = if error == SA_AIS_OK {
                                LockReply { status }.to_payload()
                            } else {
                                Vec::new()
                            };
                            ctx.reply(&to, error, payload);
                        }
                        Answer::Async { invocation } => {
                            let cb = GrantCallback {
                                invocation,
                                lock_id: key.lock_id,
                                status,
                            };
                            ctx.callback(
                                ConnId(key.conn),
                                req_kind::GRANT_CALLBACK,
                                error,
                                cb.to_payload(),
                            );
                        }
                    }
                }
                Notice::Waiter {
                    holder,
                    signal,
                    held,
                    requested,
                } => {
                    if holder.node != local {
                        continue;
                    }
                    let cb = WaiterCallback {
                        signal,
                        lock_id: holder.lock_id,
                        held,
                        requested,
                    };
                    ctx.callback(
                        ConnId(holder.conn),
                        req_kind::WAITER_CALLBACK,
                        SA_AIS_OK,
                        cb.to_payload(),
                    );
                }
            }
        }
        self.timeouts.rearm(ctx);
    }

    /// Applies a forwarded library request.
    fn apply(&mut self, ctx: &mut Context<'_>, f: Forwarded) {
        let to = f.to;
        let node = to.node;
        let conn = to.conn.0;
        let opening = |open_id| OpeningKey {
            node,
            conn,
            open_id,
        };
        let lock_key = |lock_id| LockKey {
            node,
            conn,
            lock_id,
        };
        let mine = node == ctx.local_node();
        let mut out = Vec::new();
        match f.request {
            LckRequest::Open(o) => {
                let r = self.table.open(
                    opening(o.open_id),
                    &o.name,
                    o.flags & SA_LCK_RESOURCE_CREATE != 0,
                );
                ctx.reply(&to, error_of(r), Vec::new());
            }
            LckRequest::OpenAsync(a) => {
                let o = a.open;
                let r = self.table.open(
                    opening(o.open_id),
                    &o.name,
                    o.flags & SA_LCK_RESOURCE_CREATE != 0,
                );
                if mine {
                    let cb = OpenCallback {
                        invocation: a.invocation,
                        open_id: o.open_id,
                    };
                    ctx.callback(
                        to.conn,
                        req_kind::OPEN_CALLBACK,
                        error_of(r),
                        cb.to_payload(),
                    );
                }
            }
            LckRequest::Close(c) => {
                let r = self.table.close(&opening(c.open_id), &mut out);
                ctx.reply(&to, error_of(r), Vec::new());
            }
            LckRequest::Lock(l) => {
                let key = lock_key(l.lock_id);
                self.lock(
                    &to,
                    LockRequest {
                        key,
                        open_id: l.open_id,
                        mode: l.mode,
                        flags: l.flags,
                        signal: l.waiter_signal,
                        answer: Answer::Sync(to),
                    },
                    &mut out,
                );
                if mine && self.table.is_waiting(&key) {
                    self.timeouts.add(conn, l.lock_id, f.deadline);
                }
            }
            LckRequest::LockAsync(l) => self.lock(
                &to,
                LockRequest {
                    key: lock_key(l.lock_id),
                    open_id: l.open_id,
                    mode: l.mode,
                    flags: l.flags,
                    signal: l.waiter_signal,
                    answer: Answer::Async {
                        invocation: l.invocation,
                    },
                },
                &mut out,
            ),
            LckRequest::Unlock(u) => {
                let r = self.table.unlock(&lock_key(u.lock_id), &mut out);
                ctx.reply(&to, error_of(r), Vec::new());
            }
            LckRequest::UnlockAsync(u) => {
                let r = self.table.unlock(&lock_key(u.lock_id), &mut out);
                if mine {
                    let cb = UnlockCallback {
                        invocation: u.invocation,
                        lock_id: u.lock_id,
                    };
                    ctx.callback(
                        to.conn,
                        req_kind::UNLOCK_CALLBACK,
                        error_of(r),
                        cb.to_payload(),
                    );
                }
            }
            LckRequest::Purge(p) => {
                let r = self.table.purge(&opening(p.open_id), &mut out);
                ctx.reply(&to, error_of(r), Vec::new());
            }
        }
        self.tell(ctx, out);
    }

    /// A lock request, its flags checked again (the executive trusts no
    /// client, and a request from another node is no exception).
    fn lock(&mut self, to: &ReplyTo, req: LockRequest, out: &mut Vec<Notice>) {
        if req.flags & !LOCK_FLAGS != 0 {
            out.push(Notice::Answer {
                key: req.key,
                answer: req.answer,
                error: SA_AIS_ERR_BAD_FLAGS,
                status: 0,
            });
            return;
        }
        debug!(target: "LCK", "lock request {:?} from node {}", req.key, to.node);
        self.table.lock(req, out);
    }
}

fn error_of(r: Result<(), u32>) -> u32 {
    match r {
        Ok(()) => SA_AIS_OK,
        Err(e) => e,
    }
}

impl Service for Lck {
    fn id(&self) -> u16 {
        service::LCK
    }

    fn name(&self) -> &'static str {
        "LCK"
    }

    fn conn_exit(&mut self, ctx: &mut Context<'_>, conn: ConnId) {
        if self.clients.remove(&conn) {
            // No library waits for it: it must go whenever there is room.
            ctx.mcast_queued(kind::CONN_EXIT, &ConnExit { conn: conn.0 }.to_payload());
        }
    }

    fn lib_request(&mut self, ctx: &mut Context<'_>, req: &Request<'_>) -> Result<(), DecodeError> {
        self.handle_request(ctx, req)
    }

    fn delivered_during_sync(&self, k: u16) -> bool {
        matches!(k, kind::SYNC_RESOURCE | kind::SYNC_OPENINGS)
    }

    /// Lock requests (a grant in a minority would give a second holder of
    /// an EX lock until the merge), creating a resource and purging orphan
    /// locks. Unlocks and closes only release what the merge takes from
    /// the majority anyway.
    fn needs_quorum(&self, req: &Request<'_>) -> bool {
        use sa_ipc::proto::lck::{kind as k, Open, OpenAsync};
        match req.kind {
            k::OPEN => {
                Open::from_payload(req.payload).is_ok_and(|o| o.flags & SA_LCK_RESOURCE_CREATE != 0)
            }
            k::OPEN_ASYNC => OpenAsync::from_payload(req.payload)
                .is_ok_and(|o| o.open.flags & SA_LCK_RESOURCE_CREATE != 0),
            k::LOCK | k::LOCK_ASYNC | k::PURGE => true,
            _ => false,
        }
    }

    fn exec_deliver(
        &mut self,
        ctx: &mut Context<'_>,
        msg: &ExecMessage<'_>,
    ) -> Result<(), DecodeError> {
        let decoded = ExecMsg::decode(msg.kind, msg.payload)?;
        match (&mut self.sync, decoded) {
            (Some(run), ExecMsg::SyncResource(m)) => run.staging.resource(msg.from, m),
            (Some(run), ExecMsg::SyncOpenings(m)) => run.staging.openings(msg.from, m),
            // Sync messages of a sync that is over.
            (None, ExecMsg::SyncResource(_) | ExecMsg::SyncOpenings(_)) => {}
            (_, ExecMsg::Forwarded(f)) => self.apply(ctx, f),
            (_, ExecMsg::ConnExit(c)) => {
                let mut out = Vec::new();
                let n = self.table.close_connection(msg.from, c.conn, &mut out);
                if n > 0 {
                    debug!(target: "LCK", "connection {:#x} of node {} ended: {n} opening(s) closed", c.conn, msg.from);
                }
                self.tell(ctx, out);
            }
            (_, ExecMsg::Withdraw(w)) => {
                let key = LockKey {
                    node: msg.from,
                    conn: w.conn,
                    lock_id: w.lock_id,
                };
                let mut out = Vec::new();
                // Already granted or gone: the withdrawal came too late.
                let _ = self
                    .table
                    .withdraw(&key, SA_AIS_ERR_TIMEOUT, false, &mut out);
                self.tell(ctx, out);
            }
        }
        Ok(())
    }

    fn confchg(&mut self, ctx: &mut Context<'_>, chg: &ConfChg) {
        self.peers.confchg(chg);
        let mut out = Vec::new();
        for node in &chg.left {
            let n = self.table.close_node(*node, &mut out);
            if n > 0 {
                info!(target: "LCK", "node {node} left: its {n} opening(s) closed, its locks released");
            }
        }
        self.tell(ctx, out);
    }

    fn sync_init(&mut self, ctx: &mut Context<'_>, membership: &Membership) {
        let local = ctx.local_node();
        let group = self.peers.sync_group(ctx.quorate_ring());
        self.sync = Some(SyncRun {
            outbound: Outbound::new(membership.ring_id, local, group, &self.table),
            sender: SyncSender::default(),
            staging: Staging::new(membership.ring_id),
            members: membership.members.clone(),
        });
    }

    fn sync_process(&mut self, ctx: &mut Context<'_>) -> SyncStep {
        let Some(run) = self.sync.as_mut() else {
            return SyncStep::Done;
        };
        let outbound = &mut run.outbound;
        run.sender.send(ctx, || outbound.next())
    }

    fn sync_activate(&mut self, ctx: &mut Context<'_>) {
        let Some(run) = self.sync.take() else {
            return;
        };
        let local = ctx.local_node();
        let mut out = Vec::new();
        let epoch = run.staging.epoch();
        let merged = run.staging.merge(SA_AIS_ERR_TRY_AGAIN, &mut out);
        let answered: HashSet<LockKey> = out
            .iter()
            .filter_map(|n| match n {
                Notice::Answer { key, .. } => Some(*key),
                Notice::Waiter { .. } => None,
            })
            .collect();
        // What this node's connections had and the merge changed.
        for (key, was_granted) in self.table.keys_of(local) {
            if answered.contains(&key) {
                continue;
            }
            let Some(old) = self.table.entry(&key) else {
                continue;
            };
            match (
                was_granted,
                merged.is_granted(&key),
                merged.is_waiting(&key),
            ) {
                (true, false, false) => {
                    warn!(target: "LCK", "lock {:#x} of connection {:#x} lost in the merge with another partition", key.lock_id, key.conn);
                }
                (false, false, false) => out.push(Notice::Answer {
                    key,
                    answer: old.answer,
                    error: SA_AIS_ERR_TRY_AGAIN,
                    status: 0,
                }),
                (false, true, _) => out.push(Notice::Answer {
                    key,
                    answer: old.answer,
                    error: SA_AIS_OK,
                    status: SA_LCK_LOCK_GRANTED,
                }),
                (true, false, true) => {
                    warn!(target: "LCK", "lock {:#x} of connection {:#x} waits again after the merge", key.lock_id, key.conn);
                }
                _ => {}
            }
        }
        self.table = merged;
        self.peers.synchronised(&run.members, epoch);
        info!(target: "LCK", "synchronised: {} resource(s), {} lock(s)", self.table.resources().count(), self.table.lock_count());
        self.tell(ctx, out);
    }

    fn sync_abort(&mut self, _ctx: &mut Context<'_>) {
        self.sync = None;
    }

    fn timer(&mut self, ctx: &mut Context<'_>, token: u64) {
        match token {
            timeouts::TOKEN => self.timeouts.fire(ctx, &self.table),
            _ => warn!(target: "LCK", "unknown timer {token}"),
        }
    }
}

#[cfg(test)]
mod tests;

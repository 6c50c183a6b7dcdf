//! The timeouts of this node's waiting saLckResourceLock requests.
//!
//! A request's deadline is fixed by the node that received it (its clock
//! when it forwarded the request, plus the call's timeout) and watched
//! only there. When it passes while the request still waits, the node
//! multicasts a WITHDRAW; every node removes the request on delivery if
//! it still waits (a grant delivered first wins), so the withdrawal is
//! idempotent and changes replicated state only in agreed order.

use std::collections::{BTreeSet, HashMap};

use sa_ipc::proto::Payload;

use super::messages::{kind, Withdraw};
use super::table::{LockKey, Table};
use crate::service::Context;

/// The service's timer token for the earliest deadline.
pub const TOKEN: u64 = 1;

/// Deadlines of waiting requests of this node: (connection, lock id).
#[derive(Debug, Default)]
pub struct Timeouts {
    by_time: BTreeSet<(i64, u64, u64)>,
    by_lock: HashMap<(u64, u64), i64>,
}

impl Timeouts {
    pub fn add(&mut self, conn: u64, lock_id: u64, at: i64) {
        if let Some(old) = self.by_lock.insert((conn, lock_id), at) {
            self.by_time.remove(&(old, conn, lock_id));
        }
        self.by_time.insert((at, conn, lock_id));
    }

    pub fn remove(&mut self, conn: u64, lock_id: u64) {
        if let Some(at) = self.by_lock.remove(&(conn, lock_id)) {
            self.by_time.remove(&(at, conn, lock_id));
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_lock.len()
    }

    /// Arms the timer for the earliest deadline, or disarms it.
    pub fn rearm(&self, ctx: &mut Context<'_>) {
        match self.by_time.first() {
            Some(&(at, _, _)) => ctx.set_timer(TOKEN, at),
            None => ctx.cancel_timer(TOKEN),
        }
    }

    /// Withdraws every request whose deadline passed and which still waits.
    pub fn fire(&mut self, ctx: &mut Context<'_>, table: &Table) {
        let now = ctx.now_ns();
        let node = ctx.local_node();
        while let Some(&(at, conn, lock_id)) = self.by_time.first() {
            if at > now {
                break;
            }
            self.by_time.pop_first();
            self.by_lock.remove(&(conn, lock_id));
            let key = LockKey {
                node,
                conn,
                lock_id,
            };
            if table.is_waiting(&key) {
                // Nobody waits for this message's answer: it goes when it can.
                ctx.mcast_queued(kind::WITHDRAW, &Withdraw { conn, lock_id }.to_payload());
            }
        }
        self.rearm(ctx);
    }
}

//! Retention: a closed non-persistent queue is deleted when its
//! retention time has passed since the close. Every node watches the
//! deadlines; a node that sees one pass multicasts EXPIRED naming the
//! queue and the close (its epoch), and every node deletes on delivery.
//! Duplicates from several nodes, or one overtaken by a reopen, change
//! nothing. A request not answered by its delivery is asked again after
//! [`RESEND_AFTER`] (the first may have been lost in a configuration
//! change).

use std::collections::HashMap;

use log::debug;
use sa_ipc::proto::Payload;

use super::messages::{kind, Expired};
use super::store::Store;
use crate::service::Context;

/// The timer token of retention checks.
pub const TOKEN: u64 = 1;

/// How long an expiry asked for may stay undelivered before it is asked
/// again.
pub const RESEND_AFTER: i64 = 1_000_000_000;

/// The expiries this node asked for, and its timer.
#[derive(Debug, Default)]
pub struct Expiry {
    /// (queue, epoch) asked for, and when.
    asked: HashMap<(u64, u64), i64>,
    armed: Option<i64>,
}

impl Expiry {
    /// Asks for every expiry due and not asked for lately, then re-arms.
    pub fn fire(&mut self, ctx: &mut Context<'_>, store: &Store) {
        self.armed = None;
        let now = ctx.now_ns();
        for (queue, epoch) in store.due(now) {
            if self
                .asked
                .get(&(queue, epoch))
                .is_some_and(|t| now.saturating_sub(*t) < RESEND_AFTER)
            {
                continue;
            }
            let m = Expired { queue, epoch };
            if ctx.mcast(kind::EXPIRED, &m.to_payload()).is_err() {
                // Asked again at the next firing.
                break;
            }
            debug!(target: "MSG", "asking for the expiry of queue {queue:#x}");
            self.asked.insert((queue, epoch), now);
        }
        self.rearm(ctx, store);
    }

    /// Arms the timer for the next deadline, a due expiry not asked for
    /// yet (at once), or the resend of one asked for.
    pub fn rearm(&mut self, ctx: &mut Context<'_>, store: &Store) {
        let now = ctx.now_ns();
        let due = store.due(now);
        self.asked.retain(|d, _| due.contains(d));
        let mut at = store.next_expiry_after(now);
        for d in &due {
            let when = self
                .asked
                .get(d)
                .map_or(now, |t| t.saturating_add(RESEND_AFTER));
            at = Some(at.map_or(when, |a| a.min(when)));
        }
        if at == self.armed {
            return;
        }
        match at {
            Some(t) => ctx.set_timer(TOKEN, t),
            None => ctx.cancel_timer(TOKEN),
        }
        self.armed = at;
    }
}

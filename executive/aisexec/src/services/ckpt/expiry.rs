//! Asking for expiries: when a section's expiration time or a closed
//! checkpoint's retention passes, the node that notices multicasts
//! RETENTION_EXPIRED or SECTION_EXPIRED, and every node deletes on
//! delivery. Every node watches the same deadlines, so several may ask;
//! the messages are idempotent. A request not yet answered by its
//! delivery is asked again after [`RESEND_AFTER`] (the first one may have
//! been lost in a configuration change).

use std::collections::HashMap;

use log::debug;
use sa_ipc::proto::Payload;

use super::deadlines::Due;
use super::messages::{kind, RetentionExpired, SectionExpired};
use super::store::Store;
use crate::ordering::McastError;
use crate::service::Context;

/// The timer token of expiry checks.
pub const TOKEN: u64 = 1;

/// How long an expiry asked for may stay unanswered before it is asked
/// again.
pub const RESEND_AFTER: i64 = 1_000_000_000;

/// The expiry requests of this node and its timer.
#[derive(Debug, Default)]
pub struct Expiry {
    /// Dues asked for, and when.
    asked: HashMap<Due, i64>,
    /// The deadline the timer is armed for.
    armed: Option<i64>,
}

impl Expiry {
    /// Multicasts a request for everything due and not asked for lately,
    /// then re-arms the timer.
    pub fn fire(&mut self, ctx: &mut Context<'_>, store: &Store) {
        self.armed = None;
        let now = ctx.now_ns();
        for due in store.due(now) {
            if self
                .asked
                .get(&due)
                .is_some_and(|t| now.saturating_sub(*t) < RESEND_AFTER)
            {
                continue;
            }
            let (k, payload) = match &due {
                Due::Retention { ckpt, epoch } => (
                    kind::RETENTION_EXPIRED,
                    RetentionExpired {
                        ckpt: *ckpt,
                        epoch: *epoch,
                    }
                    .to_payload(),
                ),
                Due::Section {
                    ckpt,
                    id,
                    expiration,
                } => (
                    kind::SECTION_EXPIRED,
                    SectionExpired {
                        ckpt: *ckpt,
                        section_id: id.clone(),
                        expiration: *expiration,
                    }
                    .to_payload(),
                ),
            };
            match ctx.mcast(k, &payload) {
                Ok(()) => {
                    debug!(target: "CKPT", "asking for expiry {due:?}");
                    self.asked.insert(due, now);
                }
                // Asked again at the next firing.
                Err(McastError::QueueFull) | Err(McastError::TooLarge) => break,
            }
        }
        self.rearm(ctx, store);
    }

    /// Arms the timer for the next thing to do: the next deadline, a due
    /// item not asked for yet (at once), or the resend of one asked for.
    pub fn rearm(&mut self, ctx: &mut Context<'_>, store: &Store) {
        let now = ctx.now_ns();
        let due = store.due(now);
        self.asked.retain(|d, _| due.contains(d));
        let mut at = store.next_deadline_after(now);
        for d in &due {
            let when = match self.asked.get(d) {
                Some(t) => t.saturating_add(RESEND_AFTER),
                None => now,
            };
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

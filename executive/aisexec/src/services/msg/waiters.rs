//! What waits on this node: gets of its library connections, and the
//! timeouts of their SendReceives.
//!
//! A get is answered when a GET exec message it sent takes a message
//! (safe delivery; see `apply`). A get finding its queue empty waits
//! here; when the queue holds more messages than GETs are on their way,
//! the oldest waiting get sends one ([`Waiters::kick`]). At its deadline
//! a waiting get is answered SA_AIS_ERR_TIMEOUT; one whose GET is on its
//! way is answered when that is delivered (with the message it took, if
//! any), so no message is taken for a caller that was already told
//! "timeout". Cancel does the same with SA_AIS_ERR_INTERRUPT.
//!
//! A SendReceive's wait for its reply is replicated state (see `store`);
//! its node's timer multicasts REPLY_EXPIRED at the deadline, and the
//! requester is answered SA_AIS_ERR_TIMEOUT when that is delivered,
//! unless a reply was delivered first.

use std::collections::{BTreeMap, HashMap};

use log::debug;
use sa_abi::ais::{SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_TIMEOUT};
use sa_ipc::proto::Payload;

use super::messages::{self, kind, ReplyExpired};
use super::store::{OpenKey, Store};
use crate::ipc::ConnId;
use crate::ordering::Guarantee;
use crate::service::{Context, ReplyTo};

/// The timer token of waits.
pub const TOKEN: u64 = 2;

/// How long an expiry asked for a SendReceive may stay undelivered
/// before it is asked again, and how soon a GET the ordering layer
/// refused is tried again.
const RESEND_AFTER: i64 = 1_000_000_000;
const RETRY_AFTER: i64 = 10_000_000;

/// A get of a library connection of this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetWaiter {
    pub to: ReplyTo,
    pub open_id: u64,
    pub buffer: Option<u64>,
    pub deadline: i64,
    /// Its GET exec message is on its way.
    pub in_flight: bool,
    /// The answer when its GET finds nothing: TIMEOUT, INTERRUPT, ...
    pub ended: Option<u32>,
}

impl GetWaiter {
    pub fn new(to: ReplyTo, open_id: u64, buffer: Option<u64>, deadline: i64) -> GetWaiter {
        GetWaiter {
            to,
            open_id,
            buffer,
            deadline,
            in_flight: false,
            ended: None,
        }
    }

    fn key(&self) -> OpenKey {
        OpenKey {
            node: self.to.node,
            conn: self.to.conn.0,
            open_id: self.open_id,
        }
    }
}

/// The waits of this node.
#[derive(Debug, Default)]
pub struct Waiters {
    /// By (connection, request seq): oldest first per connection.
    gets: BTreeMap<(u64, u32), GetWaiter>,
    /// SendReceive expiries asked for, and when.
    asked: HashMap<u64, i64>,
    /// A GET could not be sent: try again soon.
    retry: bool,
    armed: Option<i64>,
}

impl Waiters {
    pub fn add(&mut self, w: GetWaiter) {
        self.gets.insert((w.to.conn.0, w.to.seq), w);
    }

    /// The get whose GET was delivered (`None` when its connection ended).
    pub fn take(&mut self, to: &ReplyTo) -> Option<GetWaiter> {
        self.gets.remove(&(to.conn.0, to.seq))
    }

    /// Ends the gets of an opening: the waiting ones are answered `error`
    /// at once, those whose GET is on its way when it is delivered.
    /// Returns whether there was one.
    pub fn cancel(
        &mut self,
        ctx: &mut Context<'_>,
        conn: ConnId,
        open_id: u64,
        error: u32,
    ) -> bool {
        let mut any = false;
        self.gets.retain(|_, w| {
            if w.to.conn != conn || w.open_id != open_id {
                return true;
            }
            any = true;
            if w.in_flight {
                w.ended = Some(error);
                true
            } else {
                ctx.reply(&w.to, error, Vec::new());
                false
            }
        });
        any
    }

    pub fn drop_conn(&mut self, conn: ConnId) {
        self.gets.retain(|_, w| w.to.conn != conn);
    }

    /// Answers SA_AIS_ERR_BAD_HANDLE to the waiting gets whose opening is
    /// gone (closed, or lost in a merge).
    pub fn forget_vanished(&mut self, ctx: &mut Context<'_>, store: &Store) {
        self.gets.retain(|_, w| {
            if w.in_flight || store.opening(&w.key()).is_some() {
                return true;
            }
            ctx.reply(&w.to, SA_AIS_ERR_BAD_HANDLE, Vec::new());
            false
        });
    }

    /// Sends a GET for the oldest waiting gets of each opening while its
    /// queue holds more messages than GETs are on their way.
    pub fn kick(&mut self, ctx: &mut Context<'_>, store: &Store) {
        let mut in_flight: HashMap<OpenKey, usize> = HashMap::new();
        for w in self.gets.values().filter(|w| w.in_flight) {
            *in_flight.entry(w.key()).or_default() += 1;
        }
        for w in self.gets.values_mut() {
            if w.in_flight || w.ended.is_some() {
                continue;
            }
            let key = w.key();
            let Some(q) = store.opening(&key) else {
                continue;
            };
            let sent = in_flight.entry(key).or_default();
            if q.count() <= *sent {
                continue;
            }
            let get = messages::Get {
                to: w.to.into(),
                open_id: w.open_id,
                buffer: w.buffer,
            };
            // Safe: the get is answered only once every node has it, so a
            // message a caller got is gone from every replica.
            match ctx.mcast_with(kind::GET, &get.to_payload(), Guarantee::Safe) {
                Ok(()) => {
                    w.in_flight = true;
                    *sent += 1;
                }
                Err(e) => {
                    debug!(target: "MSG", "get not sent yet ({e:?})");
                    self.retry = true;
                    return;
                }
            }
        }
    }

    /// The timer: answers expired waiting gets, asks for the expiry of
    /// this node's SendReceives past their deadline, retries GETs.
    pub fn fire(&mut self, ctx: &mut Context<'_>, store: &Store) {
        self.armed = None;
        let now = ctx.now_ns();
        self.gets.retain(|_, w| {
            if w.deadline > now {
                return true;
            }
            if w.in_flight {
                w.ended.get_or_insert(SA_AIS_ERR_TIMEOUT);
                return true;
            }
            ctx.reply(&w.to, SA_AIS_ERR_TIMEOUT, Vec::new());
            false
        });
        let local = ctx.local_node();
        self.asked.retain(|id, _| store.replies.contains_key(id));
        for (id, p) in &store.replies {
            if p.to.node != local || p.deadline > now {
                continue;
            }
            if self
                .asked
                .get(id)
                .is_some_and(|t| now.saturating_sub(*t) < RESEND_AFTER)
            {
                continue;
            }
            let m = ReplyExpired { sender_id: *id };
            if ctx.mcast(kind::REPLY_EXPIRED, &m.to_payload()).is_err() {
                break;
            }
            self.asked.insert(*id, now);
        }
        if std::mem::take(&mut self.retry) {
            self.kick(ctx, store);
        }
        self.rearm(ctx, store);
    }

    /// Arms the timer for the next deadline.
    pub fn rearm(&mut self, ctx: &mut Context<'_>, store: &Store) {
        let now = ctx.now_ns();
        let local = ctx.local_node();
        let gets = self
            .gets
            .values()
            .filter(|w| !(w.in_flight && w.ended.is_some()))
            .map(|w| w.deadline);
        let replies = store
            .replies
            .iter()
            .filter(|(_, p)| p.to.node == local)
            .map(|(id, p)| match self.asked.get(id) {
                Some(t) => t.saturating_add(RESEND_AFTER),
                None => p.deadline,
            });
        let mut at = gets.chain(replies).min();
        if self.retry {
            let soon = now.saturating_add(RETRY_AFTER);
            at = Some(at.map_or(soon, |a| a.min(soon)));
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

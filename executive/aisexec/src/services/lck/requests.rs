//! Library requests, as the node that receives them handles them.
//!
//! Every request changes the lock table, so every one is checked (flags
//! and modes B.01.01 defines: SA_AIS_ERR_BAD_FLAGS; an opening not known
//! on this connection: SA_AIS_ERR_BAD_HANDLE) and forwarded as an exec
//! message; the answer goes out when it is delivered here (see `apply`).
//! A lock request carries its deadline: this node's clock plus the call's
//! timeout.

use sa_abi::ais::{SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_BAD_HANDLE, SA_AIS_OK};
use sa_ipc::codec::DecodeError;
use sa_ipc::proto::lck::{kind, LckRequest, LOCK_FLAGS, OPEN_FLAGS};

use super::messages::Forwarded;
use super::table::OpeningKey;
use super::Lck;
use crate::service::{mcast_refusal, Context, Request};

impl Lck {
    pub(super) fn handle_request(
        &mut self,
        ctx: &mut Context<'_>,
        req: &Request<'_>,
    ) -> Result<(), DecodeError> {
        let request = LckRequest::decode(req.kind, req.payload)?;
        let opening = |open_id| OpeningKey {
            node: ctx.local_node(),
            conn: req.conn.0,
            open_id,
        };
        let known = |open_id| self.table.has_opening(&opening(open_id));
        let refusal = match &request {
            LckRequest::Open(o)
            | LckRequest::OpenAsync(sa_ipc::proto::lck::OpenAsync { open: o, .. })
                if o.flags & !OPEN_FLAGS != 0 =>
            {
                Some(SA_AIS_ERR_BAD_FLAGS)
            }
            LckRequest::Lock(l) if l.flags & !LOCK_FLAGS != 0 => Some(SA_AIS_ERR_BAD_FLAGS),
            LckRequest::LockAsync(l) if l.flags & !LOCK_FLAGS != 0 => Some(SA_AIS_ERR_BAD_FLAGS),
            LckRequest::Lock(l) if !known(l.open_id) => Some(SA_AIS_ERR_BAD_HANDLE),
            LckRequest::LockAsync(l) if !known(l.open_id) => Some(SA_AIS_ERR_BAD_HANDLE),
            LckRequest::Purge(p) if !known(p.open_id) => Some(SA_AIS_ERR_BAD_HANDLE),
            _ => None,
        };
        if let Some(error) = refusal {
            ctx.respond(req, error, Vec::new());
            return Ok(());
        }
        // Its end must release whatever it holds.
        self.clients.insert(req.conn);
        let deadline = match &request {
            LckRequest::Lock(l) => ctx.now_ns().saturating_add(l.timeout.max(0)),
            _ => 0,
        };
        let to = ctx.reply_to(req);
        let payload = Forwarded::encode(&to, deadline, req.kind, req.payload);
        match ctx.mcast(req.kind, &payload) {
            Ok(()) => {
                // An asynchronous call is accepted once it is on its way;
                // its result comes as a callback.
                if matches!(
                    req.kind,
                    kind::OPEN_ASYNC | kind::LOCK_ASYNC | kind::UNLOCK_ASYNC
                ) {
                    ctx.respond(req, SA_AIS_OK, Vec::new());
                }
            }
            Err(e) => ctx.respond(req, mcast_refusal(e), Vec::new()),
        }
        Ok(())
    }
}

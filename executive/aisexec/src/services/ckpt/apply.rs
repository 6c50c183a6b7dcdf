//! Delivered exec messages, applied to the replicated state on every
//! node; the node a forwarded request came from answers its library.

use log::{debug, info, warn};
use sa_abi::ais::SA_AIS_OK;
use sa_ipc::proto::ckpt::{
    kind as req_kind, CkptRequest, OpenCallback, OpenReply, SectionCreateReply, SynchronizeCallback,
};
use sa_ipc::proto::Payload;

use super::error::CkptError;
use super::messages::{ExecMsg, Forwarded};
use super::requests::vector_failure_payload;
use super::store::OpeningKey;
use super::Ckpt;
use crate::ordering::NodeId;
use crate::service::{Context, ReplyTo};

/// Answers a forwarded request (on the node it came from).
fn reply(ctx: &mut Context<'_>, to: &ReplyTo, result: Result<Vec<u8>, CkptError>) {
    match result {
        Ok(payload) => ctx.reply(to, SA_AIS_OK, payload),
        Err(e) => ctx.reply(to, e.to_ais(), Vec::new()),
    };
}

impl Ckpt {
    /// Applies one exec message other than a sync message.
    pub(super) fn apply(&mut self, ctx: &mut Context<'_>, from: NodeId, msg: ExecMsg) {
        match msg {
            ExecMsg::Forwarded(f) => self.apply_forwarded(ctx, from, f),
            ExecMsg::ConnExit(c) => {
                let n = self.store.close_connection(from, c.conn, c.now);
                debug!(target: "CKPT", "connection {:#x} of node {from} ended: {n} opening(s) closed", c.conn);
            }
            ExecMsg::RetentionExpired(r) => {
                let name = self.store.checkpoint(r.ckpt).map(|c| c.name.clone());
                if self.store.retention_expired(r.ckpt, r.epoch) {
                    info!(target: "CKPT", "checkpoint {:?} deleted: its retention duration ran out",
                        name.map(|n| String::from_utf8_lossy(n.as_bytes()).into_owned()).unwrap_or_default());
                }
            }
            ExecMsg::SectionExpired(s) => {
                if self
                    .store
                    .section_expired(s.ckpt, &s.section_id, s.expiration)
                {
                    debug!(target: "CKPT", "section of checkpoint {:#x} expired", s.ckpt);
                }
            }
            ExecMsg::SyncCheckpoint(_) | ExecMsg::SyncSection(_) | ExecMsg::SyncOpenings(_) => {
                debug!(target: "CKPT", "sync message from node {from} outside a sync ignored");
            }
        }
    }

    fn apply_forwarded(&mut self, ctx: &mut Context<'_>, from: NodeId, f: Forwarded) {
        if f.to.node != from {
            warn!(target: "CKPT", "node {from} forwarded a request of node {}; ignored", f.to.node);
            return;
        }
        let to = f.to;
        let key = |open_id| OpeningKey {
            node: from,
            conn: to.conn.0,
            open_id,
        };
        let local = from == ctx.local_node();
        let store = &mut self.store;
        use CkptRequest as R;
        match f.request {
            R::Open(o) => {
                let r = store.open(key(o.open_id), &o, f.new_id, f.now);
                reply(
                    ctx,
                    &to,
                    r.map(|attributes| OpenReply { attributes }.to_payload()),
                );
            }
            R::OpenAsync(a) => {
                let r = store.open(key(a.open.open_id), &a.open, f.new_id, f.now);
                if local {
                    let (error, attributes) = match r {
                        Ok(attrs) => (SA_AIS_OK, Some(attrs)),
                        Err(e) => (e.to_ais(), None),
                    };
                    let result = OpenCallback {
                        invocation: a.invocation,
                        open_id: a.open.open_id,
                        attributes,
                    };
                    ctx.callback(to.conn, req_kind::OPEN_CALLBACK, error, result.to_payload());
                }
            }
            R::Close(c) => reply(
                ctx,
                &to,
                store.close(&key(c.open_id), f.now).map(|()| Vec::new()),
            ),
            R::Unlink(u) => reply(ctx, &to, store.unlink(&u.name).map(|()| Vec::new())),
            R::RetentionDurationSet(r) => {
                let result = store.set_retention(&key(r.open_id), r.duration);
                reply(ctx, &to, result.map(|()| Vec::new()));
            }
            R::ActiveReplicaSet(a) => {
                let result = store.set_active_replica(&key(a.open_id), from);
                reply(ctx, &to, result.map(|()| Vec::new()));
            }
            R::SectionCreate(s) => {
                let result = store.section_create(
                    &key(s.open_id),
                    &s.section_id,
                    s.expiration,
                    &s.data,
                    f.now,
                );
                reply(
                    ctx,
                    &to,
                    result.map(|section_id| SectionCreateReply { section_id }.to_payload()),
                );
            }
            R::SectionDelete(s) => {
                let result = store.section_delete(&key(s.open_id), &s.section_id);
                reply(ctx, &to, result.map(|()| Vec::new()));
            }
            R::SectionExpirationTimeSet(s) => {
                let result =
                    store.section_expiration_set(&key(s.open_id), &s.section_id, s.expiration);
                reply(ctx, &to, result.map(|()| Vec::new()));
            }
            R::Write(w) => match store.write(&key(w.open_id), &w.elements, f.now) {
                Ok(()) => {
                    ctx.reply(&to, SA_AIS_OK, Vec::new());
                }
                Err(failure) => {
                    ctx.reply(
                        &to,
                        failure.error.to_ais(),
                        vector_failure_payload(&failure),
                    );
                }
            },
            R::Overwrite(o) => {
                let result = store.overwrite(&key(o.open_id), &o.section_id, &o.data, f.now);
                reply(ctx, &to, result.map(|()| Vec::new()));
            }
            R::Synchronize(s) => {
                let result = store.check_synchronize(&key(s.open_id));
                reply(ctx, &to, result.map(|()| Vec::new()));
            }
            R::SynchronizeAsync(s) => {
                if local {
                    let error = match store.check_synchronize(&key(s.open_id)) {
                        Ok(()) => SA_AIS_OK,
                        Err(e) => e.to_ais(),
                    };
                    let result = SynchronizeCallback {
                        invocation: s.invocation,
                    };
                    ctx.callback(
                        to.conn,
                        req_kind::SYNCHRONIZE_CALLBACK,
                        error,
                        result.to_payload(),
                    );
                }
            }
            R::Read(_) | R::StatusGet(_) | R::Iterate(_) => {
                warn!(target: "CKPT", "node {from} forwarded a read request; ignored");
            }
        }
    }
}

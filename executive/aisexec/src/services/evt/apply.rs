//! Exec messages applied on delivery, in agreed order, on every node:
//! the only place the replicated state changes.

use std::collections::BTreeSet;
use std::sync::Arc;

use log::{debug, info, warn};
use sa_abi::ais::{SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_NOT_EXIST, SA_AIS_OK};
use sa_ipc::proto::evt::{kind, open_flags, EventRecord, OpenCallback, OpenReply, PublishReply};
use sa_ipc::proto::Payload;

use super::channels::{ChannelId, OpenRef};
use super::local::LocalOpen;
use super::messages::{self, ExecMsg};
use super::sync::Merge;
use super::Evt;
use crate::ipc::ConnId;
use crate::ordering::NodeId;
use crate::service::Context;

impl Evt {
    pub(super) fn apply(&mut self, ctx: &mut Context<'_>, from: NodeId, msg: ExecMsg) {
        match msg {
            ExecMsg::Open(m) => self.apply_open(ctx, from, m),
            ExecMsg::Close(m) => {
                let open = OpenRef {
                    node: from,
                    conn: m.reply_to.conn,
                    open_id: m.open_id,
                };
                if let Some(gone) = self.channels.close(m.channel, &open) {
                    self.channel_gone(gone);
                    self.arm_expiry(ctx);
                }
                ctx.reply(&m.reply_to, SA_AIS_OK, Vec::new());
            }
            ExecMsg::Unlink(m) => match self.channels.unlink(&m.name) {
                Ok((id, gone)) => {
                    debug!(target: "EVT", "channel {id:#x} unlinked");
                    if gone {
                        self.channel_gone(id);
                        self.arm_expiry(ctx);
                    }
                    ctx.reply(&m.reply_to, SA_AIS_OK, Vec::new());
                }
                Err(_) => {
                    ctx.reply(&m.reply_to, SA_AIS_ERR_NOT_EXIST, Vec::new());
                }
            },
            ExecMsg::Publish(m) => self.apply_publish(ctx, from, m),
            ExecMsg::RetentionClear(m) => {
                let found = self
                    .retained
                    .get(m.event_id)
                    .is_some_and(|r| r.channel == m.channel);
                if found {
                    self.retained.remove(m.event_id);
                    self.local.forget_retained(m.channel, m.event_id);
                    self.arm_expiry(ctx);
                }
                let error = if found {
                    SA_AIS_OK
                } else {
                    SA_AIS_ERR_NOT_EXIST
                };
                ctx.reply(&m.reply_to, error, Vec::new());
            }
            ExecMsg::RetentionExpired(m) => {
                if let Some(r) = self.retained.remove(m.event_id) {
                    self.local.forget_retained(r.channel, m.event_id);
                    self.arm_expiry(ctx);
                }
            }
            ExecMsg::ConnGone(m) => {
                let gone = self
                    .channels
                    .remove_opens(|o| o.node == from && o.conn == m.conn);
                if !gone.is_empty() {
                    for id in gone {
                        self.channel_gone(id);
                    }
                    self.arm_expiry(ctx);
                }
            }
            ExecMsg::SyncState(m) => match &mut self.sync {
                Some(run) if run.ring_id == m.ring_id => run.merge.add(from, m),
                _ => debug!(target: "EVT",
                    "sync state of node {from} for ring {} outside its sync ignored", m.ring_id),
            },
        }
    }

    fn apply_open(&mut self, ctx: &mut Context<'_>, from: NodeId, m: messages::Open) {
        if m.reply_to.node != from {
            warn!(target: "EVT", "node {from} sent an open for node {}; ignored", m.reply_to.node);
            return;
        }
        let open = OpenRef {
            node: from,
            conn: m.reply_to.conn,
            open_id: m.open_id,
        };
        let create = (m.flags & open_flags::CREATE != 0
            && self.channels.by_name(&m.name).is_none())
        .then(|| {
            let channels = &self.channels;
            self.channel_ids.next(from, |id| channels.get(id).is_some())
        });
        let result = self.channels.open(&m.name, open, create);
        if let Ok((id, true)) = result {
            info!(target: "EVT", "channel {:?} created (id {id:#x})",
                String::from_utf8_lossy(m.name.as_bytes()));
        }
        if from != self.node {
            return;
        }
        let (error, open_id) = match result {
            Ok((channel, _)) => {
                let local = LocalOpen::new(channel, m.flags);
                if !self.local.add_open(m.reply_to.conn, m.open_id, local) {
                    // The connection ended meanwhile; its end message
                    // follows this one and removes the opening everywhere.
                    return;
                }
                (SA_AIS_OK, m.open_id)
            }
            Err(_) => (SA_AIS_ERR_NOT_EXIST, 0),
        };
        match m.invocation {
            Some(invocation) => ctx.callback(
                m.reply_to.conn,
                kind::OPEN_CALLBACK,
                error,
                OpenCallback {
                    invocation,
                    open_id,
                }
                .to_payload(),
            ),
            None => {
                let payload = if error == SA_AIS_OK {
                    OpenReply { open_id }.to_payload()
                } else {
                    Vec::new()
                };
                ctx.reply(&m.reply_to, error, payload);
            }
        }
    }

    fn apply_publish(&mut self, ctx: &mut Context<'_>, from: NodeId, m: messages::Publish) {
        if self.channels.get(m.channel).is_none() {
            ctx.reply(&m.reply_to, SA_AIS_ERR_BAD_HANDLE, Vec::new());
            return;
        }
        let retained = &self.retained;
        let event_id = self.event_ids.next(from, |id| retained.contains(id));
        let keep = m.attributes.retention > 0;
        let event = Arc::new(EventRecord {
            attributes: m.attributes,
            publish_time: m.publish_time,
            event_id,
            data: m.data,
        });
        if keep {
            self.retained.insert(m.channel, Arc::clone(&event));
            self.arm_expiry(ctx);
        }
        let (touched, lost) = self.local.deliver(m.channel, &event, keep, ctx.now_ns());
        self.notify_all(ctx, touched, lost);
        ctx.reply(
            &m.reply_to,
            SA_AIS_OK,
            PublishReply {
                event_id,
                publish_time: m.publish_time,
            }
            .to_payload(),
        );
    }

    /// Installs the merged state of a completed sync.
    pub(super) fn activate(&mut self, ctx: &mut Context<'_>, merge: Merge) {
        let merged = merge.finish();
        self.channels = merged.channels;
        self.retained = merged.retained;
        self.channel_ids = merged.channel_ids;
        self.event_ids = merged.event_ids;
        for (from, to) in &merged.renamed {
            info!(target: "EVT", "channel {from:#x} merged into channel {to:#x} of the same name");
            self.local.rechannel(*from, *to);
        }
        let retained = &self.retained;
        self.local.prune_seen(|id| retained.contains(id));
        // Retained events that arrived with the merge reach the local
        // subscriptions that match them.
        let now = ctx.now_ns();
        let opens: Vec<(ConnId, u32, ChannelId)> = self
            .local
            .opens()
            .filter(|(_, _, o)| !o.subscriptions.is_empty())
            .map(|(c, id, o)| (c, id, o.channel))
            .collect();
        let mut touched = BTreeSet::new();
        let mut lost = 0;
        for (conn, open_id, channel) in opens {
            if self.channels.get(channel).is_none() {
                warn!(target: "EVT", "local opening {open_id} of connection {conn} lost its channel");
                continue;
            }
            let events = self.retained.events_of(channel);
            let (queued, l) = self
                .local
                .deliver_retained(conn, open_id, None, &events, now);
            lost += l;
            if queued {
                touched.insert(conn);
            }
        }
        self.notify_all(ctx, touched, lost);
        info!(target: "EVT", "synchronised: {} channel(s), {} retained event(s)",
            self.channels.len(), self.retained.len());
    }
}

//! CLM, the cluster membership service.
//!
//! The membership is the ordering layer's regular configuration. After
//! each one, during the sync, every member announces its own node info
//! (address, name, boot time, the view it joined in) with an exec
//! message, so every node knows every member; at activation the new view
//! is installed (its number is the ring sequence number) and tracking
//! connections are told what changed.

mod node_table;
mod tracking;

use log::{info, warn};
use sa_abi::ais::{SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_NOT_EXIST, SA_AIS_ERR_NO_SPACE, SA_AIS_OK};
use sa_ipc::codec::DecodeError;
use sa_ipc::proto::clm::{
    kind, AddressFamily, ClmRequest, CurrentView, NodeGetCallback, NodeGetReply, NodeInfo,
    TrackChanges, TrackReply, View, LOCAL_NODE_ID,
};
use sa_ipc::proto::{service, Payload};
use sa_ipc::Name;

use self::node_table::NodeTable;
use self::tracking::{current_notification, Trackers};
use super::ServiceEnv;
use crate::config::ClmNodeName;
use crate::ipc::ConnId;
use crate::ordering::{address_text, McastError, NodeId};
use crate::service::{mcast_refusal, Context, ExecMessage, Membership, Request, Service, SyncStep};

/// Exec message kinds of CLM.
mod exec_kind {
    /// A node's own [`NodeInfo`](sa_ipc::proto::clm::NodeInfo).
    pub const NODE_ANNOUNCE: u16 = 1;
}

/// The CLM service.
#[derive(Debug)]
pub struct Clm {
    /// This node as it announces itself (`initial_view_number` set at the
    /// first sync).
    local: NodeInfo,
    joined_first_view: bool,
    table: NodeTable,
    /// The regular configuration being synchronised.
    syncing: Option<Membership>,
    trackers: Trackers,
}

impl Clm {
    pub fn new(env: &ServiceEnv) -> Clm {
        let family = match env.address {
            std::net::IpAddr::V4(_) => AddressFamily::Inet,
            std::net::IpAddr::V6(_) => AddressFamily::Inet6,
        };
        let address = address_text(env.address);
        let mut name = match env.config.clm.node_name {
            ClmNodeName::Address => address.as_bytes(),
            ClmNodeName::Hostname => env.hostname.as_bytes(),
        };
        if name.len() > sa_ipc::codec::MAX_NAME_LEN {
            name = &name[..sa_ipc::codec::MAX_NAME_LEN];
        }
        Clm {
            local: NodeInfo {
                node_id: env.node_id,
                family,
                name: Name::new(name).unwrap_or_default(),
                address: address.into_bytes(),
                member: true,
                boot_timestamp: env.boot_timestamp,
                initial_view_number: 0,
            },
            joined_first_view: false,
            table: NodeTable::default(),
            syncing: None,
            trackers: Trackers::default(),
        }
    }

    fn lookup(&self, node_id: u32) -> Option<NodeInfo> {
        let node = if node_id == LOCAL_NODE_ID {
            self.local.node_id
        } else {
            node_id
        };
        self.table.member(node)
    }

    fn current_view(&self) -> View {
        View {
            view_number: self.table.view().number,
            members: self.table.members(),
        }
    }
}

impl Service for Clm {
    fn id(&self) -> u16 {
        service::CLM
    }

    fn name(&self) -> &'static str {
        "CLM"
    }

    fn conn_exit(&mut self, _ctx: &mut Context<'_>, conn: ConnId) {
        self.trackers.stop(conn);
    }

    fn lib_request(&mut self, ctx: &mut Context<'_>, req: &Request<'_>) -> Result<(), DecodeError> {
        match ClmRequest::decode(req.kind, req.payload)? {
            ClmRequest::NodeGet(get) => match self.lookup(get.node_id) {
                Some(node) => ctx.respond(req, SA_AIS_OK, NodeGetReply { node }.to_payload()),
                None => ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new()),
            },
            ClmRequest::NodeGetAsync(get) => {
                ctx.respond(req, SA_AIS_OK, Vec::new());
                let node = self.lookup(get.node_id);
                let error = if node.is_some() {
                    SA_AIS_OK
                } else {
                    SA_AIS_ERR_NOT_EXIST
                };
                let result = NodeGetCallback {
                    invocation: get.invocation,
                    node,
                };
                ctx.callback(
                    req.conn,
                    kind::NODE_GET_CALLBACK,
                    error,
                    result.to_payload(),
                );
            }
            ClmRequest::Track(track) => {
                if track.changes == TrackChanges::None && track.current == CurrentView::None {
                    ctx.respond(req, SA_AIS_ERR_BAD_FLAGS, Vec::new());
                    return Ok(());
                }
                let members = self.table.view().members.len();
                let max = usize::try_from(track.max_items).unwrap_or(usize::MAX);
                if track.current == CurrentView::InReply && max != 0 && members > max {
                    // The caller's buffer is too small: nothing changes,
                    // the library asks again for the size it needs.
                    ctx.respond(req, SA_AIS_ERR_NO_SPACE, Vec::new());
                    return Ok(());
                }
                self.trackers.start(req.conn, track.changes);
                let view = match track.current {
                    CurrentView::InReply => Some(self.current_view()),
                    CurrentView::None | CurrentView::AsCallback => None,
                };
                ctx.respond(req, SA_AIS_OK, TrackReply { view }.to_payload());
                if track.current == CurrentView::AsCallback {
                    let current = current_notification(&self.table);
                    ctx.callback(
                        req.conn,
                        kind::TRACK_CALLBACK,
                        SA_AIS_OK,
                        current.to_payload(),
                    );
                }
            }
            ClmRequest::TrackStop(_) => {
                let error = if self.trackers.stop(req.conn) {
                    SA_AIS_OK
                } else {
                    SA_AIS_ERR_NOT_EXIST
                };
                ctx.respond(req, error, Vec::new());
            }
        }
        Ok(())
    }

    fn served_during_sync(&self, kind: u16) -> bool {
        // Stopping a track touches only this connection's state.
        kind == kind::TRACK_STOP
    }

    /// Node announcements are the sync itself.
    fn delivered_during_sync(&self, kind: u16) -> bool {
        kind == exec_kind::NODE_ANNOUNCE
    }

    fn exec_deliver(
        &mut self,
        _ctx: &mut Context<'_>,
        msg: &ExecMessage<'_>,
    ) -> Result<(), DecodeError> {
        match msg.kind {
            exec_kind::NODE_ANNOUNCE => {
                let node = NodeInfo::from_payload(msg.payload)?;
                if node.node_id != msg.from {
                    warn!(target: "CLM", "node {} announced itself as node {}; ignored",
                        msg.from, node.node_id);
                    return Ok(());
                }
                self.table.announce(node);
                Ok(())
            }
            kind => Err(DecodeError::UnknownKind {
                service: service::CLM,
                kind,
            }),
        }
    }

    fn sync_init(&mut self, _ctx: &mut Context<'_>, membership: &Membership) {
        if !self.joined_first_view && membership.members.contains(&self.local.node_id) {
            self.joined_first_view = true;
            self.local.initial_view_number = membership.ring_id.seq;
        }
        self.syncing = Some(membership.clone());
    }

    fn sync_process(&mut self, ctx: &mut Context<'_>) -> SyncStep {
        match ctx.mcast(exec_kind::NODE_ANNOUNCE, &self.local.to_payload()) {
            Ok(()) => SyncStep::Done,
            Err(McastError::QueueFull) => SyncStep::Pending,
            Err(e @ McastError::TooLarge) => {
                // A node info is a few hundred bytes; this cannot happen
                // with a working ordering layer. The others will see this
                // node without its details.
                warn!(target: "CLM", "cannot announce this node: error {}", mcast_refusal(e));
                SyncStep::Done
            }
        }
    }

    fn sync_activate(&mut self, ctx: &mut Context<'_>) {
        let Some(membership) = self.syncing.take() else {
            return;
        };
        let change = self
            .table
            .install(membership.ring_id.seq, membership.members.clone());
        info!(target: "CLM", "view {}: {} member(s){}{}",
            membership.ring_id.seq,
            membership.members.len(),
            node_list(" joined", &change.joined),
            node_list(" left", &change.left));
        if change.is_empty() {
            return;
        }
        for (conn, notification) in self.trackers.notifications(&self.table, &change) {
            ctx.callback(
                conn,
                kind::TRACK_CALLBACK,
                SA_AIS_OK,
                notification.to_payload(),
            );
        }
    }

    fn sync_abort(&mut self, _ctx: &mut Context<'_>) {
        self.syncing = None;
    }
}

fn node_list(label: &str, nodes: &[NodeId]) -> String {
    if nodes.is_empty() {
        return String::new();
    }
    let ids: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
    format!(",{label}: {}", ids.join(" "))
}

#[cfg(test)]
mod tests;

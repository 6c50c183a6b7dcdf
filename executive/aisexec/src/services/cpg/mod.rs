//! CPG, openais's closed process groups.
//!
//! A process joins a named group through its library connection, sees
//! every membership change of the group as a configuration change (who is
//! in it, who left, who joined, and why) and multicasts to the group in
//! agreed order. The group table is replicated state: joins, leaves and the
//! exits of processes that did not leave are exec messages applied in
//! agreed order on every node, and after every configuration change the
//! members rebuild the table from each node's own processes (see
//! [`sync`]), so every node's view of every group is the same.
//!
//! A node speaks for its own processes only: a process is identified by
//! the node that multicast its messages and its connection there.

mod flow_control;
mod groups;
mod local;
mod message;
mod sync;

use log::{debug, info, warn};
use sa_abi::cpg::{
    CPG_ERR_EXIST, CPG_ERR_INVALID_PARAM, CPG_ERR_LIBRARY, CPG_ERR_NOT_EXIST, CPG_ERR_TRY_AGAIN,
    CPG_OK,
};
use sa_ipc::codec::DecodeError;
use sa_ipc::proto::cpg::{
    self as proto, kind, ConfChgCallback, CpgRequest, DeliverCallback, LocalReply, MembershipReply,
    Reason,
};
use sa_ipc::proto::{service, Payload};

use self::flow_control::FlowControl;
use self::groups::{Change, Groups, Member};
use self::local::LocalConns;
use self::message::{exec_kind, JoinList, MemberOp, Multicast};
use self::sync::SyncRound;
use super::ServiceEnv;
use crate::ipc::ConnId;
use crate::ordering::{ConfChg, ConfChgKind, Guarantee, McastError, NodeId};
use crate::service::{ConnInfo, Context, ExecMessage, Membership, Request, Service, SyncStep};

/// The CPG service.
#[derive(Debug)]
pub struct Cpg {
    local: NodeId,
    conns: LocalConns,
    groups: Groups,
    sync: Option<SyncRound>,
    /// Members of the configuration of the last completed sync.
    previous_members: Vec<NodeId>,
    /// Nodes the last transitional configuration says left.
    departed: Vec<NodeId>,
    /// Connections told CPG_ERR_TRY_AGAIN, to be told when to go on.
    flow_control: FlowControl,
}

impl Cpg {
    pub fn new(env: &ServiceEnv) -> Cpg {
        Cpg {
            local: env.node_id,
            conns: LocalConns::default(),
            groups: Groups::default(),
            sync: None,
            previous_members: Vec::new(),
            departed: Vec::new(),
            flow_control: FlowControl::default(),
        }
    }

    /// Sends the configuration change of a group to this node's processes
    /// concerned: the members after the change, and those that left while
    /// their connection is still open (a process that called cpg_leave
    /// sees itself leave).
    fn notify(&self, ctx: &mut Context<'_>, change: &Change) {
        debug!(target: "CPG", "group {}: {} member(s), {} left, {} joined",
            change.group, change.members.len(), change.left.len(), change.joined.len());
        let recipients: Vec<ConnId> = change
            .members
            .iter()
            .chain(change.left.iter().map(|(m, _)| m))
            .filter(|m| m.node == self.local && self.conns.is_open(ConnId(m.conn)))
            .map(|m| ConnId(m.conn))
            .collect();
        if recipients.is_empty() {
            return;
        }
        let payload = ConfChgCallback {
            group: change.group.clone(),
            members: change
                .members
                .iter()
                .map(|m| m.address(Reason::Join))
                .collect(),
            left: change.left.iter().map(|(m, r)| m.address(*r)).collect(),
            joined: change.joined.iter().map(|(m, r)| m.address(*r)).collect(),
        }
        .to_payload();
        for conn in recipients {
            ctx.callback(conn, kind::CONFCHG_CALLBACK, CPG_OK, payload.clone());
        }
    }

    /// Applies a JOIN, LEAVE or PROCDOWN of `from`'s process.
    fn apply(&mut self, ctx: &mut Context<'_>, from: NodeId, kind: u16, op: &MemberOp) {
        let member = Member {
            node: from,
            conn: op.conn,
            pid: op.pid,
        };
        let reason = match kind {
            exec_kind::JOIN => Reason::Join,
            exec_kind::LEAVE => Reason::Leave,
            _ => Reason::ProcDown,
        };
        let change = if reason == Reason::Join {
            self.groups.add(&op.group, member, reason)
        } else {
            self.groups.remove(&op.group, from, op.conn, reason)
        };
        if let Some(sync) = self.sync.as_mut() {
            if sync.contributed(from) {
                if reason == Reason::Join {
                    let _ = sync.incoming.add(&op.group, member, reason);
                } else {
                    let _ = sync.incoming.remove(&op.group, from, op.conn, reason);
                }
            }
        }
        match change {
            Some(change) => self.notify(ctx, &change),
            None => debug!(target: "CPG",
                "{reason:?} of process {} (node {from}) in group {} changed nothing",
                op.pid, op.group),
        }
    }

    /// Hands a group message to this node's members of the group.
    fn deliver(&self, ctx: &mut Context<'_>, from: NodeId, m: &Multicast<'_>) {
        let recipients: Vec<ConnId> = self
            .groups
            .members(&m.sender.group)
            .iter()
            .filter(|member| member.node == self.local && self.conns.is_open(ConnId(member.conn)))
            .map(|member| ConnId(member.conn))
            .collect();
        if recipients.is_empty() {
            return;
        }
        let mut payload =
            DeliverCallback::encode_parts(&m.sender.group, from, m.sender.pid, m.data);
        let mut rest = recipients.iter().peekable();
        while let Some(conn) = rest.next() {
            let frame_payload = if rest.peek().is_some() {
                payload.clone()
            } else {
                std::mem::take(&mut payload)
            };
            ctx.callback(*conn, kind::DELIVER_CALLBACK, CPG_OK, frame_payload);
        }
    }

    /// This node's share of a sync: its processes' memberships, in the
    /// order of the group table, then those whose JOIN is still on its way.
    fn local_share(&self) -> Vec<MemberOp> {
        let mut share: Vec<MemberOp> = Vec::new();
        for (group, members) in self.groups.iter() {
            for m in members.iter().filter(|m| m.node == self.local) {
                let conn = ConnId(m.conn);
                if let Some(c) = self.conns.get(conn) {
                    if c.group.as_ref() == Some(group) {
                        share.push(c.op(conn, group));
                    }
                }
            }
        }
        let mut pending: Vec<MemberOp> = self
            .conns
            .in_groups()
            .filter(|(conn, _, group)| {
                !share
                    .iter()
                    .any(|op| op.conn == conn.0 && &op.group == *group)
            })
            .map(|(conn, c, group)| c.op(conn, group))
            .collect();
        pending.sort_by_key(|op| op.conn);
        share.extend(pending);
        share
    }

    fn lib_join(&mut self, ctx: &mut Context<'_>, req: &Request<'_>, group: proto::GroupName) {
        let Some(c) = self.conns.get(req.conn) else {
            ctx.respond(req, CPG_ERR_LIBRARY, Vec::new());
            return;
        };
        if c.group.is_some() {
            ctx.respond(req, CPG_ERR_EXIST, Vec::new());
            return;
        }
        let op = c.op(req.conn, &group);
        let error = match ctx.mcast(exec_kind::JOIN, &op.to_payload()) {
            Ok(()) => {
                if let Some(c) = self.conns.get_mut(req.conn) {
                    c.group = Some(group);
                }
                CPG_OK
            }
            Err(e) => refusal(e),
        };
        ctx.respond(req, error, Vec::new());
    }

    fn lib_leave(&mut self, ctx: &mut Context<'_>, req: &Request<'_>, group: proto::GroupName) {
        let Some(c) = self.conns.get(req.conn) else {
            ctx.respond(req, CPG_ERR_LIBRARY, Vec::new());
            return;
        };
        if c.group.as_ref() != Some(&group) {
            ctx.respond(req, CPG_ERR_NOT_EXIST, Vec::new());
            return;
        }
        let op = c.op(req.conn, &group);
        let error = match ctx.mcast(exec_kind::LEAVE, &op.to_payload()) {
            Ok(()) => {
                if let Some(c) = self.conns.get_mut(req.conn) {
                    c.group = None;
                }
                CPG_OK
            }
            Err(e) => refusal(e),
        };
        ctx.respond(req, error, Vec::new());
    }

    fn lib_mcast(
        &mut self,
        ctx: &mut Context<'_>,
        req: &Request<'_>,
        guarantee: proto::Guarantee,
        data: &[u8],
    ) {
        let sender = match self.conns.get(req.conn) {
            Some(c) => match &c.group {
                Some(group) => c.op(req.conn, group),
                None => {
                    ctx.respond(req, CPG_ERR_NOT_EXIST, Vec::new());
                    return;
                }
            },
            None => {
                ctx.respond(req, CPG_ERR_LIBRARY, Vec::new());
                return;
            }
        };
        let guarantee = match guarantee {
            proto::Guarantee::Safe => Guarantee::Safe,
            proto::Guarantee::Unordered | proto::Guarantee::Fifo | proto::Guarantee::Agreed => {
                Guarantee::Agreed
            }
        };
        let payload = Multicast::encode(&sender, data);
        let error = match ctx.mcast_with(exec_kind::MCAST, &payload, guarantee) {
            Ok(()) => CPG_OK,
            Err(e) => refusal(e),
        };
        ctx.respond(req, error, Vec::new());
        if error == CPG_ERR_TRY_AGAIN {
            self.flow_control.refused(ctx, req.conn);
        }
    }
}

/// The answer to a request whose exec message the ordering layer refused.
fn refusal(e: McastError) -> u32 {
    match e {
        McastError::QueueFull => CPG_ERR_TRY_AGAIN,
        // The library bounds messages well below what the ordering layer
        // carries; cpg_error_t has no "too big".
        McastError::TooLarge => CPG_ERR_INVALID_PARAM,
    }
}

impl Service for Cpg {
    fn id(&self) -> u16 {
        service::CPG
    }

    fn name(&self) -> &'static str {
        "CPG"
    }

    fn conn_init(&mut self, _ctx: &mut Context<'_>, conn: &ConnInfo) {
        // A pid is positive; the cast keeps its bits as cpg_address does.
        self.conns.open(conn.conn, conn.cred.pid as u32);
    }

    fn conn_exit(&mut self, ctx: &mut Context<'_>, conn: ConnId) {
        self.flow_control.forget(conn);
        let Some(c) = self.conns.close(conn) else {
            return;
        };
        if let Some(group) = &c.group {
            debug!(target: "CPG", "process {} left group {} by closing its connection", c.pid, group);
            // No library waits for it: it goes whenever there is room
            // (after a sync that runs: the share sent must not move).
            ctx.mcast_queued(exec_kind::PROCDOWN, &c.op(conn, group).to_payload());
        }
    }

    fn lib_request(&mut self, ctx: &mut Context<'_>, req: &Request<'_>) -> Result<(), DecodeError> {
        match CpgRequest::decode(req.kind, req.payload)? {
            CpgRequest::Join(join) => self.lib_join(ctx, req, join.group),
            CpgRequest::Leave(leave) => self.lib_leave(ctx, req, leave.group),
            CpgRequest::Mcast { guarantee, data } => self.lib_mcast(ctx, req, guarantee, data),
            CpgRequest::MembershipGet(get) => {
                let reply = MembershipReply {
                    members: self
                        .groups
                        .members(&get.group)
                        .iter()
                        .map(|m| m.address(Reason::Join))
                        .collect(),
                };
                ctx.respond(req, CPG_OK, reply.to_payload());
            }
            CpgRequest::LocalGet(_) => {
                let reply = LocalReply {
                    node: ctx.local_node(),
                };
                ctx.respond(req, CPG_OK, reply.to_payload());
            }
        }
        Ok(())
    }

    /// The sync rebuilds the group table from the members' lists and the
    /// joins and leaves delivered meanwhile (see [`sync`]): it needs them.
    fn delivered_during_sync(&self, _kind: u16) -> bool {
        true
    }

    fn served_during_sync(&self, kind: u16) -> bool {
        kind == kind::LOCAL_GET
    }

    fn request_refused(&mut self, ctx: &mut Context<'_>, req: &Request<'_>) {
        if req.kind == kind::MCAST {
            self.flow_control.refused(ctx, req.conn);
        }
    }

    fn timer(&mut self, ctx: &mut Context<'_>, token: u64) {
        match token {
            flow_control::TOKEN => self.flow_control.release(ctx, self.sync.is_some()),
            other => debug!(target: "CPG", "unknown timer {other}"),
        }
    }

    fn exec_deliver(
        &mut self,
        ctx: &mut Context<'_>,
        msg: &ExecMessage<'_>,
    ) -> Result<(), DecodeError> {
        match msg.kind {
            exec_kind::JOIN | exec_kind::LEAVE | exec_kind::PROCDOWN => {
                let op = MemberOp::from_payload(msg.payload)?;
                self.apply(ctx, msg.from, msg.kind, &op);
            }
            exec_kind::MCAST => {
                let m = Multicast::parse(msg.payload)?;
                self.deliver(ctx, msg.from, &m);
            }
            exec_kind::JOINLIST => {
                let part = JoinList::from_payload(msg.payload)?;
                let accepted = self
                    .sync
                    .as_mut()
                    .is_some_and(|sync| sync.receive(msg.from, &part));
                if !accepted {
                    debug!(target: "CPG", "ignored a membership list of node {} for ring {}",
                        msg.from, part.ring_id);
                }
            }
            kind => {
                return Err(DecodeError::UnknownKind {
                    service: service::CPG,
                    kind,
                })
            }
        }
        Ok(())
    }

    /// The processes of the nodes that did not come along leave (NODEDOWN)
    /// at the regular configuration, once the old configuration's last
    /// messages (delivered after the transitional one, some of them
    /// perhaps theirs) are delivered: a message of a process is never
    /// handed out after its leave. They leave even when their node is in
    /// the new configuration: a node that was cut off (stopped, partitioned)
    /// merges back with a transitional configuration of itself alone, and
    /// the group before and after the sync would look the same, hiding
    /// from its processes everything the others delivered meanwhile. The
    /// sync brings them back with NODEUP.
    fn confchg(&mut self, ctx: &mut Context<'_>, chg: &ConfChg) {
        match chg.kind {
            ConfChgKind::Transitional => self.departed = chg.left.clone(),
            ConfChgKind::Regular => {
                let departed = std::mem::take(&mut self.departed);
                if departed.is_empty() {
                    return;
                }
                let changes = self.groups.remove_nodes(&departed, Reason::NodeDown);
                self.previous_members.retain(|n| !departed.contains(n));
                for change in &changes {
                    self.notify(ctx, change);
                }
            }
        }
    }

    fn sync_init(&mut self, _ctx: &mut Context<'_>, membership: &Membership) {
        self.sync = Some(SyncRound::new(membership));
    }

    fn sync_process(&mut self, ctx: &mut Context<'_>) -> SyncStep {
        let share = match &self.sync {
            Some(sync) if !sync.share_taken() => Some(self.local_share()),
            Some(_) => None,
            None => return SyncStep::Done,
        };
        let Some(sync) = self.sync.as_mut() else {
            return SyncStep::Done;
        };
        if let Some(share) = share {
            sync.take_share(share);
        }
        while let Some(part) = sync.next_part() {
            match ctx.mcast(exec_kind::JOINLIST, &part.to_payload()) {
                Ok(()) => sync.part_sent(&part),
                Err(McastError::QueueFull) => return SyncStep::Pending,
                Err(McastError::TooLarge) => {
                    // A part is bounded far below the ordering layer's
                    // limit; skipping it loses those memberships from the
                    // rebuilt table rather than stalling the sync.
                    warn!(target: "CPG", "the ordering layer refused a membership list of {} entries",
                        part.entries.len());
                    sync.part_sent(&part);
                }
            }
        }
        SyncStep::Done
    }

    fn sync_activate(&mut self, ctx: &mut Context<'_>) {
        let Some(sync) = self.sync.take() else {
            return;
        };
        let members = sync.members.clone();
        let previous = std::mem::replace(&mut self.previous_members, members.clone());
        let changes = self.groups.replace_with(
            sync.incoming,
            |m| {
                if members.contains(&m.node) {
                    Reason::ProcDown
                } else {
                    Reason::NodeDown
                }
            },
            |m| {
                if previous.contains(&m.node) {
                    Reason::Join
                } else {
                    Reason::NodeUp
                }
            },
        );
        let (left, joined) = changes
            .iter()
            .fold((0, 0), |(l, j), c| (l + c.left.len(), j + c.joined.len()));
        info!(target: "CPG", "ring {}: {} group(s), {} process(es); {} joined, {} left with the configuration change",
            sync.ring_id, self.groups.group_count(), self.groups.member_count(), joined, left);
        for change in &changes {
            self.notify(ctx, change);
        }
        self.flow_control.release(ctx, false);
    }

    fn sync_abort(&mut self, _ctx: &mut Context<'_>) {
        self.sync = None;
    }
}

#[cfg(test)]
mod tests;

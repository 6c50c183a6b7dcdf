//! EVS, openais's extended virtual synchrony group messaging.
//!
//! A process joins groups (32-byte keys) and multicasts to groups with the
//! agreed or safe guarantee. The multicast travels through the ordering
//! layer carrying its group keys; on delivery every node hands it to its
//! own connections that joined one of those groups, so every member sees
//! the messages of its groups in the one agreed order. Which connection
//! joined which group stays on its node: nothing is replicated, there is
//! nothing to synchronise, and every request is served during a sync.
//!
//! Configuration changes (transitional and regular, at their place in the
//! message stream) go to every connection, with the node ids of the
//! members, of the nodes that left and of those that joined; a connection
//! gets the current configuration as soon as it opens.

mod subscriptions;

use log::debug;
use sa_abi::evs::{
    EVS_ERR_INVALID_PARAM, EVS_ERR_NOT_EXIST, EVS_ERR_TOO_MANY_GROUPS, EVS_ERR_TRY_AGAIN, EVS_OK,
};
use sa_ipc::codec::{DecodeError, Decoder, Encoder};
use sa_ipc::proto::evs::{
    self as proto, kind, ConfChgCallback, DeliverCallback, EvsRequest, GroupKey, MembershipReply,
};
use sa_ipc::proto::{service, Payload};

use self::subscriptions::{SubscriptionError, Subscriptions};
use super::ServiceEnv;
use crate::ipc::ConnId;
use crate::ordering::{ConfChg, ConfChgKind, Guarantee, McastError, NodeId};
use crate::service::{ConnInfo, Context, ExecMessage, Request, Service};

/// Exec message kinds of EVS.
mod exec_kind {
    /// A multicast: its group keys, then its data.
    pub const MCAST: u16 = 1;
}

/// The EVS service.
#[derive(Debug)]
pub struct Evs {
    local: NodeId,
    subscriptions: Subscriptions,
    /// Members of the current regular configuration.
    members: Vec<NodeId>,
}

impl Evs {
    pub fn new(env: &ServiceEnv) -> Evs {
        Evs {
            local: env.node_id,
            subscriptions: Subscriptions::default(),
            // Until the first ring forms this node is on its own.
            members: vec![env.node_id],
        }
    }

    /// Multicasts `data` to `groups` and answers the request.
    fn mcast(
        &mut self,
        ctx: &mut Context<'_>,
        req: &Request<'_>,
        guarantee: proto::Guarantee,
        groups: &[GroupKey],
        data: &[u8],
    ) {
        if groups.is_empty() {
            // Addressed to no group, it reaches nobody: there is nothing
            // to order.
            ctx.respond(req, EVS_OK, Vec::new());
            return;
        }
        let guarantee = match guarantee {
            proto::Guarantee::Safe => Guarantee::Safe,
            proto::Guarantee::Unordered | proto::Guarantee::Fifo | proto::Guarantee::Agreed => {
                Guarantee::Agreed
            }
        };
        let mut e = Encoder::with_capacity(8 + groups.len() * 36 + data.len());
        proto::encode_groups(&mut e, groups);
        e.put_bytes(data);
        let error = match ctx.mcast_with(exec_kind::MCAST, &e.finish(), guarantee) {
            Ok(()) => EVS_OK,
            Err(McastError::QueueFull) => EVS_ERR_TRY_AGAIN,
            // The library bounds a message well below what the ordering
            // layer carries; a larger one is the caller's mistake.
            Err(McastError::TooLarge) => EVS_ERR_INVALID_PARAM,
        };
        ctx.respond(req, error, Vec::new());
    }
}

impl Service for Evs {
    fn id(&self) -> u16 {
        service::EVS
    }

    fn name(&self) -> &'static str {
        "EVS"
    }

    fn conn_init(&mut self, ctx: &mut Context<'_>, conn: &ConnInfo) {
        self.subscriptions.open(conn.conn);
        let current = ConfChgCallback {
            members: self.members.clone(),
            left: Vec::new(),
            joined: Vec::new(),
        };
        ctx.callback(
            conn.conn,
            kind::CONFCHG_CALLBACK,
            EVS_OK,
            current.to_payload(),
        );
    }

    fn conn_exit(&mut self, _ctx: &mut Context<'_>, conn: ConnId) {
        self.subscriptions.close(conn);
    }

    fn lib_request(&mut self, ctx: &mut Context<'_>, req: &Request<'_>) -> Result<(), DecodeError> {
        match EvsRequest::decode(req.kind, req.payload)? {
            EvsRequest::Join(join) => {
                let error = match self.subscriptions.join(req.conn, &join.groups) {
                    Ok(()) => EVS_OK,
                    Err(SubscriptionError::TooManyGroups) => EVS_ERR_TOO_MANY_GROUPS,
                    Err(SubscriptionError::NotJoined | SubscriptionError::UnknownConnection) => {
                        EVS_ERR_NOT_EXIST
                    }
                };
                ctx.respond(req, error, Vec::new());
            }
            EvsRequest::Leave(leave) => {
                let error = match self.subscriptions.leave(req.conn, &leave.groups) {
                    Ok(()) => EVS_OK,
                    Err(_) => EVS_ERR_NOT_EXIST,
                };
                ctx.respond(req, error, Vec::new());
            }
            EvsRequest::McastJoined(m) => {
                let groups = self.subscriptions.groups_of(req.conn);
                self.mcast(ctx, req, m.guarantee, &groups, &m.data);
            }
            EvsRequest::McastGroups(m) => {
                self.mcast(ctx, req, m.guarantee, &m.groups, &m.data);
            }
            EvsRequest::MembershipGet(_) => {
                let reply = MembershipReply {
                    local: self.local,
                    members: self.members.clone(),
                };
                ctx.respond(req, EVS_OK, reply.to_payload());
            }
        }
        Ok(())
    }

    fn served_during_sync(&self, _kind: u16) -> bool {
        // No EVS request touches replicated state.
        true
    }

    /// EVS keeps no replicated state: nothing waits for a sync.
    fn delivered_during_sync(&self, _kind: u16) -> bool {
        true
    }

    fn exec_deliver(
        &mut self,
        ctx: &mut Context<'_>,
        msg: &ExecMessage<'_>,
    ) -> Result<(), DecodeError> {
        if msg.kind != exec_kind::MCAST {
            return Err(DecodeError::UnknownKind {
                service: service::EVS,
                kind: msg.kind,
            });
        }
        let mut d = Decoder::new(msg.payload);
        let groups = proto::decode_groups(&mut d)?;
        let data = proto::decode_data(&mut d)?;
        d.finish()?;
        let recipients: Vec<ConnId> = self.subscriptions.recipients(&groups).collect();
        if recipients.is_empty() {
            return Ok(());
        }
        let payload = DeliverCallback::encode_parts(msg.from, data);
        let (last, others) = recipients.split_last().expect("not empty");
        for conn in others {
            ctx.callback(*conn, kind::DELIVER_CALLBACK, EVS_OK, payload.clone());
        }
        ctx.callback(*last, kind::DELIVER_CALLBACK, EVS_OK, payload);
        Ok(())
    }

    fn confchg(&mut self, ctx: &mut Context<'_>, chg: &ConfChg) {
        if chg.kind == ConfChgKind::Regular {
            self.members = chg.members.clone();
        }
        debug!(target: "EVS", "{:?} configuration of ring {}: {} member(s), {} left, {} joined",
            chg.kind, chg.ring_id, chg.members.len(), chg.left.len(), chg.joined.len());
        let notification = ConfChgCallback {
            members: chg.members.clone(),
            left: chg.left.clone(),
            joined: chg.joined.clone(),
        }
        .to_payload();
        let conns: Vec<ConnId> = self.subscriptions.connections().collect();
        for conn in conns {
            ctx.callback(conn, kind::CONFCHG_CALLBACK, EVS_OK, notification.clone());
        }
    }
}

#[cfg(test)]
mod tests;

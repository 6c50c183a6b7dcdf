//! CFG, the administrative service `openais-cfgtool` talks to: the status
//! of ring 0 as the Totem driver publishes it, the quorum as the service
//! manager computes it, re-enabling a ring marked faulty, and the services
//! running and the members configured (for `openais-cfgtool --status`).
//! It reads and changes only this node's state, so it has nothing to
//! replicate and serves during a sync too.

use log::info;
use sa_abi::ais::SA_AIS_OK;
use sa_ipc::codec::DecodeError;
use sa_ipc::proto::cfg::{
    quorum_flags, CfgRequest, ClusterInfoReply, QuorumInfo, RingInterface, RingMember,
    RingStatusReply,
};
use sa_ipc::proto::{service, Payload};

use crate::net::{NetStatus, RingHealth, RingStatus};
use crate::service::quorum::QuorumStatus;
use crate::service::{Context, ExecMessage, Request, Service};

/// The CFG service.
#[derive(Debug)]
pub struct Cfg {
    status: NetStatus,
    info: ClusterInfoReply,
}

impl Cfg {
    /// `info`: what the executive runs and was configured with; fixed for
    /// its life.
    pub fn new(status: NetStatus, info: ClusterInfoReply) -> Cfg {
        Cfg { status, info }
    }
}

/// What [`Cfg`] reports about the executive: the names of `services`
/// (CFG is added) and the cluster `totem` configures.
pub fn cluster_info(services: &[&str], totem: &crate::config::TotemConfig) -> ClusterInfoReply {
    let mut names: Vec<String> = services.iter().map(|s| (*s).to_owned()).collect();
    names.push("CFG".to_owned());
    ClusterInfoReply {
        services: names,
        transport: totem.transport.to_string(),
        configured_members: totem.members.iter().map(|m| m.to_string()).collect(),
    }
}

/// What `openais-cfgtool -s` says of one ring.
fn ring_interface(r: &RingHealth) -> RingInterface {
    let n = r.ringnumber;
    let address = r.address.to_string();
    let (faulty, status) = match &r.fault {
        None => (false, format!("ring {n} active with no faults")),
        Some(why) if r.recovers_by_itself => (
            true,
            format!(
                "Marking ringid {n} interface {address} FAULTY ({why}); back in use once it \
                 works again, or at once with openais-cfgtool -r"
            ),
        ),
        Some(why) => (
            true,
            format!("Marking ringid {n} interface {address} FAULTY - administrative intervention required ({why})"),
        ),
    };
    RingInterface {
        ringnumber: n,
        address,
        faulty,
        status,
    }
}

/// The reply `openais-cfgtool -s` prints.
pub fn status_reply(s: &RingStatus) -> RingStatusReply {
    RingStatusReply {
        node_id: s.node_id,
        ring_rep: s.ring_id.rep,
        ring_seq: s.ring_id.seq,
        state: s.state.to_owned(),
        members: s
            .members
            .iter()
            .map(|&(node_id, addr)| RingMember {
                node_id,
                address: addr.map(|a| a.ip().to_string()).unwrap_or_default(),
            })
            .collect(),
        interfaces: s.rings.iter().map(ring_interface).collect(),
        rings_installed: s.rings_installed,
        invalid_digests: s.invalid_digests,
        malformed: s.malformed,
        quorum: None,
    }
}

/// The quorum as the CFG reply carries it.
pub fn quorum_info(q: &QuorumStatus) -> QuorumInfo {
    let flag = |on: bool, bit: u32| if on { bit } else { 0 };
    QuorumInfo {
        enabled: q.enabled,
        quorate: q.quorate,
        nodes: q.nodes,
        total_votes: q.total_votes,
        expected_votes: q.expected_votes,
        quorum: q.quorum,
        flags: flag(q.two_node, quorum_flags::TWO_NODE)
            | flag(q.waiting_for_all, quorum_flags::WAITING_FOR_ALL)
            | flag(q.last_man_standing, quorum_flags::LAST_MAN_STANDING),
    }
}

impl Service for Cfg {
    fn id(&self) -> u16 {
        service::CFG
    }

    fn name(&self) -> &'static str {
        "CFG"
    }

    fn lib_request(&mut self, ctx: &mut Context<'_>, req: &Request<'_>) -> Result<(), DecodeError> {
        match CfgRequest::decode(req.kind, req.payload)? {
            CfgRequest::RingStatusGet(_) => {
                let mut reply = status_reply(&self.status.snapshot());
                reply.quorum = Some(quorum_info(&ctx.quorum()));
                ctx.respond(req, SA_AIS_OK, reply.to_payload());
            }
            CfgRequest::ClusterInfoGet(_) => {
                ctx.respond(req, SA_AIS_OK, self.info.to_payload());
            }
            CfgRequest::RingReenable(_) => {
                info!(target: "CFG", "re-enabling the rings on an administrator's request");
                self.status.request_reenable();
                ctx.respond(req, SA_AIS_OK, Vec::new());
            }
        }
        Ok(())
    }

    fn served_during_sync(&self, _kind: u16) -> bool {
        true
    }

    fn exec_deliver(
        &mut self,
        _ctx: &mut Context<'_>,
        msg: &ExecMessage<'_>,
    ) -> Result<(), DecodeError> {
        // CFG multicasts nothing.
        Err(DecodeError::UnknownKind {
            service: service::CFG,
            kind: msg.kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ordering::RingId;

    #[test]
    fn reply_reflects_faults_and_members() {
        let mut s = RingStatus::new(16777343, "127.0.0.1".parse().unwrap());
        s.ring_id = RingId {
            rep: 16777343,
            seq: 8,
        };
        s.state = "OPERATIONAL";
        s.members = vec![
            (16777343, Some("127.0.0.1:5405".parse().unwrap())),
            (33554559, None),
        ];
        let r = status_reply(&s);
        assert_eq!(r.ring_seq, 8);
        assert_eq!(r.members[0].address, "127.0.0.1");
        assert_eq!(r.members[1].address, "");
        assert!(!r.interfaces[0].faulty);
        assert_eq!(r.interfaces[0].status, "ring 0 active with no faults");
        s.rings[0].fault = Some("the network interface of 127.0.0.1 is down".into());
        let r = status_reply(&s);
        assert!(r.interfaces[0].faulty);
        assert!(r.interfaces[0].status.contains("FAULTY"));
        assert!(r.interfaces[0]
            .status
            .contains("administrative intervention required"));
        // Redundant rings: every ring, each with its own state.
        s.rings = vec![
            RingHealth {
                ringnumber: 0,
                address: "10.0.0.1".parse().unwrap(),
                fault: Some("processor 3 not heard on it".into()),
                recovers_by_itself: true,
            },
            RingHealth {
                ringnumber: 1,
                address: "10.0.1.1".parse().unwrap(),
                fault: None,
                recovers_by_itself: true,
            },
        ];
        let r = status_reply(&s);
        assert_eq!(r.interfaces.len(), 2);
        assert!(r.interfaces[0].faulty);
        assert_eq!(
            r.interfaces[0].status,
            "Marking ringid 0 interface 10.0.0.1 FAULTY (processor 3 not heard on it); back in use \
             once it works again, or at once with openais-cfgtool -r"
        );
        assert_eq!(r.interfaces[1].address, "10.0.1.1");
        assert_eq!(r.interfaces[1].status, "ring 1 active with no faults");
    }

    #[test]
    fn reenable_request_reaches_the_driver() {
        let status = NetStatus::new(RingStatus::new(1, "127.0.0.1".parse().unwrap()));
        let cfg = Cfg::new(
            status.clone(),
            ClusterInfoReply {
                services: vec![],
                transport: "udp".into(),
                configured_members: vec![],
            },
        );
        cfg.status.request_reenable();
        assert!(status.take_reenable());
        assert!(!status.take_reenable());
    }

    #[test]
    fn the_quorum_reaches_the_reply() {
        let q = QuorumStatus {
            enabled: true,
            quorate: false,
            total_votes: 2,
            expected_votes: 5,
            quorum: 3,
            nodes: 2,
            two_node: false,
            waiting_for_all: true,
            last_man_standing: true,
        };
        let info = quorum_info(&q);
        assert!(info.enabled && !info.quorate);
        assert_eq!(
            (
                info.nodes,
                info.total_votes,
                info.expected_votes,
                info.quorum
            ),
            (2, 2, 5, 3)
        );
        assert_eq!(
            info.flags,
            quorum_flags::WAITING_FOR_ALL | quorum_flags::LAST_MAN_STANDING
        );
        assert!(quorum_info(&QuorumStatus::disabled()).quorate);
    }
}

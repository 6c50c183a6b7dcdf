//! Tests of the service manager with recording services, a recording
//! library link and a hand-driven ordering layer.

use std::cell::RefCell;
use std::rc::Rc;

use sa_abi::ais::{SA_AIS_ERR_TRY_AGAIN, SA_AIS_OK};
use sa_ipc::codec::DecodeError;

use super::api::*;
use super::exec_message::{self, MANAGER_SERVICE};
use super::manager::{RequestError, ServiceManager};
use super::sync::{Barrier, KIND_BARRIER, NO_VOTES};
use super::testing::{Link, Wire};
use crate::ipc::ConnId;
use crate::ordering::{ConfChg, ConfChgKind, NodeId, OrderingEvent, RingId};
use sa_ipc::proto::Payload;

type Journal = Rc<RefCell<Vec<String>>>;

/// Records every hook; its sync multicasts one state message.
struct Recorder {
    id: u16,
    journal: Journal,
}

impl Recorder {
    fn note(&self, what: impl AsRef<str>) {
        self.journal
            .borrow_mut()
            .push(format!("{}:{}", self.id, what.as_ref()));
    }
}

impl Service for Recorder {
    fn id(&self) -> u16 {
        self.id
    }
    fn name(&self) -> &'static str {
        "TEST"
    }
    fn conn_init(&mut self, _ctx: &mut Context<'_>, conn: &ConnInfo) {
        self.note(format!("init {}", conn.conn.0));
    }
    fn conn_exit(&mut self, _ctx: &mut Context<'_>, conn: ConnId) {
        self.note(format!("exit {}", conn.0));
    }
    fn lib_request(&mut self, ctx: &mut Context<'_>, req: &Request<'_>) -> Result<(), DecodeError> {
        match req.kind {
            1 => ctx.respond(req, SA_AIS_OK, req.payload.to_vec()),
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: self.id,
                    kind: req.kind,
                })
            }
        }
        self.note("request");
        Ok(())
    }
    /// Kind 7 is its sync message; the others wait for the sync's end.
    fn delivered_during_sync(&self, kind: u16) -> bool {
        kind == 7
    }
    fn exec_deliver(
        &mut self,
        ctx: &mut Context<'_>,
        msg: &ExecMessage<'_>,
    ) -> Result<(), DecodeError> {
        self.note(format!("exec {} from {}", msg.kind, msg.from));
        // Kind 9 asks for a message that must not be lost.
        if msg.kind == 9 {
            ctx.mcast_queued(10, b"queued");
        }
        Ok(())
    }
    fn confchg(&mut self, _ctx: &mut Context<'_>, chg: &ConfChg) {
        self.note(format!("confchg {:?}", chg.kind));
    }
    fn sync_init(&mut self, _ctx: &mut Context<'_>, m: &Membership) {
        self.note(format!("sync_init {}", m.ring_id.seq));
    }
    fn sync_process(&mut self, ctx: &mut Context<'_>) -> SyncStep {
        match ctx.mcast(7, b"state") {
            Ok(()) => {
                self.note("sync_process");
                SyncStep::Done
            }
            Err(_) => SyncStep::Pending,
        }
    }
    fn sync_activate(&mut self, _ctx: &mut Context<'_>) {
        self.note("sync_activate");
    }
    fn sync_abort(&mut self, _ctx: &mut Context<'_>) {
        self.note("sync_abort");
    }
    /// A request whose payload is "write" changes replicated state.
    fn needs_quorum(&self, req: &Request<'_>) -> bool {
        req.payload == b"write"
    }
    fn quorum_changed(&mut self, ctx: &mut Context<'_>) {
        self.note(format!("quorate {}", ctx.quorate()));
    }
}

struct Bench {
    manager: ServiceManager,
    wire: Wire,
    link: Link,
    journal: Journal,
}

impl Bench {
    fn new(node: NodeId, ids: &[u16]) -> Bench {
        let journal: Journal = Rc::default();
        let services: Vec<Box<dyn Service>> = ids
            .iter()
            .map(|&id| {
                Box::new(Recorder {
                    id,
                    journal: journal.clone(),
                }) as Box<dyn Service>
            })
            .collect();
        Bench {
            manager: ServiceManager::new(services).unwrap(),
            wire: Wire {
                node,
                ..Wire::default()
            },
            link: Link::default(),
            journal,
        }
    }

    fn event(&mut self, e: OrderingEvent) {
        self.manager.deliver(&mut self.wire, &mut self.link, &e);
    }

    fn confchg(&mut self, kind: ConfChgKind, seq: u64, members: &[NodeId]) {
        self.event(OrderingEvent::ConfChg(ConfChg {
            kind,
            ring_id: RingId {
                rep: members[0],
                seq,
            },
            members: members.to_vec(),
            left: vec![],
            joined: vec![],
        }));
    }

    /// Delivers everything this node multicast so far, as sent by it.
    fn loop_back(&mut self) {
        while !self.wire.sent.is_empty() {
            let sent = std::mem::take(&mut self.wire.sent);
            for payload in sent {
                let from = self.wire.node;
                self.event(OrderingEvent::Deliver { from, payload });
            }
        }
    }

    fn request(&mut self, service: u16, kind: u16, seq: u32) -> Result<(), RequestError> {
        self.request_with(service, kind, seq, b"ping")
    }

    fn request_with(
        &mut self,
        service: u16,
        kind: u16,
        seq: u32,
        payload: &[u8],
    ) -> Result<(), RequestError> {
        let req = Request {
            conn: ConnId(9),
            kind,
            seq,
            payload,
        };
        self.manager
            .lib_request(&mut self.wire, &mut self.link, service, &req)
    }

    fn journal(&self) -> Vec<String> {
        self.journal.borrow().clone()
    }
}

#[test]
fn duplicate_ids_are_refused() {
    let journal: Journal = Rc::default();
    let a = Box::new(Recorder {
        id: 1,
        journal: journal.clone(),
    });
    let b = Box::new(Recorder { id: 1, journal });
    assert!(ServiceManager::new(vec![a, b]).is_err());
}

#[test]
fn requests_wait_for_the_first_sync() {
    let mut b = Bench::new(1, &[3]);
    b.request(3, 1, 10).unwrap();
    assert_eq!(b.link.responses[0].1.error, SA_AIS_ERR_TRY_AGAIN);
    assert_eq!(b.link.responses[0].1.seq, 10);
    assert_eq!(b.manager.stats().refused_during_sync, 1);

    b.confchg(ConfChgKind::Transitional, 4, &[1]);
    b.confchg(ConfChgKind::Regular, 4, &[1]);
    assert!(!b.manager.is_operational());
    b.loop_back();
    assert!(b.manager.is_operational());

    b.request(3, 1, 11).unwrap();
    let (_, f) = &b.link.responses[1];
    assert_eq!((f.error, f.seq, f.kind, f.service), (SA_AIS_OK, 11, 1, 3));
    assert_eq!(f.payload, b"ping");
    assert!(matches!(b.request(3, 99, 12), Err(RequestError::Decode(_))));
    assert!(matches!(
        b.request(4, 1, 13),
        Err(RequestError::UnknownService(4))
    ));
}

#[test]
fn sync_walks_services_in_id_order() {
    let mut b = Bench::new(1, &[8, 2]);
    b.confchg(ConfChgKind::Transitional, 4, &[1]);
    b.confchg(ConfChgKind::Regular, 4, &[1]);
    b.loop_back();
    assert_eq!(
        b.journal(),
        [
            "2:confchg Transitional",
            "8:confchg Transitional",
            "2:confchg Regular",
            "8:confchg Regular",
            "2:sync_init 4",
            "8:sync_init 4",
            "2:sync_process",
            "2:exec 7 from 1",
            "2:sync_activate",
            "8:sync_process",
            "8:exec 7 from 1",
            "8:sync_activate",
        ]
    );
}

#[test]
fn each_step_waits_for_every_member_barrier() {
    let mut b = Bench::new(1, &[2]);
    b.confchg(ConfChgKind::Regular, 8, &[1, 5]);
    b.loop_back();
    // our state and barrier are delivered; node 5's barrier is missing
    assert!(!b.manager.is_operational());
    assert!(!b.journal().contains(&"2:sync_activate".to_string()));

    b.event(OrderingEvent::Deliver {
        from: 5,
        payload: exec_message::encode(2, 7, b"state"),
    });
    let barrier = Barrier {
        ring_id: RingId { rep: 1, seq: 8 },
        step: 0,
        votes: NO_VOTES,
    };
    b.event(OrderingEvent::Deliver {
        from: 5,
        payload: exec_message::encode(MANAGER_SERVICE, KIND_BARRIER, &barrier.to_payload()),
    });
    assert!(b.manager.is_operational());
    assert_eq!(
        &b.journal()[2..],
        [
            "2:sync_process",
            "2:exec 7 from 1",
            "2:exec 7 from 5",
            "2:sync_activate"
        ]
    );
}

#[test]
fn a_full_queue_pauses_the_sync_until_retried() {
    let mut b = Bench::new(1, &[2]);
    b.wire.full = true;
    b.confchg(ConfChgKind::Regular, 4, &[1]);
    assert!(b.wire.sent.is_empty());
    b.manager.retry_pending(&mut b.wire, &mut b.link);
    assert!(b.wire.sent.is_empty());
    b.wire.full = false;
    b.manager.retry_pending(&mut b.wire, &mut b.link);
    assert_eq!(b.wire.sent.len(), 2, "state message and barrier");
    b.loop_back();
    assert!(b.manager.is_operational());
}

#[test]
fn stale_barriers_and_bad_messages_are_dropped() {
    let mut b = Bench::new(1, &[2]);
    b.confchg(ConfChgKind::Regular, 4, &[1]);
    let old_barrier = b.wire.sent.last().unwrap().clone();
    b.confchg(ConfChgKind::Regular, 8, &[1]);
    b.wire.sent.clear();
    b.event(OrderingEvent::Deliver {
        from: 1,
        payload: old_barrier,
    });
    assert!(!b.manager.is_operational());

    b.event(OrderingEvent::Deliver {
        from: 1,
        payload: vec![1],
    });
    b.event(OrderingEvent::Deliver {
        from: 1,
        payload: exec_message::encode(77, 1, b""),
    });
    assert_eq!(b.manager.stats().exec_dropped, 2);
}

#[test]
fn connection_hooks_reach_their_service() {
    let mut b = Bench::new(1, &[2, 3]);
    let info = ConnInfo {
        conn: ConnId(42),
        cred: crate::ipc::PeerCred {
            pid: 1,
            uid: 0,
            gid: 0,
        },
    };
    b.manager.conn_opened(&mut b.wire, &mut b.link, 3, &info);
    b.manager
        .conn_closed(&mut b.wire, &mut b.link, 3, ConnId(42));
    assert_eq!(b.journal(), ["3:init 42", "3:exit 42"]);
}

/// A starting executive serves nothing from the ring it forms alone: it
/// waits for a sync with another node, or for the settle deadline.
#[test]
fn startup_settle_waits_for_a_sync_with_another_node() {
    let mut b = Bench::new(1, &[3]);
    b.manager.settle_until(1_000);
    b.confchg(ConfChgKind::Transitional, 4, &[1]);
    b.confchg(ConfChgKind::Regular, 4, &[1]);
    b.loop_back();
    assert!(!b.manager.is_operational(), "alone: still settling");
    b.request(3, 1, 10).unwrap();
    assert_eq!(b.link.responses[0].1.error, SA_AIS_ERR_TRY_AGAIN);

    // the merge with node 2, synchronised: serving
    b.confchg(ConfChgKind::Transitional, 8, &[1]);
    b.confchg(ConfChgKind::Regular, 8, &[1, 2]);
    b.loop_back();
    let barrier = Barrier {
        ring_id: RingId { rep: 1, seq: 8 },
        step: 0,
        votes: NO_VOTES,
    };
    b.event(OrderingEvent::Deliver {
        from: 2,
        payload: exec_message::encode(MANAGER_SERVICE, KIND_BARRIER, &barrier.to_payload()),
    });
    assert!(b.manager.is_operational());
    assert_eq!(b.manager.next_timer(), None, "the deadline is cancelled");
    b.request(3, 1, 11).unwrap();
    assert_eq!(b.link.responses[1].1.error, SA_AIS_OK);
}

#[test]
fn startup_settle_ends_at_its_deadline_when_alone() {
    let mut b = Bench::new(1, &[3]);
    b.manager.settle_until(1_000);
    b.confchg(ConfChgKind::Regular, 4, &[1]);
    b.loop_back();
    b.manager.fire_timers(&mut b.wire, &mut b.link, 999);
    assert!(!b.manager.is_operational());
    b.manager.fire_timers(&mut b.wire, &mut b.link, 1_000);
    assert!(b.manager.is_operational());
    b.request(3, 1, 10).unwrap();
    assert_eq!(b.link.responses[0].1.error, SA_AIS_OK);
}

/// Messages of a service still synchronising wait until its merged state
/// is in place; those of a service already synchronised do not.
#[test]
fn exec_messages_wait_for_their_service_sync() {
    let mut b = Bench::new(1, &[2, 8]);
    b.confchg(ConfChgKind::Regular, 8, &[1, 5]);
    b.loop_back();
    // node 5's messages for both services, before its state and barrier
    for svc in [2, 8] {
        b.event(OrderingEvent::Deliver {
            from: 5,
            payload: exec_message::encode(svc, 3, b"op"),
        });
    }
    assert!(!b.journal().iter().any(|l| l.contains("exec 3")));
    let barrier = |step| Barrier {
        ring_id: RingId { rep: 1, seq: 8 },
        step,
        votes: NO_VOTES,
    };
    b.event(OrderingEvent::Deliver {
        from: 5,
        payload: exec_message::encode(2, 7, b"state"),
    });
    b.event(OrderingEvent::Deliver {
        from: 5,
        payload: exec_message::encode(MANAGER_SERVICE, KIND_BARRIER, &barrier(0).to_payload()),
    });
    b.loop_back();
    let j = b.journal();
    let activated = j.iter().position(|l| l == "2:sync_activate").unwrap();
    let applied = j.iter().position(|l| l == "2:exec 3 from 5").unwrap();
    assert!(applied > activated, "{j:?}");
    assert!(
        !j.contains(&"8:exec 3 from 5".to_string()),
        "service 8 still syncs"
    );
    b.event(OrderingEvent::Deliver {
        from: 5,
        payload: exec_message::encode(8, 7, b"state"),
    });
    b.event(OrderingEvent::Deliver {
        from: 5,
        payload: exec_message::encode(MANAGER_SERVICE, KIND_BARRIER, &barrier(1).to_payload()),
    });
    assert!(b.manager.is_operational());
    assert_eq!(b.journal().last().unwrap(), "8:exec 3 from 5");
}

/// A held message goes to the service after an interrupted sync too.
#[test]
fn an_interrupted_sync_releases_what_it_held() {
    let mut b = Bench::new(1, &[2]);
    b.confchg(ConfChgKind::Regular, 8, &[1, 5]);
    b.event(OrderingEvent::Deliver {
        from: 5,
        payload: exec_message::encode(2, 3, b"op"),
    });
    b.confchg(ConfChgKind::Transitional, 12, &[1]);
    let j = b.journal();
    let aborted = j.iter().position(|l| l == "2:sync_abort").unwrap();
    assert_eq!(j[aborted + 1], "2:exec 3 from 5");
}

/// What a handler queues is sent in order when the ordering layer has
/// room again, on the manager's own timer, and never during a sync.
#[test]
fn queued_messages_wait_for_room_and_for_the_sync() {
    let mut b = Bench::new(1, &[2]);
    b.confchg(ConfChgKind::Regular, 4, &[1]);
    b.loop_back();
    b.wire.full = true;
    for _ in 0..2 {
        b.event(OrderingEvent::Deliver {
            from: 1,
            payload: exec_message::encode(2, 9, b"ask"),
        });
    }
    assert!(b.wire.sent.is_empty());
    let retry = b.manager.next_timer().expect("a retry is armed");
    b.manager.fire_timers(&mut b.wire, &mut b.link, retry);
    assert!(b.wire.sent.is_empty(), "still full");
    let retry = b.manager.next_timer().expect("the retry is armed again");
    // a sync starts: the outbox waits for it
    b.wire.full = false;
    b.confchg(ConfChgKind::Regular, 8, &[1]);
    b.manager.fire_timers(&mut b.wire, &mut b.link, retry);
    let queued = exec_message::encode(2, 10, b"queued");
    assert!(!b.wire.sent.contains(&queued));
    b.loop_back();
    assert!(b.manager.is_operational());
    let sent: Vec<_> = b
        .journal()
        .into_iter()
        .filter(|l| l == "2:exec 10 from 1")
        .collect();
    assert_eq!(sent.len(), 2, "both sent once the sync ended");
}

#[test]
fn the_quorum_gate_refuses_what_needs_quorum_and_services_hear_of_changes() {
    use crate::config::{QuorumConfig, QuorumProvider};
    use crate::service::quorum::NodeVotes;

    let mut b = Bench::new(1, &[2]);
    b.manager.set_quorum(QuorumConfig {
        provider: QuorumProvider::Votes,
        expected_votes: 2,
        ..QuorumConfig::default()
    });
    b.confchg(ConfChgKind::Regular, 4, &[1]);
    b.loop_back();
    assert!(b.manager.is_operational());
    assert!(!b.manager.quorate());
    b.request_with(2, 1, 1, b"write").unwrap();
    b.request_with(2, 1, 2, b"read").unwrap();
    let errors: Vec<u32> = b.link.responses.iter().map(|(_, f)| f.error).collect();
    assert_eq!(errors, [SA_AIS_ERR_TRY_AGAIN, SA_AIS_OK]);
    assert_eq!(b.manager.stats().refused_without_quorum, 1);
    // no change yet: nothing was quorate before
    assert!(!b.journal().iter().any(|l| l.contains("quorate")));

    // node 2 joins with its vote: quorate at the end of the sync
    b.confchg(ConfChgKind::Transitional, 8, &[1]);
    b.confchg(ConfChgKind::Regular, 8, &[1, 2]);
    b.loop_back();
    assert!(!b.manager.is_operational());
    let barrier = Barrier {
        ring_id: RingId { rep: 1, seq: 8 },
        step: 0,
        votes: NodeVotes {
            votes: 1,
            expected: 2,
            was_quorate: false,
        },
    };
    b.event(OrderingEvent::Deliver {
        from: 2,
        payload: exec_message::encode(MANAGER_SERVICE, KIND_BARRIER, &barrier.to_payload()),
    });
    assert!(b.manager.is_operational());
    assert!(b.manager.quorate());
    assert!(b.journal().contains(&"2:quorate true".to_string()));
    b.request_with(2, 1, 3, b"write").unwrap();
    assert_eq!(b.link.responses.last().unwrap().1.error, SA_AIS_OK);

    // node 2 is lost: not quorate from the configuration change on
    b.confchg(ConfChgKind::Transitional, 12, &[1]);
    b.confchg(ConfChgKind::Regular, 12, &[1]);
    assert!(!b.manager.quorate());
    b.loop_back();
    assert!(b.journal().contains(&"2:quorate false".to_string()));
}

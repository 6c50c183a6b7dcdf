//! The service manager: routes library requests, delivered exec messages,
//! configuration changes and connection events to the services, and runs
//! the sync after each regular configuration.

use log::{debug, info, warn};
use sa_abi::ais::{SA_AIS_ERR_TOO_BIG, SA_AIS_ERR_TRY_AGAIN};
use sa_ipc::codec::DecodeError;
use sa_ipc::frame::Frame;
use sa_ipc::proto::Payload;

use super::api::OUTBOX_TOKEN;
use super::api::{
    ConnInfo, Context, ExecMessage, LibraryLink, Membership, Request, Service, SyncStep,
};
use super::exec_message::{self, MANAGER_SERVICE};
use super::quorum::{LastManStanding, Quorum, KIND_LAST_MAN};
use super::runtime::{Flushed, Runtime, Sent, OUTBOX_RETRY_NS};
use super::sync::{Barrier, SyncRun, KIND_BARRIER};
use crate::config::QuorumConfig;
use crate::ipc::ConnId;
use crate::ordering::{
    ConfChg, ConfChgKind, Guarantee, McastError, McastSink, NodeId, OrderingEvent,
};

/// Two services registered with the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("service id {0} is registered twice")]
pub struct DuplicateService(pub u16);

/// A request the manager could not hand to a service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("no service with id {0}")]
    UnknownService(u16),
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// Where the service manager is in the configuration life cycle.
#[derive(Debug)]
enum Phase {
    /// No regular configuration yet, or between a transitional and the
    /// regular configuration that follows it.
    Reconfiguring,
    /// Synchronising the services for a regular configuration.
    Syncing(SyncRun),
    /// Every service serves requests.
    Operational,
}

/// The manager's own timer (under [`MANAGER_SERVICE`]): the end of the
/// startup settle.
const SETTLE_TOKEN: u64 = 1;
/// The manager's timer of the last man standing window (2 is the
/// outbox's).
const LAST_MAN_TOKEN: u64 = 3;

/// Counters of what the manager dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ManagerStats {
    /// Exec messages that did not decode or named no service.
    pub exec_dropped: u64,
    /// Requests answered SA_AIS_ERR_TRY_AGAIN because a sync was running.
    pub refused_during_sync: u64,
    /// This node's messages a configuration change dropped (sent again,
    /// or their request answered SA_AIS_ERR_TRY_AGAIN).
    pub dropped_by_confchg: u64,
    /// Requests answered SA_AIS_ERR_TRY_AGAIN because the partition was
    /// not quorate.
    pub refused_without_quorum: u64,
}

/// Owns the services and drives them.
pub struct ServiceManager {
    /// Sorted by id: the sync walks them in this order on every node.
    services: Vec<Box<dyn Service>>,
    phase: Phase,
    membership: Option<Membership>,
    stats: ManagerStats,
    runtime: Runtime,
    /// Exec messages of services still synchronising, delivered to them
    /// once their step of the sync completes (or the sync is abandoned):
    /// (service, sender, kind, payload), in delivery order.
    held: Vec<(u16, NodeId, u16, Vec<u8>)>,
    /// Whether a regular configuration came before: messages taken before
    /// the first one go out in it, later ones in the ring they were sent in.
    had_ring: bool,
    /// Startup settle: requests are refused (SA_AIS_ERR_TRY_AGAIN) until
    /// a sync with another node completed or the settle time ran out.
    settling: bool,
    /// The quorum services were last told of ([`Service::quorum_changed`]).
    told_quorate: bool,
}

impl std::fmt::Debug for ServiceManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceManager")
            .field("services", &self.service_ids())
            .field("phase", &self.phase)
            .field("membership", &self.membership)
            .finish()
    }
}

impl ServiceManager {
    /// A manager whose services run on the wall clock and the operating
    /// system's random numbers.
    pub fn new(services: Vec<Box<dyn Service>>) -> Result<ServiceManager, DuplicateService> {
        ServiceManager::with_runtime(services, Runtime::system())
    }

    /// A manager whose services see the clock and random source of
    /// `runtime` (the test cluster's virtual ones).
    pub fn with_runtime(
        mut services: Vec<Box<dyn Service>>,
        runtime: Runtime,
    ) -> Result<ServiceManager, DuplicateService> {
        services.sort_by_key(|s| s.id());
        if let Some(w) = services.windows(2).find(|w| w[0].id() == w[1].id()) {
            return Err(DuplicateService(w[0].id()));
        }
        Ok(ServiceManager {
            services,
            phase: Phase::Reconfiguring,
            membership: None,
            stats: ManagerStats::default(),
            runtime,
            held: Vec::new(),
            had_ring: false,
            settling: false,
            told_quorate: true,
        })
    }

    /// Computes the quorum with `config` (`quorum { }`); without this call
    /// the manager has no provider and is always quorate.
    pub fn set_quorum(&mut self, config: QuorumConfig) {
        self.runtime.quorum = Quorum::new(config);
        self.told_quorate = self.runtime.quorum.quorate();
        if config.enabled() {
            info!(target: "QUORUM", "quorum provider votes: {} vote(s) here, {} expected{}{}{}",
                config.votes, config.expected_votes,
                if config.two_node { ", two_node" } else { "" },
                if config.wait_for_all { ", wait_for_all" } else { "" },
                if config.last_man_standing { ", last_man_standing" } else { "" });
        }
    }

    /// Whether this node's partition is quorate (always without a
    /// provider).
    pub fn quorate(&self) -> bool {
        self.runtime.quorum.quorate()
    }

    /// The quorum in detail.
    pub fn quorum(&self) -> super::quorum::QuorumStatus {
        self.runtime.quorum.status()
    }

    /// Ids of the registered services, ascending.
    pub fn service_ids(&self) -> Vec<u16> {
        self.services.iter().map(|s| s.id()).collect()
    }

    /// Names of the registered services, in id order.
    pub fn service_names(&self) -> Vec<&'static str> {
        self.services.iter().map(|s| s.name()).collect()
    }

    /// The service of type `T`, for tests that look at its state.
    #[cfg(test)]
    pub fn service<T: Service>(&self) -> Option<&T> {
        self.services
            .iter()
            .find_map(|s| (s.as_ref() as &dyn std::any::Any).downcast_ref::<T>())
    }

    pub fn has_service(&self, id: u16) -> bool {
        self.index(id).is_some()
    }

    /// Whether requests are served (not refused with
    /// SA_AIS_ERR_TRY_AGAIN).
    pub fn is_operational(&self) -> bool {
        matches!(self.phase, Phase::Operational) && !self.settling
    }

    /// Holds requests back at startup until the first sync with another
    /// node completed, or until `deadline_ns` when none came.
    ///
    /// A starting executive first forms a ring of its own and merges with
    /// the running cluster a moment later. Serving in between would act on
    /// state the merge then discards: a checkpoint opened with CREATE in
    /// that moment is a second, empty checkpoint of the name, which loses
    /// at the merge, and the writes acknowledged into it are lost. The
    /// deadline bounds the wait of an executive that is alone.
    pub fn settle_until(&mut self, deadline_ns: i64) {
        self.settling = true;
        self.runtime
            .timers
            .set(MANAGER_SERVICE, SETTLE_TOKEN, deadline_ns);
    }

    fn settled(&mut self, why: &str) {
        if std::mem::take(&mut self.settling) {
            self.runtime.timers.cancel(MANAGER_SERVICE, SETTLE_TOKEN);
            info!(target: "SYNC", "startup settle over ({why}): serving requests");
        }
    }

    /// The current regular configuration, once there is one.
    pub fn membership(&self) -> Option<&Membership> {
        self.membership.as_ref()
    }

    pub fn stats(&self) -> ManagerStats {
        self.stats
    }

    fn index(&self, id: u16) -> Option<usize> {
        self.services.binary_search_by_key(&id, |s| s.id()).ok()
    }

    /// A library connection to `service` was established.
    pub fn conn_opened(
        &mut self,
        ordering: &mut dyn McastSink,
        link: &mut dyn LibraryLink,
        service: u16,
        info: &ConnInfo,
    ) {
        if let Some(i) = self.index(service) {
            let svc = &mut self.services[i];
            svc.conn_init(
                &mut Context::new(service, ordering, link, &mut self.runtime),
                info,
            );
        }
    }

    /// A library connection to `service` ended.
    pub fn conn_closed(
        &mut self,
        ordering: &mut dyn McastSink,
        link: &mut dyn LibraryLink,
        service: u16,
        conn: ConnId,
    ) {
        if let Some(i) = self.index(service) {
            let svc = &mut self.services[i];
            svc.conn_exit(
                &mut Context::new(service, ordering, link, &mut self.runtime),
                conn,
            );
        }
    }

    /// A request frame for `service`. During a sync it is answered
    /// SA_AIS_ERR_TRY_AGAIN unless the service serves that kind anyway;
    /// so is a request the service says needs quorum while this partition
    /// is not quorate (B.01.01 has no code for "no quorum"; TRY_AGAIN is
    /// what a caller retries, and the partition may merge meanwhile).
    /// `Err`: a protocol error; the caller drops the connection.
    pub fn lib_request(
        &mut self,
        ordering: &mut dyn McastSink,
        link: &mut dyn LibraryLink,
        service: u16,
        req: &Request<'_>,
    ) -> Result<(), RequestError> {
        let i = self
            .index(service)
            .ok_or(RequestError::UnknownService(service))?;
        let operational = self.is_operational();
        let svc = &mut self.services[i];
        let mut ctx = Context::for_request(service, ordering, link, &mut self.runtime, req);
        if !operational && !svc.served_during_sync(req.kind) {
            self.stats.refused_during_sync += 1;
            ctx.respond(req, SA_AIS_ERR_TRY_AGAIN, Vec::new());
            svc.request_refused(&mut ctx, req);
            return Ok(());
        }
        if !ctx.quorate() && svc.needs_quorum(req) {
            self.stats.refused_without_quorum += 1;
            ctx.respond(req, SA_AIS_ERR_TRY_AGAIN, Vec::new());
            svc.request_refused(&mut ctx, req);
            return Ok(());
        }
        let result = svc.lib_request(&mut ctx, req);
        // A request is a good moment to retry what waits.
        self.flush_outbox(ordering);
        result?;
        Ok(())
    }

    /// A message or configuration change from the ordering layer.
    pub fn deliver(
        &mut self,
        ordering: &mut dyn McastSink,
        link: &mut dyn LibraryLink,
        event: &OrderingEvent,
    ) {
        match event {
            OrderingEvent::Deliver { from, payload } => {
                if *from == ordering.local_node() {
                    self.runtime.in_flight.delivered();
                }
                self.deliver_message(ordering, link, *from, payload)
            }
            OrderingEvent::ConfChg(chg) => self.configuration_change(ordering, link, chg),
        }
        self.flush_outbox(ordering);
    }

    /// Sends what waits in the outbox, unless a sync runs; retries on the
    /// manager's timer while the ordering layer stays full.
    fn flush_outbox(&mut self, ordering: &mut dyn McastSink) {
        let runtime = &mut self.runtime;
        if runtime.outbox_paused || runtime.outbox.is_empty() {
            return;
        }
        match runtime.outbox.flush(ordering, &mut runtime.in_flight) {
            Flushed::Empty => runtime.timers.cancel(MANAGER_SERVICE, OUTBOX_TOKEN),
            Flushed::Blocked => {
                let at = runtime.clock.now_ns().saturating_add(OUTBOX_RETRY_NS);
                runtime.timers.set(MANAGER_SERVICE, OUTBOX_TOKEN, at);
            }
        }
    }

    /// Hands a service the exec messages held for it during its sync,
    /// in their delivery order.
    fn release_held(
        &mut self,
        ordering: &mut dyn McastSink,
        link: &mut dyn LibraryLink,
        service: u16,
    ) {
        if !self.held.iter().any(|h| h.0 == service) {
            return;
        }
        let (mine, others): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|h| h.0 == service);
        self.held = others;
        for (_, from, kind, payload) in mine {
            self.deliver_to_service(ordering, link, service, from, kind, &payload);
        }
    }

    fn deliver_message(
        &mut self,
        ordering: &mut dyn McastSink,
        link: &mut dyn LibraryLink,
        from: NodeId,
        message: &[u8],
    ) {
        let (service, kind, payload) = match exec_message::decode(message) {
            Ok(parts) => parts,
            Err(e) => {
                self.stats.exec_dropped += 1;
                warn!(target: "SERV", "dropped a message from node {from}: {e}");
                return;
            }
        };
        if service == MANAGER_SERVICE {
            self.manager_message(ordering, link, from, kind, payload);
            return;
        }
        let Some(i) = self.index(service) else {
            self.stats.exec_dropped += 1;
            warn!(target: "SERV", "dropped a message from node {from} for unknown service {service}");
            return;
        };
        // A service still synchronising gets its other messages once its
        // merged state is in place: the snapshot it sent must not move.
        if let Phase::Syncing(run) = &self.phase {
            if i >= run.step && !self.services[i].delivered_during_sync(kind) {
                self.held.push((service, from, kind, payload.to_vec()));
                return;
            }
        }
        self.deliver_to_service(ordering, link, service, from, kind, payload);
    }

    fn deliver_to_service(
        &mut self,
        ordering: &mut dyn McastSink,
        link: &mut dyn LibraryLink,
        service: u16,
        from: NodeId,
        kind: u16,
        payload: &[u8],
    ) {
        let Some(i) = self.index(service) else {
            return;
        };
        let svc = &mut self.services[i];
        let msg = ExecMessage {
            from,
            kind,
            payload,
        };
        if let Err(e) = svc.exec_deliver(
            &mut Context::new(service, ordering, link, &mut self.runtime),
            &msg,
        ) {
            self.stats.exec_dropped += 1;
            warn!(target: "SERV",
                "{}: dropped exec message {kind} from node {from}: {e}", svc.name());
        }
    }

    fn manager_message(
        &mut self,
        ordering: &mut dyn McastSink,
        link: &mut dyn LibraryLink,
        from: NodeId,
        kind: u16,
        payload: &[u8],
    ) {
        if kind == KIND_LAST_MAN {
            match LastManStanding::from_payload(payload) {
                Ok(m) => self.last_man_standing(ordering, link, &m),
                Err(e) => {
                    self.stats.exec_dropped += 1;
                    warn!(target: "QUORUM", "dropped a quorum message from node {from}: {e}");
                }
            }
            return;
        }
        let barrier = match kind {
            KIND_BARRIER => Barrier::from_payload(payload),
            _ => Err(DecodeError::UnknownKind {
                service: MANAGER_SERVICE,
                kind,
            }),
        };
        let barrier = match barrier {
            Ok(b) => b,
            Err(e) => {
                self.stats.exec_dropped += 1;
                warn!(target: "SYNC", "dropped a sync message from node {from}: {e}");
                return;
            }
        };
        if let Phase::Syncing(run) = &mut self.phase {
            if run.barrier_arrived(from, &barrier) {
                debug!(target: "SYNC", "barrier of node {from} for step {} of ring {}",
                    barrier.step, barrier.ring_id);
                self.advance_sync(ordering, link);
            }
        }
    }

    fn configuration_change(
        &mut self,
        ordering: &mut dyn McastSink,
        link: &mut dyn LibraryLink,
        chg: &ConfChg,
    ) {
        if let Phase::Syncing(run) = &self.phase {
            info!(target: "SYNC", "sync of ring {} interrupted by a configuration change",
                run.membership.ring_id);
            let ids = self.service_ids();
            for (i, id) in ids.into_iter().enumerate() {
                self.services[i].sync_abort(&mut Context::new(
                    id,
                    ordering,
                    link,
                    &mut self.runtime,
                ));
                // What was held applies to the state the next sync starts
                // from: every member held the same messages.
                self.release_held(ordering, link, id);
            }
        }
        self.phase = Phase::Reconfiguring;
        self.runtime.outbox_paused = false;
        self.runtime.timers.cancel(MANAGER_SERVICE, LAST_MAN_TOKEN);
        for svc in &mut self.services {
            let id = svc.id();
            svc.confchg(
                &mut Context::new(id, ordering, link, &mut self.runtime),
                chg,
            );
        }
        if chg.kind == ConfChgKind::Transitional {
            return;
        }
        if std::mem::replace(&mut self.had_ring, true) {
            self.settle_dropped(link);
        }
        let membership = Membership {
            ring_id: chg.ring_id,
            members: chg.members.clone(),
        };
        self.membership = Some(membership.clone());
        self.runtime
            .quorum
            .regular_configuration(ordering.local_node(), &membership.members);
        info!(target: "SYNC", "synchronising {} service(s) for ring {} ({} member(s))",
            self.services.len(), chg.ring_id, chg.members.len());
        for svc in &mut self.services {
            let id = svc.id();
            svc.sync_init(
                &mut Context::new(id, ordering, link, &mut self.runtime),
                &membership,
            );
        }
        let votes = self.runtime.quorum.own();
        self.phase = Phase::Syncing(SyncRun::new(membership, votes));
        self.runtime.outbox_paused = true;
        self.advance_sync(ordering, link);
    }

    /// This node's messages that the configuration change dropped (taken
    /// by the ordering layer, never delivered): those of the outbox go
    /// again, first; a library request whose message was dropped before it
    /// was answered is answered SA_AIS_ERR_TRY_AGAIN, so its caller retries
    /// instead of waiting out its timeout.
    fn settle_dropped(&mut self, link: &mut dyn LibraryLink) {
        let dropped = self.runtime.in_flight.take();
        if dropped.is_empty() {
            return;
        }
        let mut resend = Vec::new();
        let (mut answered, mut lost) = (0, 0);
        for sent in dropped {
            match (sent.resend, sent.caller) {
                (Some(message), _) => resend.push(message),
                (None, Some(c)) if !c.answered => {
                    answered += 1;
                    let frame = Frame {
                        service: sent.service,
                        kind: c.kind,
                        error: SA_AIS_ERR_TRY_AGAIN,
                        seq: c.seq,
                        payload: Vec::new(),
                    };
                    link.send_response(c.conn, frame);
                }
                (None, Some(_)) => lost += 1,
                (None, None) => {}
            }
        }
        info!(target: "SERV",
            "a configuration change dropped messages of this node: {} sent again, {answered} request(s) answered TRY_AGAIN, {lost} asynchronous request(s) lost",
            resend.len());
        self.stats.dropped_by_confchg += (resend.len() + answered + lost) as u64;
        self.runtime.outbox.requeue_front(resend);
    }

    /// Runs the sync as far as it can go now: this node's share of the
    /// current step, its barrier, and the activation of every step whose
    /// barriers are all in. Stops when the ordering layer is full (the
    /// executive calls [`ServiceManager::retry_pending`] later) or when it
    /// waits for other members' barriers.
    fn advance_sync(&mut self, ordering: &mut dyn McastSink, link: &mut dyn LibraryLink) {
        loop {
            let Phase::Syncing(run) = &mut self.phase else {
                return;
            };
            let Some(svc) = self.services.get_mut(run.step) else {
                info!(target: "SYNC", "sync of ring {} complete: services operational",
                    run.membership.ring_id);
                let joined_others = run.membership.members.len() > 1;
                let told = std::mem::take(&mut run.told);
                let ring = run.membership.ring_id.seq;
                self.phase = Phase::Operational;
                self.runtime.outbox_paused = false;
                if joined_others {
                    self.settled("synchronised with the cluster");
                }
                self.runtime.quorum.synchronised(&told);
                let status = self.runtime.quorum.status();
                if status.enabled && status.quorate {
                    self.runtime.quorate_ring = ring;
                }
                self.quorum_decided(ordering, link);
                return;
            };
            let id = svc.id();
            if !run.processed {
                match svc.sync_process(&mut Context::new(id, ordering, link, &mut self.runtime)) {
                    SyncStep::Done => run.processed = true,
                    SyncStep::Pending => return,
                }
            }
            if !run.barrier_sent {
                let message = exec_message::encode(
                    MANAGER_SERVICE,
                    KIND_BARRIER,
                    &run.barrier().to_payload(),
                );
                match ordering.mcast(message, Guarantee::Agreed) {
                    Ok(()) => {
                        run.barrier_sent = true;
                        self.runtime.in_flight.push(Sent {
                            service: MANAGER_SERVICE,
                            kind: KIND_BARRIER,
                            resend: None,
                            caller: None,
                        });
                    }
                    Err(McastError::QueueFull) => return,
                    Err(McastError::TooLarge) => {
                        // A barrier is a few bytes; an ordering layer that
                        // refuses it cannot carry any message at all.
                        warn!(target: "SYNC", "the ordering layer refused a sync barrier as too large");
                        return;
                    }
                }
            }
            if !run.step_complete() {
                return;
            }
            debug!(target: "SYNC", "{} synchronised for ring {}", svc.name(), run.membership.ring_id);
            svc.sync_activate(&mut Context::new(id, ordering, link, &mut self.runtime));
            run.next_step();
            self.release_held(ordering, link, id);
        }
    }

    /// Resumes a sync that stopped on a full ordering queue.
    pub fn retry_pending(&mut self, ordering: &mut dyn McastSink, link: &mut dyn LibraryLink) {
        if matches!(&self.phase, Phase::Syncing(run) if !run.barrier_sent) {
            self.advance_sync(ordering, link);
        }
        self.flush_outbox(ordering);
    }

    /// Whether a service asked the executive to leave the cluster.
    pub fn leave_requested(&self) -> bool {
        self.runtime.leave_requested
    }

    /// The earliest service timer deadline (wall clock, ns).
    pub fn next_timer(&self) -> Option<i64> {
        self.runtime.timers.next_deadline()
    }

    /// Runs the service timers due at `now_ns`.
    pub fn fire_timers(
        &mut self,
        ordering: &mut dyn McastSink,
        link: &mut dyn LibraryLink,
        now_ns: i64,
    ) {
        for (service, token) in self.runtime.timers.take_expired(now_ns) {
            match (service, token) {
                (MANAGER_SERVICE, SETTLE_TOKEN) => {
                    self.settled("no other node found in time");
                    continue;
                }
                (MANAGER_SERVICE, OUTBOX_TOKEN) => {
                    self.flush_outbox(ordering);
                    continue;
                }
                (MANAGER_SERVICE, LAST_MAN_TOKEN) => {
                    self.last_man_window_over(ordering);
                    continue;
                }
                _ => {}
            }
            if let Some(i) = self.index(service) {
                let svc = &mut self.services[i];
                svc.timer(
                    &mut Context::new(service, ordering, link, &mut self.runtime),
                    token,
                );
            }
        }
        self.flush_outbox(ordering);
    }

    /// The quorum was decided for the ring (its sync completed, or last
    /// man standing lowered the expected votes): services hear of a
    /// change, and the last man standing window starts when it applies.
    fn quorum_decided(&mut self, ordering: &mut dyn McastSink, link: &mut dyn LibraryLink) {
        let quorate = self.runtime.quorum.quorate();
        if std::mem::replace(&mut self.told_quorate, quorate) != quorate {
            for svc in &mut self.services {
                let id = svc.id();
                svc.quorum_changed(&mut Context::new(id, ordering, link, &mut self.runtime));
            }
        }
        self.arm_last_man(ordering);
    }

    /// Starts the last man standing window when this node is the ring's
    /// lowest member and the ring would lower its expected votes. Only the
    /// lowest member times it: the window ends for the ring when its
    /// message is delivered, on every member at the same point.
    fn arm_last_man(&mut self, ordering: &mut dyn McastSink) {
        let lowest = self
            .membership
            .as_ref()
            .and_then(|m| m.members.first().copied());
        if !self.runtime.quorum.may_lower() || lowest != Some(ordering.local_node()) {
            self.runtime.timers.cancel(MANAGER_SERVICE, LAST_MAN_TOKEN);
            return;
        }
        let window_ns = i64::try_from(
            self.runtime
                .quorum
                .config()
                .last_man_standing_window_ms
                .saturating_mul(1_000_000),
        )
        .unwrap_or(i64::MAX);
        let at = self.runtime.clock.now_ns().saturating_add(window_ns);
        self.runtime.timers.set(MANAGER_SERVICE, LAST_MAN_TOKEN, at);
    }

    /// The window passed without a configuration change: multicast the
    /// ring's new expected votes (retried shortly when the ordering layer
    /// is full).
    fn last_man_window_over(&mut self, ordering: &mut dyn McastSink) {
        let (Phase::Operational, Some(membership)) = (&self.phase, &self.membership) else {
            return;
        };
        if !self.runtime.quorum.may_lower() {
            return;
        }
        let m = LastManStanding {
            ring_id: membership.ring_id,
            expected: self.runtime.quorum.status().total_votes,
        };
        let message = exec_message::encode(MANAGER_SERVICE, KIND_LAST_MAN, &m.to_payload());
        match ordering.mcast(message, Guarantee::Agreed) {
            Ok(()) => self.runtime.in_flight.push(Sent {
                service: MANAGER_SERVICE,
                kind: KIND_LAST_MAN,
                resend: None,
                caller: None,
            }),
            Err(_) => {
                let at = self.runtime.clock.now_ns().saturating_add(OUTBOX_RETRY_NS);
                self.runtime.timers.set(MANAGER_SERVICE, LAST_MAN_TOKEN, at);
            }
        }
    }

    /// A last man standing message: applied only in the ring it was sent
    /// for, once the ring is synchronised (a later configuration change
    /// starts a new window).
    fn last_man_standing(
        &mut self,
        ordering: &mut dyn McastSink,
        link: &mut dyn LibraryLink,
        m: &LastManStanding,
    ) {
        let current = matches!(self.phase, Phase::Operational)
            && self.membership.as_ref().map(|ms| ms.ring_id) == Some(m.ring_id);
        if current && self.runtime.quorum.lower_expected(m.expected) {
            self.quorum_decided(ordering, link);
        }
    }

    /// Tells every service the executive is stopping.
    pub fn shutdown(&mut self, ordering: &mut dyn McastSink, link: &mut dyn LibraryLink) {
        for svc in &mut self.services {
            let id = svc.id();
            svc.shutdown(&mut Context::new(id, ordering, link, &mut self.runtime));
        }
    }
}

impl ServiceManager {
    /// Whether every service is done with what it does before this node
    /// leaves (see [`Service::ready_to_leave`]).
    pub fn ready_to_leave(
        &mut self,
        ordering: &mut dyn McastSink,
        link: &mut dyn LibraryLink,
    ) -> bool {
        let mut ready = true;
        for svc in &mut self.services {
            let id = svc.id();
            ready &= svc.ready_to_leave(&mut Context::new(id, ordering, link, &mut self.runtime));
        }
        ready
    }
}

/// The answer to a request whose exec message the ordering layer refused.
pub fn mcast_refusal(e: McastError) -> u32 {
    match e {
        McastError::QueueFull => SA_AIS_ERR_TRY_AGAIN,
        McastError::TooLarge => SA_AIS_ERR_TOO_BIG,
    }
}

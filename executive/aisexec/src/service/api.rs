//! The interface between the service manager and a service.
//!
//! A service is a replicated state machine plus the library requests that
//! read or change it:
//!
//! - **lib handlers** ([`Service::lib_request`]) run when a request frame
//!   arrives from a library connection. They validate it, may read local
//!   state and answer at once ([`Context::respond`]), or multicast an exec
//!   message ([`Context::mcast`]) carrying a [`ReplyTo`] and answer when it
//!   is delivered. They never change replicated state.
//! - **exec handlers** ([`Service::exec_deliver`]) run on every node when
//!   an exec message is delivered in agreed order. Replicated state changes
//!   only here, so every node's copy stays identical.
//! - **configuration changes** ([`Service::confchg`]), transitional then
//!   regular, at their place in the delivery order.
//! - **sync** ([`Service::sync_init`] ... [`Service::sync_activate`]):
//!   after each regular configuration the members exchange and merge the
//!   service's state before it serves requests again; meanwhile the manager
//!   answers requests with SA_AIS_ERR_TRY_AGAIN.
//! - **connection hooks** ([`Service::conn_init`], [`Service::conn_exit`])
//!   when a library connection to the service opens and closes.

use sa_ipc::codec::{DecodeError, Decoder, Encoder};
use sa_ipc::frame::Frame;

use crate::ipc::{ConnId, PeerCred};
use crate::ordering::{ConfChg, Guarantee, McastError, McastSink, NodeId, RingId};

use super::exec_message::{self, MANAGER_SERVICE};
use super::quorum::QuorumStatus;
use super::runtime::{Caller, Runtime, Sent, OUTBOX_RETRY_NS};

/// The manager's own timer (under [`MANAGER_SERVICE`]) that retries the
/// outbox.
pub(super) const OUTBOX_TOKEN: u64 = 2;

/// Where library frames go; implemented by the IPC server.
pub trait LibraryLink {
    /// Queues `frame` on the connection's request socket (a response).
    fn send_response(&mut self, conn: ConnId, frame: Frame);
    /// Queues `frame` on the connection's dispatch socket (a callback).
    fn send_callback(&mut self, conn: ConnId, frame: Frame);
    /// Ends the library connection; its exit hook runs afterwards.
    fn disconnect(&mut self, conn: ConnId);
}

/// A library connection that was just established (both sockets paired).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnInfo {
    pub conn: ConnId,
    pub cred: PeerCred,
}

/// A request frame from a library connection.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub conn: ConnId,
    pub kind: u16,
    pub seq: u32,
    pub payload: &'a [u8],
}

/// The address of a deferred response: the node and connection that sent
/// the request, and the request's kind and seq. Exec messages carry it so
/// that, on delivery, the originating node answers its library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplyTo {
    pub node: NodeId,
    pub conn: ConnId,
    pub kind: u16,
    pub seq: u32,
}

impl ReplyTo {
    /// Encoded size in bytes.
    pub const LEN: usize = 4 + 8 + 2 + 4;

    pub fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.node)
            .put_u64(self.conn.0)
            .put_u16(self.kind)
            .put_u32(self.seq);
    }

    pub fn decode(d: &mut Decoder<'_>) -> Result<ReplyTo, DecodeError> {
        Ok(ReplyTo {
            node: d.get_u32()?,
            conn: ConnId(d.get_u64()?),
            kind: d.get_u16()?,
            seq: d.get_u32()?,
        })
    }
}

/// An exec message delivered in agreed order.
#[derive(Debug, Clone, Copy)]
pub struct ExecMessage<'a> {
    /// The node that multicast it.
    pub from: NodeId,
    pub kind: u16,
    pub payload: &'a [u8],
}

/// A regular configuration: the ring and its members (sorted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub ring_id: RingId,
    pub members: Vec<NodeId>,
}

/// Progress of [`Service::sync_process`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStep {
    /// Everything this node contributes has been multicast.
    Done,
    /// The ordering layer refused a message (queue full): call again later.
    Pending,
}

/// A service's share of a sync, multicast as far as the ordering layer
/// takes it: the messages come one at a time from the service, and one the
/// ordering layer refused (its queue full) waits here and goes first when
/// [`Service::sync_process`] is called again.
#[derive(Debug, Default)]
pub struct SyncSender {
    retry: Option<(u16, Vec<u8>)>,
}

impl SyncSender {
    /// Multicasts what `next` produces until it produces nothing
    /// ([`SyncStep::Done`]) or the ordering layer is full
    /// ([`SyncStep::Pending`]). A message refused as too large could never
    /// go: it is logged and skipped.
    pub fn send(
        &mut self,
        ctx: &mut Context<'_>,
        mut next: impl FnMut() -> Option<(u16, Vec<u8>)>,
    ) -> SyncStep {
        loop {
            let Some((kind, payload)) = self.retry.take().or_else(&mut next) else {
                return SyncStep::Done;
            };
            match ctx.mcast(kind, &payload) {
                Ok(()) => {}
                Err(McastError::QueueFull) => {
                    self.retry = Some((kind, payload));
                    return SyncStep::Pending;
                }
                Err(McastError::TooLarge) => {
                    log::warn!(target: "SYNC", "service {}: sync message {kind} of {} bytes refused as too large",
                        ctx.service, payload.len());
                }
            }
        }
    }
}

/// What a handler may do: multicast exec messages of its own service, send
/// frames to library connections, arm timers, and read the clock and the
/// random source the manager supplies (services read no other clock).
pub struct Context<'a> {
    service: u16,
    ordering: &'a mut dyn McastSink,
    link: &'a mut dyn LibraryLink,
    runtime: &'a mut Runtime,
    /// The library request being handled, if any: the exec messages
    /// multicast for it are recorded with it, so that its caller can be
    /// answered SA_AIS_ERR_TRY_AGAIN if a configuration change drops them.
    caller: Option<Caller>,
    /// Messages recorded for `caller` by this context.
    sent_for_caller: usize,
}

impl<'a> Context<'a> {
    pub fn new(
        service: u16,
        ordering: &'a mut dyn McastSink,
        link: &'a mut dyn LibraryLink,
        runtime: &'a mut Runtime,
    ) -> Context<'a> {
        Context {
            service,
            ordering,
            link,
            runtime,
            caller: None,
            sent_for_caller: 0,
        }
    }

    /// A context for the lib handler of `req`.
    pub fn for_request(
        service: u16,
        ordering: &'a mut dyn McastSink,
        link: &'a mut dyn LibraryLink,
        runtime: &'a mut Runtime,
        req: &Request<'_>,
    ) -> Context<'a> {
        Context {
            caller: Some(Caller {
                conn: req.conn,
                kind: req.kind,
                seq: req.seq,
                answered: false,
            }),
            ..Context::new(service, ordering, link, runtime)
        }
    }

    /// Records a message the ordering layer took.
    fn sent(&mut self, kind: u16, resend: Option<(Vec<u8>, Guarantee)>) {
        let caller = if resend.is_none() { self.caller } else { None };
        if caller.is_some() {
            self.sent_for_caller += 1;
        }
        self.runtime.in_flight.push(Sent {
            service: self.service,
            kind,
            resend,
            caller,
        });
    }

    /// The time, SaTimeT nanoseconds since the epoch: the wall clock in
    /// the executive, a virtual clock in tests.
    pub fn now_ns(&self) -> i64 {
        self.runtime.clock.now_ns()
    }

    /// A random number (fresh ids): the operating system's in the
    /// executive, a seeded sequence in tests.
    pub fn random_u64(&mut self) -> u64 {
        self.runtime.entropy.next_u64()
    }

    /// Arms (or moves) this service's timer `token`: [`Service::timer`]
    /// runs with it once the clock reaches `at_ns`.
    pub fn set_timer(&mut self, token: u64, at_ns: i64) {
        self.runtime.timers.set(self.service, token, at_ns);
    }

    /// Disarms this service's timer `token` if it is armed.
    pub fn cancel_timer(&mut self, token: u64) {
        self.runtime.timers.cancel(self.service, token);
    }

    /// Whether this node's partition is quorate: always with `quorum {
    /// provider: none }`; with `provider: votes` while its members hold a
    /// majority of the expected votes. Requests a service declares with
    /// [`Service::needs_quorum`] are refused while it is not; a service
    /// that acts on its own (AMF starting components) asks here.
    pub fn quorate(&self) -> bool {
        self.runtime.quorum.quorate()
    }

    /// The last ring (its sequence number) whose sync this node completed
    /// quorate under a quorum provider; 0 without one. What a merge's
    /// quorate epoch counts (see [`super::replicas`]).
    pub fn quorate_ring(&self) -> u64 {
        self.runtime.quorate_ring
    }

    /// The quorum in detail (`openais-cfgtool -s`).
    pub fn quorum(&self) -> QuorumStatus {
        self.runtime.quorum.status()
    }

    /// Whether a multicast now would be refused with
    /// `McastError::QueueFull` (the ordering layer's queue is full, or its
    /// ring is reconfiguring).
    pub fn queue_full(&self) -> bool {
        self.ordering.queue_full()
    }

    /// This node's id.
    pub fn local_node(&self) -> NodeId {
        self.ordering.local_node()
    }

    /// Multicasts an exec message of this service in agreed order; it is
    /// delivered to [`Service::exec_deliver`] on every member, this node
    /// included. On `Err(McastError::QueueFull)` nothing was sent: a lib
    /// handler answers SA_AIS_ERR_TRY_AGAIN. What has no caller to answer
    /// goes through [`Context::mcast_queued`].
    pub fn mcast(&mut self, kind: u16, payload: &[u8]) -> Result<(), McastError> {
        self.mcast_with(kind, payload, Guarantee::Agreed)
    }

    /// [`Context::mcast`] with an explicit delivery guarantee.
    pub fn mcast_with(
        &mut self,
        kind: u16,
        payload: &[u8],
        guarantee: Guarantee,
    ) -> Result<(), McastError> {
        let message = exec_message::encode(self.service, kind, payload);
        self.ordering.mcast(message, guarantee)?;
        self.sent(kind, None);
        Ok(())
    }

    /// Multicasts an exec message of this service in agreed order now,
    /// or, when the ordering layer is full or a sync runs, as soon as it
    /// can: the manager's outbox keeps such messages, in the order they
    /// were given, and retries on its own timer. For messages nobody can
    /// be asked to send again (a connection's end, an expiry).
    pub fn mcast_queued(&mut self, kind: u16, payload: &[u8]) {
        if self.runtime.outbox.is_empty() && !self.runtime.outbox_paused {
            let message = exec_message::encode(self.service, kind, payload);
            let copy = message.clone();
            match self.ordering.mcast(message, Guarantee::Agreed) {
                Ok(()) => {
                    self.sent(kind, Some((copy, Guarantee::Agreed)));
                    return;
                }
                Err(McastError::TooLarge) => {
                    log::warn!(target: "SERV", "service {}: exec message {kind} of {} bytes refused as too large; dropped",
                        self.service, payload.len());
                    return;
                }
                Err(McastError::QueueFull) => {}
            }
        }
        // Encoded again: the ordering layer kept the refused copy.
        let message = exec_message::encode(self.service, kind, payload);
        let runtime = &mut *self.runtime;
        let first = runtime.outbox.is_empty();
        runtime.outbox.push(message, Guarantee::Agreed);
        // One retry timer for the whole outbox, armed by its first
        // message (a later one must not push the retry further away).
        if first && !runtime.outbox_paused {
            let at = runtime.clock.now_ns().saturating_add(OUTBOX_RETRY_NS);
            runtime.timers.set(MANAGER_SERVICE, OUTBOX_TOKEN, at);
        }
    }

    /// Answers `req` at once.
    pub fn respond(&mut self, req: &Request<'_>, error: u32, payload: Vec<u8>) {
        if let Some(c) = self
            .caller
            .as_mut()
            .filter(|c| c.seq == req.seq && c.conn == req.conn)
        {
            // Answered: what it multicast cannot be answered again.
            c.answered = true;
            self.runtime.in_flight.mark_answered(self.sent_for_caller);
        }
        let frame = Frame {
            service: self.service,
            kind: req.kind,
            error,
            seq: req.seq,
            payload,
        };
        self.link.send_response(req.conn, frame);
    }

    /// The [`ReplyTo`] of a request received on this node.
    pub fn reply_to(&self, req: &Request<'_>) -> ReplyTo {
        ReplyTo {
            node: self.local_node(),
            conn: req.conn,
            kind: req.kind,
            seq: req.seq,
        }
    }

    /// Answers a deferred request when this node is the one that received
    /// it; on every other node this does nothing. Returns whether it was
    /// this node's request.
    pub fn reply(&mut self, to: &ReplyTo, error: u32, payload: Vec<u8>) -> bool {
        if to.node != self.local_node() {
            return false;
        }
        let frame = Frame {
            service: self.service,
            kind: to.kind,
            error,
            seq: to.seq,
            payload,
        };
        self.link.send_response(to.conn, frame);
        true
    }

    /// Queues a callback frame on the connection's dispatch socket.
    pub fn callback(&mut self, conn: ConnId, kind: u16, error: u32, payload: Vec<u8>) {
        let frame = Frame::callback(self.service, kind, error, payload);
        self.link.send_callback(conn, frame);
    }

    /// Ends a library connection (its exit hook runs afterwards).
    pub fn disconnect(&mut self, conn: ConnId) {
        self.link.disconnect(conn);
    }

    /// Asks the executive to stop and leave the cluster, as a signal
    /// would (services' shutdown hooks run first).
    pub fn leave_cluster(&mut self) {
        self.runtime.leave_requested = true;
    }
}

/// One executive service (CLM, CKPT, EVT, EVS, CPG, ...).
///
/// Every hook but [`Service::lib_request`] and [`Service::exec_deliver`]
/// has a default that does nothing, for services with no state of that
/// kind. Handlers never block: whatever waits is a message still to be
/// delivered or a callback still to be sent.
pub trait Service: std::any::Any {
    /// The service id of the IPC contract (`sa_ipc::service::*`).
    fn id(&self) -> u16;

    /// The log subsystem tag ("CLM", "CKPT", ...).
    fn name(&self) -> &'static str;

    /// A library connection to this service was established.
    fn conn_init(&mut self, _ctx: &mut Context<'_>, _conn: &ConnInfo) {}

    /// A library connection closed (either socket, or the executive
    /// dropped it): release everything it held.
    fn conn_exit(&mut self, _ctx: &mut Context<'_>, _conn: ConnId) {}

    /// A request frame. Answer it with [`Context::respond`] or later with
    /// [`Context::reply`]. `Err` means the payload does not decode (or the
    /// kind is unknown): the manager counts a protocol error and drops the
    /// connection.
    fn lib_request(&mut self, ctx: &mut Context<'_>, req: &Request<'_>) -> Result<(), DecodeError>;

    /// Whether requests of `kind` are served while a sync is running
    /// (only those that touch no replicated state); the others get
    /// SA_AIS_ERR_TRY_AGAIN.
    fn served_during_sync(&self, _kind: u16) -> bool {
        false
    }

    /// Whether `req` changes replicated state that a merge would discard
    /// when this partition is the smaller side: while the partition is not
    /// quorate the manager answers such requests SA_AIS_ERR_TRY_AGAIN
    /// (see `service::quorum`). Reads and what touches only this node's
    /// connections need no quorum. The request's payload may not decode:
    /// answer `false` and let [`Service::lib_request`] report it.
    fn needs_quorum(&self, _req: &Request<'_>) -> bool {
        false
    }

    /// The manager answered `req` SA_AIS_ERR_TRY_AGAIN itself (a sync
    /// runs, or no quorum) without calling [`Service::lib_request`]: a
    /// service that tells its libraries when to try again (CPG's flow
    /// control) records the caller here.
    fn request_refused(&mut self, _ctx: &mut Context<'_>, _req: &Request<'_>) {}

    /// This node's partition became quorate or stopped being quorate
    /// ([`Context::quorate`] tells which): at the end of the sync that
    /// decided it, or when last man standing lowered the expected votes;
    /// on every member of the ring at the same point of the message
    /// stream. (Between a configuration change and the end of its sync
    /// [`Context::quorate`] already shows a lost majority, without this
    /// call.)
    fn quorum_changed(&mut self, _ctx: &mut Context<'_>) {}

    /// Whether exec messages of `kind` are delivered while this service's
    /// sync runs (its own sync messages, or a service whose sync needs
    /// them). The manager holds the others and delivers them, in order,
    /// once the service's merged state is in place (or the sync was
    /// abandoned), so the state a member sent for the merge does not move.
    fn delivered_during_sync(&self, _kind: u16) -> bool {
        false
    }

    /// An exec message of this service, delivered in agreed order. `Err`:
    /// the message does not decode; the manager logs and drops it.
    fn exec_deliver(
        &mut self,
        ctx: &mut Context<'_>,
        msg: &ExecMessage<'_>,
    ) -> Result<(), DecodeError>;

    /// A configuration change (transitional, then regular).
    fn confchg(&mut self, _ctx: &mut Context<'_>, _chg: &ConfChg) {}

    /// A sync starts for the regular configuration `membership`.
    fn sync_init(&mut self, _ctx: &mut Context<'_>, _membership: &Membership) {}

    /// Multicast this node's share of the service state (exec messages
    /// delivered to [`Service::exec_deliver`] on every member). Called
    /// again after [`SyncStep::Pending`].
    fn sync_process(&mut self, _ctx: &mut Context<'_>) -> SyncStep {
        SyncStep::Done
    }

    /// Every member's share has been delivered: switch to the merged
    /// state and serve requests again.
    fn sync_activate(&mut self, _ctx: &mut Context<'_>) {}

    /// The sync was interrupted by another configuration change; a new
    /// one follows.
    fn sync_abort(&mut self, _ctx: &mut Context<'_>) {}

    /// The timer `token` armed with [`Context::set_timer`] is due. A local
    /// event: replicated state changes only through an exec message.
    fn timer(&mut self, _ctx: &mut Context<'_>, _token: u64) {}

    /// The executive is shutting down; library connections close next.
    fn shutdown(&mut self, _ctx: &mut Context<'_>) {}

    /// Asked after [`Service::shutdown`] while the executive waits
    /// (bounded) to leave: `false` while the service still has work the
    /// cluster needs done first (AMF switching this node's SIs over).
    /// The executive keeps serving meanwhile.
    fn ready_to_leave(&mut self, _ctx: &mut Context<'_>) -> bool {
        true
    }
}

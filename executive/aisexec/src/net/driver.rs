//! [`TotemOrdering`]: the Totem state machine on real sockets and the
//! tokio clock, as the executive's [`Ordering`].
//!
//! Everything the state machine is fed (datagrams, timer expiries,
//! multicasts from the services) is handled synchronously, to the end:
//! its outputs are carried out at once (datagrams sealed and sent without
//! blocking, timers armed). Which messages and configuration changes the
//! services get, and in which order, is decided by [`totem::stack::Stack`]
//! (the state machine and the process-group layer glued together), the
//! same code the simulator checks; they wait there until
//! [`Ordering::next_event`] takes them.
//! The only await is the wait for the next datagram, timer or
//! administrative request, so [`Ordering::next_event`] is cancel-safe.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::task::Poll;
use std::time::{Duration, Instant};

use log::{debug, error, info, warn};
use tokio::net::UdpSocket;
use totem::crypto::PacketSecurity;
use totem::pg::LimitsError;
use totem::stack::{Event, Stack};
use totem::{ConfChgKind, Dest, Input, Output, Srp, State};

use super::replay::Accepted;
use super::rrp::faults::{Change, Fault};
use super::rrp::{Redundancy, RingChange, Rings};
use super::security::{incarnation_now, Framing};
use super::status::{NetStatus, RingHealth};
use super::transport::{address_is_up, Routes, Transport, TransportError, TransportSpec};
use crate::config::{RrpMode, RrpSettings};
use crate::ipc::rate_limit::RateLimit;
use crate::ordering::{ConfChg, Guarantee, McastError, NodeId, Ordering, OrderingEvent, RingStore};

pub use totem::stack::PG_QUEUE_LIMIT;
/// Datagrams read in one go before timers and other sources get a turn.
const RECV_BATCH: usize = 64;
/// Largest datagram read (UDP's own limit).
const RECV_BUFFER: usize = 65536;

/// Why the Totem driver could not start.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("netmtu leaves no room for messages: {0}")]
    Mtu(#[from] LimitsError),
    #[error("no network to run on")]
    NoRing,
}

/// Everything the driver needs to start.
#[derive(Debug, Clone)]
pub struct NetConfig {
    /// The protocol's timeouts; `netmtu` is the frame MTU of the
    /// configuration, reduced here by the IP, UDP and security headers.
    pub totem: totem::Config,
    /// One network per ring, ring 0 first; more than one only with
    /// `rrp_mode` active or passive.
    pub rings: Vec<TransportSpec>,
    pub rrp_mode: RrpMode,
    pub rrp: RrpSettings,
    pub node_id: NodeId,
    /// The highest ring sequence number used before (persisted).
    pub ring_seq: u64,
}

/// What woke the driver up.
enum Wake {
    Datagram(usize, io::Result<(usize, SocketAddr)>),
    Timer,
    Downcheck,
    Redundancy,
    Reenable,
}

/// Totem on the network: the executive's ordering layer of a real cluster.
#[derive(Debug)]
pub struct TotemOrdering {
    stack: Stack,
    /// One per ring, by ring number.
    transports: Vec<Transport>,
    framing: Framing,
    timers: super::timers::Timers,
    ring_store: RingStore,
    persisted_seq: u64,
    status: NetStatus,
    me: NodeId,
    address: IpAddr,
    left: bool,
    buf: Vec<u8>,
    wire: Vec<u8>,
    downcheck: Duration,
    next_downcheck: Instant,
    /// Per ring: its interface was seen down.
    interface_down: Vec<bool>,
    impostor_log: RateLimit,
    last_state: State,
    /// The redundant ring protocol (`None`: one ring).
    rrp: Option<Redundancy>,
    next_rrp_tick: Instant,
    /// The ring whose sockets are polled first next time (fairness).
    next_poll: usize,
    /// Tokens read in the current batch, handled once the batch is read.
    held_tokens: Vec<(NodeId, Vec<u8>)>,
}

impl TotemOrdering {
    /// Opens the sockets and starts the state machine (gathering; a ring
    /// of this node alone forms after `join` ms if nobody answers). Must
    /// run inside the tokio runtime.
    pub fn start(
        mut cfg: NetConfig,
        security: PacketSecurity,
        ring_store: RingStore,
        status: NetStatus,
    ) -> Result<TotemOrdering, NetError> {
        let first = cfg.rings.first().ok_or(NetError::NoRing)?;
        let address = first.bind;
        let ip_udp = if address.is_ipv4() { 28 } else { 48 };
        cfg.totem.netmtu = cfg
            .totem
            .netmtu
            .saturating_sub(ip_udp + super::security::FRAMING_OVERHEAD);
        let transports = cfg
            .rings
            .iter()
            .map(|spec| Transport::open(spec.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let rings = transports.len();
        let timers = super::timers::Timers::new(Instant::now());
        let downcheck = Duration::from_millis(cfg.totem.downcheck.max(100));
        let (stack, out) = Stack::new(cfg.totem, cfg.node_id, cfg.ring_seq, timers.now())?;
        let last_state = stack.srp().state();
        let now = Instant::now();
        let rrp = match cfg.rrp_mode {
            RrpMode::None => None,
            mode => {
                info!(target: "TOTEM", "redundant ring protocol {} over {rings} networks", mode.name());
                Some(Redundancy::new(mode, cfg.rrp, rings, now))
            }
        };
        let mut driver = TotemOrdering {
            stack,
            transports,
            framing: Framing::with_rings(security, cfg.node_id, incarnation_now(), rings),
            timers,
            ring_store,
            persisted_seq: cfg.ring_seq,
            status,
            me: cfg.node_id,
            address,
            left: false,
            buf: vec![0; RECV_BUFFER],
            wire: Vec::with_capacity(RECV_BUFFER),
            downcheck,
            next_downcheck: now + downcheck,
            interface_down: vec![false; rings],
            impostor_log: RateLimit::new(Duration::from_secs(10), 1),
            last_state,
            rrp,
            next_rrp_tick: now,
            next_poll: 0,
            held_tokens: Vec::new(),
        };
        driver.status.update(|s| {
            s.rings = driver
                .transports
                .iter()
                .enumerate()
                .map(|(n, t)| RingHealth {
                    ringnumber: u32::try_from(n).unwrap_or(u32::MAX),
                    address: t.local_addr().ip(),
                    fault: None,
                    recovers_by_itself: rings > 1,
                })
                .collect();
        });
        driver.carry(out);
        Ok(driver)
    }

    /// The shared status handle (the CFG service reads it).
    pub fn status(&self) -> &NetStatus {
        &self.status
    }

    pub fn srp(&self) -> &Srp {
        self.stack.srp()
    }

    /// Datagrams refused or dropped before Totem saw them, copies from
    /// other networks included.
    pub fn framing_stats(&self) -> super::security::FramingStats {
        self.framing.stats()
    }

    /// Waits for the next datagram, timer or request and handles it.
    async fn turn(&mut self) {
        let deadline = self
            .timers
            .next_deadline()
            .map(tokio::time::Instant::from_std);
        let downcheck = tokio::time::Instant::from_std(self.next_downcheck);
        let rrp_tick = self
            .rrp
            .as_ref()
            .map(|_| tokio::time::Instant::from_std(self.next_rrp_tick));
        let transports = &self.transports;
        let buf = &mut self.buf;
        let first = self.next_poll;
        let wake = tokio::select! {
            (ring, r) = recv_any(transports, first, buf) => Wake::Datagram(ring, r),
            () = sleep_until_opt(deadline) => Wake::Timer,
            () = tokio::time::sleep_until(downcheck) => Wake::Downcheck,
            () = sleep_until_opt(rrp_tick) => Wake::Redundancy,
            () = self.status.requested() => Wake::Reenable,
        };
        match wake {
            Wake::Datagram(ring, r) => {
                self.next_poll = (ring + 1) % self.transports.len();
                self.received(ring, r);
                self.drain_sockets();
                self.release_tokens();
            }
            Wake::Timer => {}
            Wake::Downcheck => self.check_interfaces(),
            Wake::Redundancy => self.redundancy_tick(),
            Wake::Reenable => {
                if self.status.take_reenable() {
                    self.reenable();
                }
            }
        }
        self.fire_timers();
        self.publish();
    }

    /// Reads what else is already waiting, up to a batch, taking every
    /// socket in turn.
    fn drain_sockets(&mut self) {
        for _ in 0..RECV_BATCH {
            let mut got_any = false;
            for ring in 0..self.transports.len() {
                for group in [false, true] {
                    let (unicast, group_sock) = self.transports[ring].sockets();
                    let sock = if group { group_sock } else { Some(unicast) };
                    if let Some(got) = sock.and_then(|s| try_recv(s, &mut self.buf)) {
                        got_any = true;
                        self.received(ring, Ok(got));
                    }
                }
            }
            if !got_any {
                break;
            }
        }
    }

    fn received(&mut self, ring: usize, r: io::Result<(usize, SocketAddr)>) {
        let (len, from) = match r {
            Ok(got) => got,
            Err(e) => {
                // ICMP errors reported on the socket, mostly: harmless.
                debug!(target: "TOTEM", "receive error on ring {ring}: {e}");
                return;
            }
        };
        let Some(transport) = self.transports.get_mut(ring) else {
            return;
        };
        if transport.is_own(from) {
            return;
        }
        transport.count_received();
        let Some((sender, accepted, bytes)) = admit(
            &mut self.framing,
            ring,
            transport.routes_mut(),
            self.me,
            &self.buf[..len],
            from,
        ) else {
            return;
        };
        if sender == self.me {
            if let Some(n) = self.impostor_log.check(Instant::now()) {
                warn!(target: "TOTEM",
                    "{from} sends as node id {sender}, which is this processor's: \
                     two processors share a node id ({n} more since the last report)");
            }
            return;
        }
        if let Some(rrp) = &mut self.rrp {
            rrp.heard(ring, sender, Instant::now());
        }
        // Another network's copy was delivered already; a heartbeat (no
        // Totem packet) only says its network works.
        if !accepted.first || bytes.is_empty() {
            return;
        }
        // A token read in a batch waits for the batch's messages: its
        // sender multicast them before it, but they may sit in another
        // socket (the group's, another network's) still unread.
        if totem::wire::Packet::is_token(&bytes) {
            self.held_tokens.push((sender, bytes));
            return;
        }
        self.deliver(sender, bytes);
    }

    /// Gives Totem the tokens held back while a batch was read.
    fn release_tokens(&mut self) {
        for (sender, bytes) in std::mem::take(&mut self.held_tokens) {
            self.deliver(sender, bytes);
        }
    }

    /// Gives Totem one packet of `sender`.
    fn deliver(&mut self, sender: NodeId, bytes: Vec<u8>) {
        let now = self.timers.now();
        let out = self.stack.handle(
            now,
            Input::Packet {
                from: sender,
                bytes,
            },
        );
        self.carry(out);
    }

    fn fire_timers(&mut self) {
        loop {
            let now = self.timers.now();
            let due = self.timers.take_due(now);
            if due.is_empty() {
                return;
            }
            for kind in due {
                let out = self
                    .stack
                    .handle(self.timers.now(), Input::TimerFired(kind));
                self.carry(out);
            }
        }
    }

    /// Carries out the packets and timers the stack asks for, in order.
    fn carry(&mut self, out: Vec<Output>) {
        if out.is_empty() {
            return;
        }
        // A ring id must be on disk before it is on the wire.
        self.persist_ring_seq();
        for o in out {
            match o {
                Output::Send { to, bytes } => {
                    self.framing.seal(&bytes, &mut self.wire);
                    let rings = match &mut self.rrp {
                        Some(rrp) => rrp.rings_for(to, Instant::now()),
                        None => Rings::one(0),
                    };
                    for ring in rings.iter() {
                        if let Some(t) = self.transports.get_mut(ring) {
                            t.send(to, &self.wire);
                        }
                    }
                }
                Output::SetTimer(kind, at) => self.timers.set(kind, at),
                Output::CancelTimer(kind) => self.timers.cancel(kind),
                // The stack keeps deliveries and configuration changes
                // in its event queue.
                Output::Deliver { .. } | Output::ConfChg(_) => {}
            }
        }
    }

    /// The redundant ring protocol's periodic work: heartbeats, the check
    /// period's verdicts, the problem counters.
    fn redundancy_tick(&mut self) {
        let Some(rrp) = &mut self.rrp else {
            return;
        };
        let now = Instant::now();
        self.next_rrp_tick = now + rrp.tick_interval();
        let tick = rrp.tick(now);
        for ring in tick.heartbeats.iter() {
            self.framing.seal(&[], &mut self.wire);
            if let Some(t) = self.transports.get_mut(ring) {
                t.send(Dest::Multicast, &self.wire);
            }
            rrp.heartbeat_sent(ring, now);
        }
        for change in &tick.changes {
            self.log_ring_change(change);
            if change.change == Change::Recovered {
                if let Some(t) = self.transports.get_mut(change.ring) {
                    t.clear_fault();
                }
            }
        }
    }

    fn log_ring_change(&self, change: &RingChange) {
        let ring = change.ring;
        let address = self
            .transports
            .get(ring)
            .map_or(self.address, |t| t.local_addr().ip());
        match &change.change {
            Change::Faulty(fault) => {
                error!(target: "TOTEM",
                    "Marking ringid {ring} interface {address} FAULTY: {}; traffic goes on the other ring(s)",
                    describe_fault(fault, address));
            }
            Change::Recovered => {
                info!(target: "TOTEM",
                    "ring {ring} interface {address} works again: back in use");
            }
        }
    }

    fn persist_ring_seq(&mut self) {
        let high = self.stack.srp().ring_seq_high();
        if high <= self.persisted_seq {
            return;
        }
        match self.ring_store.store(high) {
            Ok(()) => self.persisted_seq = high,
            Err(e) => error!(target: "TOTEM", "cannot record ring sequence {high}: {e}"),
        }
    }

    fn log_confchg(&self, chg: &ConfChg) {
        let list = |ids: &[NodeId]| -> String {
            ids.iter()
                .map(|&id| self.describe_node(id))
                .collect::<Vec<_>>()
                .join(" ")
        };
        match chg.kind {
            ConfChgKind::Transitional => {
                info!(target: "TOTEM",
                    "transitional configuration of ring {}: {} member(s): {}{}",
                    chg.ring_id, chg.members.len(), list(&chg.members),
                    if chg.left.is_empty() { String::new() }
                    else { format!("; left: {}", list(&chg.left)) });
            }
            ConfChgKind::Regular => {
                info!(target: "TOTEM",
                    "new ring {}: {} member(s): {}{}",
                    chg.ring_id, chg.members.len(), list(&chg.members),
                    if chg.joined.is_empty() { String::new() }
                    else { format!("; joined: {}", list(&chg.joined)) });
            }
        }
    }

    /// Where `node` was last heard from: on ring 0, else on the first
    /// ring that heard it.
    fn route(&self, node: NodeId) -> Option<SocketAddr> {
        self.transports.iter().find_map(|t| t.route(node))
    }

    fn describe_node(&self, id: NodeId) -> String {
        if id == self.me {
            return format!("{id} ({})", self.address);
        }
        match self.route(id) {
            Some(addr) => format!("{id} ({})", addr.ip()),
            None => id.to_string(),
        }
    }

    /// Looks whether each ring's bound address is still on an interface
    /// that is up (the `downcheck` period).
    fn check_interfaces(&mut self) {
        self.next_downcheck = Instant::now() + self.downcheck;
        for ring in 0..self.transports.len() {
            let address = self.transports[ring].local_addr().ip();
            let up = address_is_up(address);
            if !up && !self.interface_down[ring] {
                self.interface_down[ring] = true;
                error!(target: "TOTEM", "The network interface of {address} is down.");
                if let Some(change) = self.rrp.as_mut().and_then(|r| r.interface_down(ring)) {
                    self.log_ring_change(&change);
                }
            } else if up && self.interface_down[ring] {
                self.interface_down[ring] = false;
                info!(target: "TOTEM", "The network interface [{address}] is now up.");
                if let Some(rrp) = &mut self.rrp {
                    rrp.interface_up(ring);
                }
                if let Err(e) = self.transports[ring].rejoin() {
                    warn!(target: "TOTEM", "cannot rejoin the network of ring {ring}: {e}");
                }
            }
        }
    }

    fn reenable(&mut self) {
        info!(target: "TOTEM", "re-enabling {} on request",
            if self.transports.len() > 1 { "every ring" } else { "ring 0" });
        for (ring, t) in self.transports.iter_mut().enumerate() {
            if let Err(e) = t.reenable() {
                warn!(target: "TOTEM", "cannot rejoin the network of ring {ring}: {e}");
            }
        }
        if let Some(rrp) = &mut self.rrp {
            rrp.reenable(Instant::now());
        }
        // An interface still down is found (and marked) again at once.
        self.interface_down.iter_mut().for_each(|d| *d = false);
        self.check_interfaces();
    }

    /// Why `ring` is faulty, as `openais-cfgtool -s` shows it.
    fn fault(&self, ring: usize) -> Option<String> {
        let address = self.transports.get(ring)?.local_addr().ip();
        if self.interface_down.get(ring).copied().unwrap_or(false) {
            return Some(format!("the network interface of {address} is down"));
        }
        match &self.rrp {
            Some(rrp) => rrp.fault(ring).map(|f| describe_fault(f, address)),
            None => self.transports[ring].stats().last_fault.clone(),
        }
    }

    /// Updates the shared status after a turn.
    fn publish(&mut self) {
        let srp = self.stack.srp();
        let state = srp.state();
        if state != self.last_state {
            debug!(target: "TOTEM", "state {:?} -> {:?}", self.last_state, state);
            self.last_state = state;
        }
        let ring_id = srp.ring_id();
        let members: &[NodeId] = srp.members();
        let faults: Vec<Option<String>> =
            (0..self.transports.len()).map(|r| self.fault(r)).collect();
        let stats = srp.stats();
        let framing = self.framing.stats();
        let me = self.me;
        let local = self.transports[0].local_addr();
        self.status.update(|s| {
            s.state = state_name(state);
            if s.ring_id != ring_id
                || s.members.len() != members.len()
                || s.members.iter().any(|(_, a)| a.is_none())
            {
                s.ring_id = ring_id;
                s.members = members
                    .iter()
                    .map(|&id| {
                        let addr = if id == me {
                            Some(local)
                        } else {
                            self.route(id)
                        };
                        (id, addr)
                    })
                    .collect();
            }
            for (health, fault) in s.rings.iter_mut().zip(faults) {
                health.fault = fault;
            }
            s.rings_installed = stats.rings_installed;
            s.invalid_digests = framing.invalid_digest;
            s.malformed = framing.malformed + stats.malformed_packets;
        });
    }
}

/// A network fault in words.
fn describe_fault(fault: &Fault, address: IpAddr) -> String {
    match fault {
        Fault::Silent {
            processor,
            problems,
        } => format!("processor {processor} was not heard on it in {problems} check periods"),
        Fault::InterfaceDown => format!("the network interface of {address} went down"),
    }
}

/// Opens a datagram that arrived on network `ring` and, when it is the
/// newest that network carried from its sender, records where the sender
/// is on that network: the seal does not cover the UDP source, so a
/// replayed or reordered datagram (from anywhere) moves no route, and a
/// copy moves only its own network's. Our own node id is never routed.
/// The packet comes back only for the first copy.
fn admit(
    framing: &mut Framing,
    ring: usize,
    routes: &mut Routes,
    me: NodeId,
    datagram: &[u8],
    from: SocketAddr,
) -> Option<(NodeId, Accepted, Vec<u8>)> {
    let opened = framing.open_on(ring, datagram, from)?;
    if opened.accepted.newest_here && opened.sender != me {
        routes.learn(opened.sender, from);
    }
    let packet = if opened.accepted.first {
        opened.packet.to_vec()
    } else {
        Vec::new()
    };
    Some((opened.sender, opened.accepted, packet))
}

/// The next datagram on any ring's sockets, polling from ring `first` on.
async fn recv_any(
    transports: &[Transport],
    first: usize,
    buf: &mut [u8],
) -> (usize, io::Result<(usize, SocketAddr)>) {
    std::future::poll_fn(|cx| {
        let n = transports.len();
        for i in 0..n {
            let ring = (first + i) % n;
            let (unicast, group) = transports[ring].sockets();
            for sock in std::iter::once(unicast).chain(group) {
                let mut rb = tokio::io::ReadBuf::new(&mut *buf);
                match sock.poll_recv_from(cx, &mut rb) {
                    Poll::Ready(Ok(from)) => {
                        return Poll::Ready((ring, Ok((rb.filled().len(), from))))
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready((ring, Err(e))),
                    Poll::Pending => {}
                }
            }
        }
        Poll::Pending
    })
    .await
}

fn state_name(state: State) -> &'static str {
    match state {
        State::Operational => "OPERATIONAL",
        State::Gather => "GATHER",
        State::Commit => "COMMIT",
        State::Recovery => "RECOVERY",
    }
}

fn try_recv(sock: &UdpSocket, buf: &mut [u8]) -> Option<(usize, SocketAddr)> {
    match sock.try_recv_from(buf) {
        Ok(got) => Some(got),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => None,
        Err(e) => {
            debug!(target: "TOTEM", "receive error: {e}");
            None
        }
    }
}

async fn sleep_until_opt(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

impl Ordering for TotemOrdering {
    fn local_node(&self) -> NodeId {
        self.me
    }

    fn mcast(&mut self, payload: Vec<u8>, guarantee: Guarantee) -> Result<(), McastError> {
        if self.left {
            return Err(McastError::QueueFull);
        }
        let out = self.stack.mcast(self.timers.now(), &payload, guarantee)?;
        self.carry(out);
        Ok(())
    }

    fn queue_full(&self) -> bool {
        self.left || self.stack.queue_full()
    }

    async fn next_event(&mut self) -> Option<OrderingEvent> {
        loop {
            if let Some(event) = self.stack.pop_event() {
                if let Event::ConfChg(chg) = &event {
                    self.log_confchg(chg);
                }
                return Some(match event {
                    Event::Deliver { from, payload } => OrderingEvent::Deliver { from, payload },
                    Event::ConfChg(chg) => OrderingEvent::ConfChg(chg),
                });
            }
            if self.left {
                return None;
            }
            self.turn().await;
        }
    }

    fn leave(&mut self) {
        if self.left {
            return;
        }
        let out = self.stack.leave(self.timers.now());
        self.carry(out);
        self.left = true;
        self.publish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use totem::crypto::PacketSecurity;

    #[test]
    fn a_replayed_datagram_from_another_address_moves_no_route_and_is_counted() {
        for security in [
            PacketSecurity::from_authkey(&[3u8; totem::crypto::AUTHKEY_LEN]).unwrap(),
            PacketSecurity::integrity_only(),
        ] {
            let mut member = Framing::new(security.clone(), 2, 1);
            let mut me = Framing::new(security, 1, 1);
            let mut routes = Routes::default();
            let home: SocketAddr = "127.0.0.2:5405".parse().unwrap();
            let attacker: SocketAddr = "127.0.0.9:5405".parse().unwrap();
            let (mut first, mut second) = (Vec::new(), Vec::new());
            member.seal(b"join", &mut first);
            member.seal(b"token", &mut second);
            let got = admit(&mut me, 0, &mut routes, 1, &first, home).unwrap();
            assert_eq!((got.0, got.2), (2, b"join".to_vec()));
            assert_eq!(routes.get(2), Some(home));
            // The attacker re-sends what it captured: refused, counted,
            // and the route stays.
            for _ in 0..3 {
                assert!(admit(&mut me, 0, &mut routes, 1, &first, attacker).is_none());
            }
            assert_eq!(routes.get(2), Some(home));
            assert_eq!(me.stats().replayed, 3);
            // A fresh datagram the attacker gets in first is delivered
            // once and may move the route; the member's own copy is then
            // the replay, and the member's next datagram moves it back.
            assert!(admit(&mut me, 0, &mut routes, 1, &second, attacker).is_some());
            assert!(admit(&mut me, 0, &mut routes, 1, &second, home).is_none());
            let mut third = Vec::new();
            member.seal(b"next", &mut third);
            assert!(admit(&mut me, 0, &mut routes, 1, &third, home).is_some());
            assert_eq!(routes.get(2), Some(home));
        }
    }

    #[test]
    fn a_reordered_datagram_is_delivered_but_moves_no_route() {
        let security = PacketSecurity::integrity_only();
        let mut member = Framing::new(security.clone(), 2, 1);
        let mut me = Framing::new(security, 1, 1);
        let mut routes = Routes::default();
        let a: SocketAddr = "127.0.0.2:5405".parse().unwrap();
        let b: SocketAddr = "127.0.0.3:5405".parse().unwrap();
        let (mut first, mut second) = (Vec::new(), Vec::new());
        member.seal(b"1", &mut first);
        member.seal(b"2", &mut second);
        assert!(admit(&mut me, 0, &mut routes, 1, &second, a).is_some());
        assert!(admit(&mut me, 0, &mut routes, 1, &first, b).is_some());
        assert_eq!(routes.get(2), Some(a));
    }

    #[test]
    fn the_other_networks_copy_is_dropped_and_routes_stay_per_network() {
        let security = PacketSecurity::integrity_only();
        let mut member = Framing::with_rings(security.clone(), 2, 1, 2);
        let mut me = Framing::with_rings(security, 1, 1, 2);
        let mut ring0 = Routes::default();
        let mut ring1 = Routes::default();
        let on0: SocketAddr = "10.0.0.2:5405".parse().unwrap();
        let on1: SocketAddr = "10.0.1.2:5405".parse().unwrap();
        let mut wire = Vec::new();
        member.seal(b"token", &mut wire);
        // Active mode: the same datagram on both networks.
        let (from, accepted, packet) = admit(&mut me, 0, &mut ring0, 1, &wire, on0).unwrap();
        assert_eq!((from, accepted.first, packet), (2, true, b"token".to_vec()));
        let (_, accepted, packet) = admit(&mut me, 1, &mut ring1, 1, &wire, on1).unwrap();
        assert!(!accepted.first && packet.is_empty(), "delivered once");
        assert_eq!(ring0.get(2), Some(on0));
        assert_eq!(ring1.get(2), Some(on1));
        // Not a replay; a second copy on one network is.
        assert_eq!(me.stats().replayed, 0);
        assert_eq!(me.stats().copies, 1);
        assert!(admit(&mut me, 1, &mut ring1, 1, &wire, on1).is_none());
        assert_eq!(me.stats().replayed, 1);
        // A copy re-sent from elsewhere on a network moves nothing.
        let elsewhere: SocketAddr = "10.0.1.9:5405".parse().unwrap();
        assert!(admit(&mut me, 1, &mut ring1, 1, &wire, elsewhere).is_none());
        assert_eq!(ring1.get(2), Some(on1));
        assert_eq!(ring0.get(2), Some(on0));
    }
}

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
use std::time::{Duration, Instant};

use log::{debug, error, info, warn};
use tokio::net::UdpSocket;
use totem::crypto::PacketSecurity;
use totem::pg::LimitsError;
use totem::stack::{Event, Stack};
use totem::{ConfChgKind, Input, Output, Srp, State};

use super::replay::Fresh;
use super::security::{incarnation_now, Framing};
use super::status::NetStatus;
use super::transport::{address_is_up, Routes, Transport, TransportError, TransportSpec};
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
}

/// Everything the driver needs to start.
#[derive(Debug, Clone)]
pub struct NetConfig {
    /// The protocol's timeouts; `netmtu` is the frame MTU of the
    /// configuration, reduced here by the IP, UDP and security headers.
    pub totem: totem::Config,
    pub transport: TransportSpec,
    pub node_id: NodeId,
    /// The highest ring sequence number used before (persisted).
    pub ring_seq: u64,
}

/// What woke the driver up.
enum Wake {
    Unicast(io::Result<(usize, SocketAddr)>),
    Group(io::Result<(usize, SocketAddr)>),
    Timer,
    Downcheck,
    Reenable,
}

/// Which receive buffer holds a datagram.
#[derive(Clone, Copy)]
enum Which {
    Unicast,
    Group,
}

/// Totem on the network: the executive's ordering layer of a real cluster.
#[derive(Debug)]
pub struct TotemOrdering {
    stack: Stack,
    transport: Transport,
    framing: Framing,
    timers: super::timers::Timers,
    ring_store: RingStore,
    persisted_seq: u64,
    status: NetStatus,
    me: NodeId,
    address: IpAddr,
    left: bool,
    buf_unicast: Vec<u8>,
    buf_group: Vec<u8>,
    wire: Vec<u8>,
    downcheck: Duration,
    next_downcheck: Instant,
    interface_down: bool,
    impostor_log: RateLimit,
    last_state: State,
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
        let ip_udp = if cfg.transport.bind.is_ipv4() { 28 } else { 48 };
        cfg.totem.netmtu = cfg
            .totem
            .netmtu
            .saturating_sub(ip_udp + super::security::FRAMING_OVERHEAD);
        let transport = Transport::open(cfg.transport.clone())?;
        let timers = super::timers::Timers::new(Instant::now());
        let downcheck = Duration::from_millis(cfg.totem.downcheck.max(100));
        let (stack, out) = Stack::new(cfg.totem, cfg.node_id, cfg.ring_seq, timers.now())?;
        let last_state = stack.srp().state();
        let mut driver = TotemOrdering {
            stack,
            transport,
            framing: Framing::new(security, cfg.node_id, incarnation_now()),
            timers,
            ring_store,
            persisted_seq: cfg.ring_seq,
            status,
            me: cfg.node_id,
            address: cfg.transport.bind,
            left: false,
            buf_unicast: vec![0; RECV_BUFFER],
            buf_group: vec![0; RECV_BUFFER],
            wire: Vec::with_capacity(RECV_BUFFER),
            downcheck,
            next_downcheck: Instant::now() + downcheck,
            interface_down: false,
            impostor_log: RateLimit::new(Duration::from_secs(10), 1),
            last_state,
        };
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

    /// Waits for the next datagram, timer or request and handles it.
    async fn turn(&mut self) {
        let deadline = self
            .timers
            .next_deadline()
            .map(tokio::time::Instant::from_std);
        let downcheck = tokio::time::Instant::from_std(self.next_downcheck);
        let (unicast, group) = self.transport.sockets();
        let wake = tokio::select! {
            r = unicast.recv_from(&mut self.buf_unicast) => Wake::Unicast(r),
            r = recv_opt(group, &mut self.buf_group) => Wake::Group(r),
            () = sleep_until_opt(deadline) => Wake::Timer,
            () = tokio::time::sleep_until(downcheck) => Wake::Downcheck,
            () = self.status.requested() => Wake::Reenable,
        };
        match wake {
            Wake::Unicast(r) => {
                self.received(Which::Unicast, r);
                self.drain_sockets();
            }
            Wake::Group(r) => {
                self.received(Which::Group, r);
                self.drain_sockets();
            }
            Wake::Timer => {}
            Wake::Downcheck => self.check_interface(),
            Wake::Reenable => {
                if self.status.take_reenable() {
                    self.reenable();
                }
            }
        }
        self.fire_timers();
        self.publish();
    }

    /// Reads what else is already waiting, up to a batch.
    fn drain_sockets(&mut self) {
        for _ in 0..RECV_BATCH {
            let (unicast, group) = self.transport.sockets();
            let got_unicast = try_recv(unicast, &mut self.buf_unicast);
            let got_group = group.and_then(|g| try_recv(g, &mut self.buf_group));
            if got_unicast.is_none() && got_group.is_none() {
                break;
            }
            if let Some(r) = got_unicast {
                self.received(Which::Unicast, Ok(r));
            }
            if let Some(r) = got_group {
                self.received(Which::Group, Ok(r));
            }
        }
    }

    fn received(&mut self, which: Which, r: io::Result<(usize, SocketAddr)>) {
        let (len, from) = match r {
            Ok(got) => got,
            Err(e) => {
                // ICMP errors reported on the socket, mostly: harmless.
                debug!(target: "TOTEM", "receive error: {e}");
                return;
            }
        };
        if self.transport.is_own(from) {
            return;
        }
        self.transport.count_received();
        let buf = match which {
            Which::Unicast => &self.buf_unicast[..len],
            Which::Group => &self.buf_group[..len],
        };
        let Some((sender, bytes)) = admit(
            &mut self.framing,
            self.transport.routes_mut(),
            self.me,
            buf,
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
                    self.transport.send(to, &self.wire);
                }
                Output::SetTimer(kind, at) => self.timers.set(kind, at),
                Output::CancelTimer(kind) => self.timers.cancel(kind),
                // The stack keeps deliveries and configuration changes
                // in its event queue.
                Output::Deliver { .. } | Output::ConfChg(_) => {}
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

    fn describe_node(&self, id: NodeId) -> String {
        if id == self.me {
            return format!("{id} ({})", self.address);
        }
        match self.transport.route(id) {
            Some(addr) => format!("{id} ({})", addr.ip()),
            None => id.to_string(),
        }
    }

    /// Looks whether the bound address is still on an interface that is
    /// up (the `downcheck` period).
    fn check_interface(&mut self) {
        self.next_downcheck = Instant::now() + self.downcheck;
        let up = address_is_up(self.address);
        if !up && !self.interface_down {
            self.interface_down = true;
            error!(target: "TOTEM", "The network interface of {} is down.", self.address);
        } else if up && self.interface_down {
            self.interface_down = false;
            info!(target: "TOTEM", "The network interface [{}] is now up.", self.address);
            if let Err(e) = self.transport.rejoin() {
                warn!(target: "TOTEM", "cannot rejoin the network: {e}");
            }
        }
    }

    fn reenable(&mut self) {
        info!(target: "TOTEM", "re-enabling ring 0 on request");
        if let Err(e) = self.transport.reenable() {
            warn!(target: "TOTEM", "cannot rejoin the network: {e}");
        }
        self.check_interface();
    }

    fn fault(&self) -> Option<String> {
        if self.interface_down {
            return Some(format!("the network interface of {} is down", self.address));
        }
        self.transport.stats().last_fault.clone()
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
        let fault = self.fault();
        let stats = srp.stats();
        let framing = self.framing.stats();
        let me = self.me;
        let local = self.transport.local_addr();
        let transport = &self.transport;
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
                            transport.route(id)
                        };
                        (id, addr)
                    })
                    .collect();
            }
            s.fault = fault;
            s.rings_installed = stats.rings_installed;
            s.invalid_digests = framing.invalid_digest;
            s.malformed = framing.malformed + stats.malformed_packets;
        });
    }
}

/// Opens a datagram and, when it is its sender's newest, records where the
/// sender is: the seal does not cover the UDP source, so a replayed or
/// reordered datagram (from anywhere) moves no route. Our own node id is
/// never routed.
fn admit(
    framing: &mut Framing,
    routes: &mut Routes,
    me: NodeId,
    datagram: &[u8],
    from: SocketAddr,
) -> Option<(NodeId, Vec<u8>)> {
    let opened = framing.open(datagram, from)?;
    if opened.fresh == Fresh::Newest && opened.sender != me {
        routes.learn(opened.sender, from);
    }
    Some((opened.sender, opened.packet.to_vec()))
}

fn state_name(state: State) -> &'static str {
    match state {
        State::Operational => "OPERATIONAL",
        State::Gather => "GATHER",
        State::Commit => "COMMIT",
        State::Recovery => "RECOVERY",
    }
}

async fn recv_opt(sock: Option<&UdpSocket>, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
    match sock {
        Some(s) => s.recv_from(buf).await,
        None => std::future::pending().await,
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
            let got = admit(&mut me, &mut routes, 1, &first, home).unwrap();
            assert_eq!(got, (2, b"join".to_vec()));
            assert_eq!(routes.get(2), Some(home));
            // The attacker re-sends what it captured: refused, counted,
            // and the route stays.
            for _ in 0..3 {
                assert!(admit(&mut me, &mut routes, 1, &first, attacker).is_none());
            }
            assert_eq!(routes.get(2), Some(home));
            assert_eq!(me.stats().replayed, 3);
            // A fresh datagram the attacker gets in first is delivered
            // once and may move the route; the member's own copy is then
            // the replay, and the member's next datagram moves it back.
            assert!(admit(&mut me, &mut routes, 1, &second, attacker).is_some());
            assert!(admit(&mut me, &mut routes, 1, &second, home).is_none());
            let mut third = Vec::new();
            member.seal(b"next", &mut third);
            assert!(admit(&mut me, &mut routes, 1, &third, home).is_some());
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
        assert!(admit(&mut me, &mut routes, 1, &second, a).is_some());
        assert!(admit(&mut me, &mut routes, 1, &first, b).is_some());
        assert_eq!(routes.get(2), Some(a));
    }
}

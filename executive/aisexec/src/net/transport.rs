//! The sockets Totem's datagrams travel on.
//!
//! * `udp`: IP multicast. One socket bound to the interface address and
//!   `mcastport` sends everything (multicast with TTL 1 on that interface,
//!   and the tokens unicast to the next member) and receives the
//!   unicasts; a second socket bound to `mcastaddr:mcastport` receives the
//!   group's traffic. Multicast loop is on, so processors sharing a host
//!   (and a network namespace) hear each other; a processor's own
//!   datagrams come back from its own address and are dropped here
//!   without being opened.
//! * `udpu`: UDP unicast. One socket bound to the interface address and
//!   `mcastport`; a multicast is a copy to every configured member but
//!   this one.
//!
//! A token goes to one processor: its address is learnt from the
//! authenticated datagrams that processor sent (every processor multicasts
//! join messages before any ring forms, so the address is known by the
//! time a token is due). The seal does not cover the UDP source, so only
//! a datagram newer than every earlier one of its sender (see
//! [`super::replay`]) moves the route: a copy re-sent from elsewhere is a
//! replay and moves nothing.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::time::{Duration, Instant};

use log::{debug, info, warn};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::net::UdpSocket;
use totem::Dest;

use crate::config::Transport as TransportKind;
use crate::ipc::rate_limit::RateLimit;
use crate::ordering::NodeId;

/// Socket buffers asked for: a burst of a full window of messages from
/// every member of a large ring must not overflow them.
pub const SOCKET_BUFFER: usize = 4 << 20;

/// How the transport is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportSpec {
    pub kind: TransportKind,
    /// The local interface address (bindnetaddr resolved).
    pub bind: IpAddr,
    pub port: u16,
    /// The multicast group (`udp`).
    pub mcastaddr: Option<IpAddr>,
    /// Every configured member (`udpu`), this processor included or not.
    pub members: Vec<IpAddr>,
}

/// Why the transport could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("cannot open a socket on {addr}: {source}")]
    Socket {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("cannot join multicast group {group} on {iface}: {source}")]
    Join {
        group: IpAddr,
        iface: IpAddr,
        #[source]
        source: io::Error,
    },
    #[error("transport udp needs a multicast address of the bind address's family")]
    NoGroup,
    #[error("no interface carries {0} (needed for IPv6 multicast)")]
    NoInterfaceIndex(IpAddr),
}

/// Send and receive counters, and the last error that looks like a
/// network fault (an interface gone or unreachable).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransportStats {
    pub datagrams_sent: u64,
    pub datagrams_received: u64,
    /// Datagrams the kernel refused to send (full buffer, a filter).
    pub send_dropped: u64,
    /// Tokens for a processor whose address is not known yet.
    pub unroutable: u64,
    /// Sends that failed because the network is down or unreachable.
    pub send_faults: u64,
    pub last_fault: Option<String>,
}

/// The open sockets and the address of every processor heard from.
#[derive(Debug)]
pub struct Transport {
    spec: TransportSpec,
    unicast: UdpSocket,
    group: Option<UdpSocket>,
    local: SocketAddr,
    /// Where multicasts go: the group, or every other member.
    fanout: Vec<SocketAddr>,
    /// Interface index of the bind address (IPv6 multicast, link-local).
    ifindex: u32,
    routes: Routes,
    stats: TransportStats,
}

/// Where each processor was last heard from.
#[derive(Debug)]
pub struct Routes {
    map: HashMap<NodeId, SocketAddr>,
    /// Two processors sending under one node id (a configuration error)
    /// "move" with every datagram: reported at a rate limit.
    move_log: RateLimit,
}

impl Default for Routes {
    fn default() -> Self {
        Routes {
            map: HashMap::new(),
            move_log: RateLimit::new(Duration::from_secs(10), 3),
        }
    }
}

impl Routes {
    pub fn get(&self, node: NodeId) -> Option<SocketAddr> {
        self.map.get(&node).copied()
    }

    /// Records that the newest datagram of `node` came from `addr`.
    pub fn learn(&mut self, node: NodeId, addr: SocketAddr) {
        match self.map.insert(node, addr) {
            Some(old) if old != addr => {
                if let Some(n) = self.move_log.check(Instant::now()) {
                    warn!(target: "TOTEM",
                        "processor {node} moved from {old} to {addr} ({n} more moves since the last report)");
                }
            }
            None => debug!(target: "TOTEM", "processor {node} is at {addr}"),
            Some(_) => {}
        }
    }
}

impl Transport {
    /// Opens the sockets; must run inside the tokio runtime.
    pub fn open(spec: TransportSpec) -> Result<Transport, TransportError> {
        let ifindex = interface_index(spec.bind);
        let local = socket_addr(spec.bind, spec.port, ifindex.unwrap_or(0));
        let unicast = open_socket(local, true)?;
        let (group, fanout) = match spec.kind {
            TransportKind::Udp => {
                let group = match spec.mcastaddr {
                    Some(g) if g.is_ipv4() == spec.bind.is_ipv4() => g,
                    _ => return Err(TransportError::NoGroup),
                };
                let group_addr = socket_addr(group, spec.port, 0);
                let sock = open_socket(group_addr, false)?;
                set_multicast_options(&unicast, &sock, spec.bind, group, ifindex)?;
                (Some(sock), vec![group_addr])
            }
            TransportKind::Udpu => {
                let fanout = spec
                    .members
                    .iter()
                    .filter(|&&m| m != spec.bind)
                    .map(|&m| socket_addr(m, spec.port, ifindex.unwrap_or(0)))
                    .collect();
                (None, fanout)
            }
        };
        let wrap = |s: Socket, addr: SocketAddr| {
            UdpSocket::from_std(s.into()).map_err(|source| TransportError::Socket { addr, source })
        };
        let unicast = wrap(unicast, local)?;
        let group = match group {
            Some(g) => Some(wrap(g, fanout[0])?),
            None => None,
        };
        info!(target: "TOTEM", "transport {} bound to {}{}", spec.kind, local,
        match &group {
            Some(_) => format!(", multicast group {}", fanout[0]),
            None => format!(", {} other member(s)", fanout.len()),
        });
        Ok(Transport {
            spec,
            unicast,
            group,
            local,
            fanout,
            ifindex: ifindex.unwrap_or(0),
            routes: Routes::default(),
            stats: TransportStats::default(),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    pub fn spec(&self) -> &TransportSpec {
        &self.spec
    }

    pub fn stats(&self) -> &TransportStats {
        &self.stats
    }

    /// The unicast socket, and the group socket with `udp`.
    pub fn sockets(&self) -> (&UdpSocket, Option<&UdpSocket>) {
        (&self.unicast, self.group.as_ref())
    }

    /// The address `node` was last heard from.
    pub fn route(&self, node: NodeId) -> Option<SocketAddr> {
        self.routes.get(node)
    }

    pub fn routes_mut(&mut self) -> &mut Routes {
        &mut self.routes
    }

    /// Whether a datagram from `addr` is one of this processor's own.
    pub fn is_own(&self, addr: SocketAddr) -> bool {
        addr.port() == self.local.port() && addr.ip() == self.local.ip()
    }

    /// Sends one sealed datagram. Never blocks: a datagram the kernel
    /// cannot take now is dropped and counted, as the network would.
    pub fn send(&mut self, to: Dest, datagram: &[u8]) {
        match to {
            Dest::Multicast => {
                for i in 0..self.fanout.len() {
                    let addr = self.fanout[i];
                    self.send_to(addr, datagram);
                }
            }
            Dest::Node(node) => match self.routes.get(node) {
                Some(addr) => self.send_to(addr, datagram),
                None => {
                    self.stats.unroutable += 1;
                    debug!(target: "TOTEM", "no address known for processor {node} yet");
                }
            },
        }
    }

    fn send_to(&mut self, addr: SocketAddr, datagram: &[u8]) {
        match self.unicast.try_send_to(datagram, addr) {
            Ok(_) => self.stats.datagrams_sent += 1,
            Err(e) if is_fault(&e) => {
                self.stats.send_faults += 1;
                if self.stats.last_fault.is_none() {
                    warn!(target: "TOTEM", "sending to {addr} failed: {e}");
                }
                self.stats.last_fault = Some(format!("sending to {addr}: {e}"));
            }
            Err(_) => self.stats.send_dropped += 1,
        }
    }

    pub fn count_received(&mut self) {
        self.stats.datagrams_received += 1;
    }

    /// Forgets the recorded send fault (the next one is logged again).
    pub fn clear_fault(&mut self) {
        self.stats.last_fault = None;
    }

    /// Forgets the recorded send fault and joins the multicast group
    /// again (an interface that went away and came back lost its
    /// memberships).
    pub fn reenable(&mut self) -> Result<(), TransportError> {
        self.stats.last_fault = None;
        self.rejoin()
    }

    /// Joins the multicast group again, keeping the recorded fault (an
    /// administrator clears it with [`Transport::reenable`]).
    pub fn rejoin(&mut self) -> Result<(), TransportError> {
        self.ifindex = interface_index(self.spec.bind).unwrap_or(self.ifindex);
        if let (Some(group), Some(g)) = (&self.group, self.spec.mcastaddr) {
            let sock = socket2::SockRef::from(group);
            // Leaving first makes the join succeed whether or not the
            // membership survived.
            let _ = leave_group(&sock, g, self.spec.bind, self.ifindex);
            join_group(&sock, g, self.spec.bind, self.ifindex)?;
        }
        Ok(())
    }
}

/// The errors that say the network, not the peer or a filter, is at
/// fault.
fn is_fault(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ENETDOWN | libc::ENETUNREACH | libc::EADDRNOTAVAIL | libc::ENODEV)
    )
}

fn socket_addr(ip: IpAddr, port: u16, scope: u32) -> SocketAddr {
    match ip {
        IpAddr::V4(v4) => SocketAddr::new(IpAddr::V4(v4), port),
        IpAddr::V6(v6) => {
            let scope = if is_link_local(v6) { scope } else { 0 };
            SocketAddr::V6(SocketAddrV6::new(v6, port, 0, scope))
        }
    }
}

fn is_link_local(v6: Ipv6Addr) -> bool {
    v6.segments()[0] & 0xffc0 == 0xfe80
}

/// A non-blocking UDP socket bound to `addr` with large buffers.
fn open_socket(addr: SocketAddr, unicast: bool) -> Result<Socket, TransportError> {
    let err = |source| TransportError::Socket { addr, source };
    let sock =
        Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP)).map_err(err)?;
    if addr.is_ipv6() {
        sock.set_only_v6(true).map_err(err)?;
    }
    // The group socket shares its port with the unicast socket (and with
    // other processors of this host in the same group).
    sock.set_reuse_address(!unicast || addr.ip().is_multicast())
        .map_err(err)?;
    grow_buffers(&sock);
    sock.set_nonblocking(true).map_err(err)?;
    sock.bind(&SockAddr::from(addr)).map_err(err)?;
    Ok(sock)
}

/// Asks for [`SOCKET_BUFFER`]-byte buffers; the kernel may cap them at
/// `net.core.rmem_max`, which root can override.
fn grow_buffers(sock: &Socket) {
    let _ = sock.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = sock.set_send_buffer_size(SOCKET_BUFFER);
    if nix::unistd::geteuid().is_root() {
        use nix::sys::socket::{setsockopt, sockopt};
        let _ = setsockopt(sock, sockopt::RcvBufForce, &SOCKET_BUFFER);
        let _ = setsockopt(sock, sockopt::SndBufForce, &SOCKET_BUFFER);
    }
    let got = sock.recv_buffer_size().unwrap_or(0);
    if got < SOCKET_BUFFER {
        debug!(target: "TOTEM", "receive buffer is {got} bytes (asked for {SOCKET_BUFFER})");
    }
}

fn set_multicast_options(
    unicast: &Socket,
    group_sock: &Socket,
    iface: IpAddr,
    group: IpAddr,
    ifindex: Option<u32>,
) -> Result<(), TransportError> {
    let err = |source| TransportError::Join {
        group,
        iface,
        source,
    };
    match (iface, group) {
        (IpAddr::V4(ifa), IpAddr::V4(_)) => {
            unicast.set_multicast_if_v4(&ifa).map_err(err)?;
            unicast.set_multicast_ttl_v4(1).map_err(err)?;
            unicast.set_multicast_loop_v4(true).map_err(err)?;
            group_sock.set_multicast_all_v4(false).map_err(err)?;
            join_group(group_sock, group, iface, 0)
        }
        (IpAddr::V6(_), IpAddr::V6(_)) => {
            let index = ifindex.ok_or(TransportError::NoInterfaceIndex(iface))?;
            unicast.set_multicast_if_v6(index).map_err(err)?;
            unicast.set_multicast_hops_v6(1).map_err(err)?;
            unicast.set_multicast_loop_v6(true).map_err(err)?;
            group_sock.set_multicast_all_v6(false).map_err(err)?;
            join_group(group_sock, group, iface, index)
        }
        _ => Err(TransportError::NoGroup),
    }
}

fn join_group(
    sock: &Socket,
    group: IpAddr,
    iface: IpAddr,
    ifindex: u32,
) -> Result<(), TransportError> {
    let res = match (group, iface) {
        (IpAddr::V4(g), IpAddr::V4(i)) => sock.join_multicast_v4(&g, &i),
        (IpAddr::V6(g), _) => sock.join_multicast_v6(&g, ifindex),
        _ => return Err(TransportError::NoGroup),
    };
    res.map_err(|source| TransportError::Join {
        group,
        iface,
        source,
    })
}

fn leave_group(sock: &Socket, group: IpAddr, iface: IpAddr, ifindex: u32) -> io::Result<()> {
    match (group, iface) {
        (IpAddr::V4(g), IpAddr::V4(i)) => sock.leave_multicast_v4(&g, &i),
        (IpAddr::V6(g), _) => sock.leave_multicast_v6(&g, ifindex),
        _ => Ok(()),
    }
}

/// The index of the interface carrying `addr`; `None` when no interface
/// has it (the 127/8 addresses other than 127.0.0.1 are on `lo`).
pub fn interface_index(addr: IpAddr) -> Option<u32> {
    let name = interface_of(addr)?;
    nix::net::if_::if_nametoindex(name.as_str()).ok()
}

/// The name of the interface carrying `addr`.
pub fn interface_of(addr: IpAddr) -> Option<String> {
    let ifaddrs = nix::ifaddrs::getifaddrs().ok()?;
    for ifa in ifaddrs {
        let Some(a) = ifa.address else { continue };
        let ip = if let Some(v4) = a.as_sockaddr_in() {
            IpAddr::V4(v4.ip())
        } else if let Some(v6) = a.as_sockaddr_in6() {
            IpAddr::V6(v6.ip())
        } else {
            continue;
        };
        if ip == addr {
            return Some(ifa.interface_name);
        }
    }
    match addr {
        IpAddr::V4(v4) if v4.is_loopback() => Some("lo".to_owned()),
        _ => None,
    }
}

/// Whether `addr` is (still) usable: configured on an interface that is
/// up and has its carrier (the 127/8 addresses: `lo` is up).
pub fn address_is_up(addr: IpAddr) -> bool {
    use nix::net::if_::InterfaceFlags;
    let Some(name) = interface_of(addr) else {
        return false;
    };
    let Ok(ifaddrs) = nix::ifaddrs::getifaddrs() else {
        // Cannot tell: not a fault of the network.
        return true;
    };
    let mut seen = false;
    for ifa in ifaddrs.filter(|i| i.interface_name == name) {
        seen = true;
        let up = InterfaceFlags::IFF_UP | InterfaceFlags::IFF_RUNNING;
        if ifa.flags.contains(up) {
            return true;
        }
    }
    !seen
}

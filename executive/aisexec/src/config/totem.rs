//! `totem { }` (alias `network { }`): the ring's network, security and
//! protocol settings.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use super::error::{ConfigError, ConfigErrorKind, WarningKind};
use super::nodeid::nodeid_from_ipv4;
use super::reader::{check_subsections, Ctx, Keys};
use super::rrp::{self, RrpSettings};
use super::syntax::{Entry, Section};
use super::timeouts::{self, Timeouts};
use super::value;

/// The UDP port used when an interface names none.
pub const DEFAULT_MCASTPORT: u16 = 5405;
/// The default MTU: plain Ethernet frames.
pub const DEFAULT_NETMTU: u32 = 1500;
/// The MTU range accepted: an IPv4 minimum datagram to a jumbo frame.
pub const NETMTU_RANGE: (u32, u32) = (576, 9000);
/// Redundant rings supported: ring numbers are `0..MAX_RINGS`.
pub const MAX_RINGS: u32 = 8;
/// The most encryption threads openais allowed.
pub const MAX_THREADS: u32 = 16;

/// How packets reach the other processors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// IP multicast to each interface's `mcastaddr` (the default).
    Udp,
    /// UDP unicast to every `member { memberaddr }`.
    Udpu,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Udp => "udp",
            Transport::Udpu => "udpu",
        })
    }
}

/// The redundant ring protocol's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RrpMode {
    /// One interface only (the default).
    None,
    Active,
    Passive,
}

impl RrpMode {
    /// The word of `rrp_mode:`.
    pub fn name(self) -> &'static str {
        match self {
            RrpMode::None => "none",
            RrpMode::Active => "active",
            RrpMode::Passive => "passive",
        }
    }
}

/// One `interface { }`: a ring's network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub ringnumber: u32,
    /// The network (IPv4: any address in it, usually ending in 0) or, for
    /// IPv6, the exact address to bind. See
    /// [`resolve_bindnetaddr`](super::resolve_bindnetaddr).
    pub bindnetaddr: IpAddr,
    /// The multicast group; always set with [`Transport::Udp`], `None`
    /// with [`Transport::Udpu`].
    pub mcastaddr: Option<IpAddr>,
    pub mcastport: u16,
    /// The ring's `member { memberaddr }` addresses, in file order
    /// ([`Transport::Udpu`]): those inside this `interface { }`, and for
    /// ring 0 also those written directly in `totem { }`.
    pub members: Vec<IpAddr>,
}

/// A key written inline with `key:`. Its bytes are never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct InlineKey(Vec<u8>);

impl InlineKey {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for InlineKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InlineKey(<{} bytes>)", self.0.len())
    }
}

/// Where the authentication key comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource<'a> {
    /// `totem { key: ... }`.
    Inline(&'a [u8]),
    /// `totem { keyfile: ... }`, or the authkey path of
    /// [`Paths`](super::Paths).
    File(&'a Path),
}

/// The typed `totem { }` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotemConfig {
    /// Authenticate and encrypt every packet. On when absent.
    pub secauth: bool,
    /// `nodeid:`; when absent the node id comes from the IPv4 address
    /// bound on ring 0 (see [`TotemConfig::nodeid_for`]).
    pub nodeid: Option<u32>,
    /// Clear bit 31 of a node id derived from an address.
    pub clear_node_high_bit: bool,
    /// Encryption threads; always 0 when `secauth` is off.
    pub threads: u32,
    pub netmtu: u32,
    pub transport: Transport,
    pub rrp_mode: RrpMode,
    /// The redundant rings' fault detection (used with `rrp_mode`
    /// active or passive).
    pub rrp: RrpSettings,
    /// Sorted by ring number, numbered `0..len` without a gap; never
    /// empty; more than one only with `rrp_mode` active or passive.
    pub interfaces: Vec<Interface>,
    /// Ring 0's `member { memberaddr }` addresses, in file order; at least
    /// one with [`Transport::Udpu`] (every ring's are in
    /// [`Interface::members`]).
    pub members: Vec<IpAddr>,
    pub keyfile: Option<PathBuf>,
    pub key: Option<InlineKey>,
    pub timeouts: Timeouts,
}

impl TotemConfig {
    /// The protocol configuration for the Totem state machine.
    pub fn to_totem(&self) -> ::totem::Config {
        self.timeouts.to_totem(self.netmtu)
    }

    /// This processor's node id once ring 0 is bound to `bound`: `nodeid:`
    /// if given, else the IPv4 address as openais computes it. `None` for
    /// an IPv6 address without `nodeid:` (which the parser already
    /// refuses for IPv6 `bindnetaddr`s).
    pub fn nodeid_for(&self, bound: IpAddr) -> Option<u32> {
        match (self.nodeid, bound) {
            (Some(id), _) => Some(id),
            (None, IpAddr::V4(v4)) => Some(nodeid_from_ipv4(v4, self.clear_node_high_bit)),
            (None, IpAddr::V6(_)) => None,
        }
    }

    /// Where to read the authentication key, in openais's order:
    /// `keyfile:`, then `key:`, then `default_authkey` (the
    /// `OPENAIS_TOTEM_AUTHKEY_FILE` path). `None` when `secauth` is off.
    pub fn key_source<'a>(&'a self, default_authkey: &'a Path) -> Option<KeySource<'a>> {
        if !self.secauth {
            return None;
        }
        Some(match (&self.keyfile, &self.key) {
            (Some(path), _) => KeySource::File(path),
            (None, Some(key)) => KeySource::Inline(key.as_bytes()),
            (None, None) => KeySource::File(default_authkey),
        })
    }

    /// What is in force, one line each: logged at start.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "transport {} secauth {} threads {} netmtu {} rrp_mode {}",
            self.transport,
            if self.secauth { "on" } else { "off" },
            self.threads,
            self.netmtu,
            self.rrp_mode.name()
        )];
        if self.rrp_mode != RrpMode::None {
            lines.push(format!(
                "{} rings; rrp token expired timeout ({} ms) problem count threshold ({}) \
                 problem count timeout ({} ms)",
                self.interfaces.len(),
                self.rrp.token_expired_timeout,
                self.rrp.problem_count_threshold,
                self.rrp.problem_count_timeout
            ));
        }
        lines.extend(self.timeouts.describe());
        lines
    }

    /// Logs [`TotemConfig::describe`] under the `TOTEM` subsystem.
    pub fn log_in_force(&self) {
        for line in self.describe() {
            log::info!(target: "TOTEM", "{line}");
        }
    }
}

/// An interface as read, with the lines needed to blame its keys.
struct RawInterface {
    line: u32,
    ringnumber: u32,
    bindnetaddr: (IpAddr, u32),
    mcastaddr: Option<(IpAddr, u32)>,
    mcastport: u16,
    /// Members written inside this interface section.
    members: Vec<(IpAddr, u32)>,
}

/// Reads `totem { }` and, when present, the flat `timeout { }` section.
pub(crate) fn read(
    ctx: &mut Ctx<'_>,
    totem: &Section,
    timeout: Option<&Section>,
) -> Result<TotemConfig, ConfigError> {
    check_subsections(ctx, totem, &["interface", "member"])?;
    if let Some(t) = timeout {
        check_subsections(ctx, t, &[])?;
    }
    let mut keys = Keys::new(totem);
    let at = |ctx: &Ctx<'_>, e: &Entry, kind| ctx.error(e.line, kind);

    match keys.get(ctx, "version") {
        None => {
            return Err(ctx.error(
                totem.line,
                ConfigErrorKind::MissingKey {
                    section: "totem",
                    key: "version",
                },
            ))
        }
        Some(e) if e.value != "2" => {
            return Err(at(
                ctx,
                e,
                ConfigErrorKind::UnsupportedVersion(e.value.clone()),
            ))
        }
        Some(_) => {}
    }

    let secauth = match keys.get(ctx, "secauth") {
        Some(e) => value::boolean(e).map_err(|k| at(ctx, e, k))?,
        None => true,
    };
    let nodeid = match keys.get(ctx, "nodeid") {
        Some(e) => match value::number_u32(e, 0, u32::MAX).map_err(|k| at(ctx, e, k))? {
            0 => return Err(at(ctx, e, ConfigErrorKind::NodeidZero)),
            id => Some(id),
        },
        None => None,
    };
    let clear_node_high_bit = match keys.get(ctx, "clear_node_high_bit") {
        Some(e) => value::boolean(e).map_err(|k| at(ctx, e, k))?,
        None => false,
    };
    let threads = match keys.get(ctx, "threads") {
        Some(e) => value::number_u32(e, 0, MAX_THREADS).map_err(|k| at(ctx, e, k))?,
        None => 0,
    };
    let netmtu = match keys.get(ctx, "netmtu") {
        Some(e) => {
            value::number_u32(e, NETMTU_RANGE.0, NETMTU_RANGE.1).map_err(|k| at(ctx, e, k))?
        }
        None => DEFAULT_NETMTU,
    };
    let transport = match keys.get(ctx, "transport") {
        Some(e) => value::choice(
            e,
            &[("udp", Transport::Udp), ("udpu", Transport::Udpu)],
            "udp or udpu",
        )
        .map_err(|k| at(ctx, e, k))?,
        None => Transport::Udp,
    };
    let rrp_mode = match keys.get(ctx, "rrp_mode") {
        Some(e) => value::choice(
            e,
            &[
                ("none", RrpMode::None),
                ("active", RrpMode::Active),
                ("passive", RrpMode::Passive),
            ],
            "none, active or passive",
        )
        .map_err(|k| at(ctx, e, k))?,
        None => RrpMode::None,
    };
    let keyfile = keys.get(ctx, "keyfile").map(|e| PathBuf::from(&e.value));
    let key = keys
        .get(ctx, "key")
        .map(|e| InlineKey(e.value.as_bytes().to_vec()));
    keys.no_effect(ctx, &["vsftype", "heartbeat_failures_allowed"]);

    let mut timeout_keys = timeout.map(Keys::new);
    let timeouts = timeouts::read(ctx, &mut keys, timeout_keys.as_mut(), u64::from(netmtu))?;
    if let Some(k) = timeout_keys {
        k.finish(ctx);
    }
    let rrp = rrp::read(ctx, &mut keys, &timeouts)?;

    let mut interfaces = Vec::new();
    let mut members = Vec::new();
    // The form of openais's first releases: the interface's keys written
    // directly in `network { }`, for ring 0.
    if let Some(flat) = read_interface_keys(ctx, &mut keys, totem.line, true)? {
        interfaces.push(flat);
    }
    keys.finish(ctx);

    for sub in &totem.sections {
        match sub.name.as_str() {
            "interface" => {
                check_subsections(ctx, sub, &["member"])?;
                let mut ikeys = Keys::new(sub);
                if let Some(mut iface) = read_interface_keys(ctx, &mut ikeys, sub.line, false)? {
                    // corosync's later form puts a ring's members inside
                    // its interface.
                    for m in &sub.sections {
                        iface.members.push(read_member(ctx, m)?);
                    }
                    interfaces.push(iface);
                }
                ikeys.finish(ctx);
            }
            _ => members.push(read_member(ctx, sub)?),
        }
    }

    let mut config = TotemConfig {
        secauth,
        nodeid,
        clear_node_high_bit,
        threads: if secauth { threads } else { 0 },
        netmtu,
        transport,
        rrp_mode,
        rrp,
        interfaces: Vec::new(),
        members: Vec::new(),
        keyfile,
        key,
        timeouts,
    };
    validate(ctx, totem, &mut config, interfaces, members)?;
    Ok(config)
}

/// Reads ringnumber/bindnetaddr/mcastaddr/mcastport. With `optional`, a
/// section holding none of them yields `None` instead of an error.
fn read_interface_keys(
    ctx: &mut Ctx<'_>,
    keys: &mut Keys<'_>,
    line: u32,
    optional: bool,
) -> Result<Option<RawInterface>, ConfigError> {
    let ring = keys.get(ctx, "ringnumber");
    let bind = keys.get(ctx, "bindnetaddr");
    let mcast = keys.get(ctx, "mcastaddr");
    let port = keys.get(ctx, "mcastport");
    if optional && bind.is_none() && mcast.is_none() && port.is_none() {
        return Ok(None);
    }
    let at = |ctx: &Ctx<'_>, e: &Entry, kind| ctx.error(e.line, kind);
    let ringnumber = match ring {
        Some(e) => value::number_u32(e, 0, MAX_RINGS - 1).map_err(|k| at(ctx, e, k))?,
        None => 0,
    };
    let Some(bind) = bind else {
        return Err(ctx.error(
            line,
            ConfigErrorKind::MissingKey {
                section: "interface",
                key: "bindnetaddr",
            },
        ));
    };
    let bindnetaddr = (
        value::address(bind).map_err(|k| at(ctx, bind, k))?,
        bind.line,
    );
    let mcastaddr = match mcast {
        Some(e) => Some((value::address(e).map_err(|k| at(ctx, e, k))?, e.line)),
        None => None,
    };
    let mcastport = match port {
        Some(e) => value::number_u32(e, 1, u32::from(u16::MAX)).map_err(|k| at(ctx, e, k))?,
        None => u32::from(DEFAULT_MCASTPORT),
    };
    Ok(Some(RawInterface {
        line,
        ringnumber,
        bindnetaddr,
        mcastaddr,
        mcastport: u16::try_from(mcastport).unwrap_or(DEFAULT_MCASTPORT),
        members: Vec::new(),
    }))
}

fn read_member(ctx: &mut Ctx<'_>, section: &Section) -> Result<(IpAddr, u32), ConfigError> {
    check_subsections(ctx, section, &[])?;
    let mut keys = Keys::new(section);
    let Some(e) = keys.get(ctx, "memberaddr") else {
        return Err(ctx.error(
            section.line,
            ConfigErrorKind::MissingKey {
                section: "member",
                key: "memberaddr",
            },
        ));
    };
    let addr = value::address(e).map_err(|k| ctx.error(e.line, k))?;
    keys.finish(ctx);
    Ok((addr, e.line))
}

/// The checks that need the whole section: rings, transport, families.
fn validate(
    ctx: &mut Ctx<'_>,
    totem: &Section,
    config: &mut TotemConfig,
    mut interfaces: Vec<RawInterface>,
    members: Vec<(IpAddr, u32)>,
) -> Result<(), ConfigError> {
    if interfaces.is_empty() {
        return Err(ctx.error(totem.line, ConfigErrorKind::MissingSection("interface")));
    }
    interfaces.sort_by_key(|i| (i.ringnumber, i.line));
    for pair in interfaces.windows(2) {
        if pair[0].ringnumber == pair[1].ringnumber {
            let (first, second) = if pair[0].line < pair[1].line {
                (&pair[0], &pair[1])
            } else {
                (&pair[1], &pair[0])
            };
            return Err(ctx.error(
                second.line,
                ConfigErrorKind::DuplicateRing {
                    ring: second.ringnumber,
                    first_line: first.line,
                },
            ));
        }
    }
    if let Some(gap) = interfaces
        .iter()
        .enumerate()
        .find(|(i, iface)| u32::try_from(*i).ok() != Some(iface.ringnumber))
    {
        let (i, iface) = gap;
        return Err(ctx.error(
            iface.line,
            ConfigErrorKind::RingGap {
                ring: iface.ringnumber,
                missing: u32::try_from(i).unwrap_or(0),
            },
        ));
    }
    if interfaces.len() < 2 && config.rrp_mode != RrpMode::None {
        return Err(ctx.error(
            interfaces[0].line,
            ConfigErrorKind::TooFewInterfaces {
                mode: config.rrp_mode.name(),
            },
        ));
    }
    if interfaces.len() > 1 && config.rrp_mode == RrpMode::None {
        let line = interfaces
            .iter()
            .map(|i| i.line)
            .max()
            .unwrap_or(totem.line);
        return Err(ctx.error(
            line,
            ConfigErrorKind::TooManyInterfaces {
                count: interfaces.len(),
            },
        ));
    }

    let ring0 = interfaces[0].bindnetaddr.0;
    for iface in &interfaces {
        let (bind, bind_line) = iface.bindnetaddr;
        if bind.is_ipv4() != ring0.is_ipv4() {
            return Err(ctx.error(
                bind_line,
                ConfigErrorKind::FamilyMismatch {
                    what: "bindnetaddr",
                    addr: bind,
                    bindnet: ring0,
                },
            ));
        }
        if bind.is_ipv6() && config.nodeid.is_none() {
            return Err(ctx.error(bind_line, ConfigErrorKind::Ipv6RequiresNodeid));
        }
        match (config.transport, iface.mcastaddr) {
            (Transport::Udp, None) => {
                return Err(ctx.error(
                    iface.line,
                    ConfigErrorKind::MissingKey {
                        section: "interface",
                        key: "mcastaddr",
                    },
                ))
            }
            (Transport::Udp, Some((mcast, line))) => {
                if mcast.is_ipv4() != bind.is_ipv4() {
                    return Err(ctx.error(
                        line,
                        ConfigErrorKind::FamilyMismatch {
                            what: "mcastaddr",
                            addr: mcast,
                            bindnet: bind,
                        },
                    ));
                }
                if !mcast.is_multicast() {
                    return Err(ctx.error(line, ConfigErrorKind::NotMulticast(mcast)));
                }
            }
            (Transport::Udpu, Some((_, line))) => ctx.warn(line, WarningKind::McastaddrUnused),
            (Transport::Udpu, None) => {}
        }
    }

    // Members written directly in `totem { }` belong to ring 0.
    let mut members = members;
    members.append(&mut interfaces[0].members);
    members.sort_by_key(|&(_, line)| line);
    interfaces[0].members = members;
    if config.transport == Transport::Udpu {
        for iface in &interfaces {
            if iface.members.is_empty() {
                let (line, kind) = if iface.ringnumber == 0 {
                    (totem.line, ConfigErrorKind::NoMembers)
                } else {
                    (
                        iface.line,
                        ConfigErrorKind::RingWithoutMembers {
                            ring: iface.ringnumber,
                        },
                    )
                };
                return Err(ctx.error(line, kind));
            }
        }
    }
    for &(addr, line) in interfaces.iter().flat_map(|i| &i.members) {
        if addr.is_ipv4() != ring0.is_ipv4() {
            return Err(ctx.error(
                line,
                ConfigErrorKind::FamilyMismatch {
                    what: "memberaddr",
                    addr,
                    bindnet: ring0,
                },
            ));
        }
    }

    config.members = interfaces[0].members.iter().map(|&(a, _)| a).collect();
    config.interfaces = interfaces
        .into_iter()
        .map(|i| Interface {
            ringnumber: i.ringnumber,
            bindnetaddr: i.bindnetaddr.0,
            mcastaddr: match config.transport {
                Transport::Udp => i.mcastaddr.map(|(a, _)| a),
                Transport::Udpu => None,
            },
            mcastport: i.mcastport,
            members: match config.transport {
                Transport::Udp => Vec::new(),
                Transport::Udpu => i.members.iter().map(|&(a, _)| a).collect(),
            },
        })
        .collect();
    Ok(())
}

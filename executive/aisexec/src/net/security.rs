//! What every datagram goes through between Totem and the socket: the
//! sender's node id and its replay stamp (incarnation and counter, see
//! [`super::replay`]) are prepended, the whole is sealed with
//! [`PacketSecurity`] (`secauth: on`: encrypted and authenticated under the
//! authkey; `off`: digested only, to catch corruption), and the reverse on
//! receipt. Datagrams that fail, replays included, are counted and
//! dropped; `invalid digest` is logged at most once per
//! [`DIGEST_LOG_WINDOW`], with a count.
//!
//! The sealed plaintext is `sender id (u32) | incarnation (u64) | counter
//! (u64) | Totem packet`, little-endian; the seal's version (2) names this
//! layout, so a processor of the earlier layout reports an unsupported
//! version instead of misreading it.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use log::warn;
use totem::crypto::{OpenError, PacketSecurity, AUTHKEY_LEN, NONCE_LEN, OVERHEAD};

use super::replay::{Accepted, ReplayGuard, Stamp};
use crate::config::{read_limited, KeySource, LimitedReadError, TotemConfig};
use crate::ipc::rate_limit::RateLimit;
use crate::ordering::NodeId;

/// Bytes of the sender's node id before the Totem packet.
pub const SENDER_LEN: usize = 4;
/// Bytes of the replay stamp (incarnation, counter) after the sender id.
pub const STAMP_LEN: usize = 16;
/// Bytes a datagram carries beyond the Totem packet.
pub const FRAMING_OVERHEAD: usize = OVERHEAD + SENDER_LEN + STAMP_LEN;
/// How often a stream of bad datagrams is logged.
pub const DIGEST_LOG_WINDOW: Duration = Duration::from_secs(10);

/// Why the packet security could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum KeyLoadError {
    #[error(
        "cannot read the authkey {path}: {source} (secauth is on: create the key with \
         ais-keygen, copy it to every node, or set secauth: off)"
    )]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "the authkey {path} is {len} bytes long, {AUTHKEY_LEN} are required \
         (generate one with ais-keygen)"
    )]
    FileLength { path: PathBuf, len: usize },
    /// Only the key's length is read: a longer file (or a device that
    /// never ends) is refused without reading the rest.
    #[error(
        "the authkey {path} is longer than the {AUTHKEY_LEN} bytes required \
         (generate one with ais-keygen)"
    )]
    FileTooLong { path: PathBuf },
    #[error("totem key: is {len} bytes long, {AUTHKEY_LEN} are required")]
    InlineLength { len: usize },
}

/// The packet security `totem { }` asks for: keyed by the authkey
/// (`keyfile:`, `key:`, or `default_authkey`) with `secauth: on`,
/// integrity only with `secauth: off`.
pub fn load_security(
    totem: &TotemConfig,
    default_authkey: &Path,
) -> Result<PacketSecurity, KeyLoadError> {
    match totem.key_source(default_authkey) {
        None => Ok(PacketSecurity::integrity_only()),
        Some(KeySource::Inline(key)) => PacketSecurity::from_authkey(key)
            .map_err(|_| KeyLoadError::InlineLength { len: key.len() }),
        Some(KeySource::File(path)) => {
            let key = match read_limited(path, AUTHKEY_LEN as u64) {
                Ok(key) => zeroize::Zeroizing::new(key),
                Err(LimitedReadError::Io(source)) => {
                    return Err(KeyLoadError::Read {
                        path: path.to_path_buf(),
                        source,
                    })
                }
                Err(LimitedReadError::TooLarge { .. }) => {
                    return Err(KeyLoadError::FileTooLong {
                        path: path.to_path_buf(),
                    })
                }
            };
            PacketSecurity::from_authkey(&key).map_err(|_| KeyLoadError::FileLength {
                path: path.to_path_buf(),
                len: key.len(),
            })
        }
    }
}

/// Counters of datagrams refused before Totem saw them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FramingStats {
    /// Digest mismatch: another authkey, a forgery or corruption.
    pub invalid_digest: u64,
    /// The sender runs the other `secauth` mode.
    pub mode_mismatch: u64,
    /// Too short, unknown version or flags, no room for a sender id and
    /// stamp, or sender id 0.
    pub malformed: u64,
    /// Accepted from its sender before (on the same network), or older
    /// than the replay window.
    pub replayed: u64,
    /// Copies of a datagram already accepted through another network.
    pub copies: u64,
    /// From an earlier incarnation of its sender.
    pub old_incarnation: u64,
}

/// An opened datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened<'a> {
    pub sender: NodeId,
    pub packet: &'a [u8],
    /// Whether to deliver it (the first copy) and whether it may move the
    /// sender's route on the network it came by.
    pub accepted: Accepted,
}

/// This start's incarnation: the wall clock in microseconds, so a
/// restarted processor's is higher than its previous life's (a clock that
/// stepped back is covered by [`super::replay::FORGET_AFTER`]).
pub fn incarnation_now() -> u64 {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros());
    u64::try_from(micros).unwrap_or(u64::MAX)
}

/// Seals outgoing and opens incoming datagrams of one processor.
#[derive(Debug)]
pub struct Framing {
    security: PacketSecurity,
    me: NodeId,
    plain: Vec<u8>,
    stats: FramingStats,
    digest_log: RateLimit,
    mismatch_log: RateLimit,
    random_log: RateLimit,
    replay_log: RateLimit,
    /// Counts the nonces made without the random source.
    nonce_counter: u32,
    incarnation: u64,
    /// Datagrams sealed in this incarnation.
    sealed: u64,
    replay: ReplayGuard,
}

impl Framing {
    /// `incarnation` must grow from one start of this processor to the
    /// next ([`incarnation_now`]).
    pub fn new(security: PacketSecurity, me: NodeId, incarnation: u64) -> Framing {
        Framing::with_rings(security, me, incarnation, 1)
    }

    /// A framing for datagrams arriving on `rings` redundant networks.
    pub fn with_rings(
        security: PacketSecurity,
        me: NodeId,
        incarnation: u64,
        rings: usize,
    ) -> Framing {
        Framing {
            security,
            me,
            plain: Vec::with_capacity(64 * 1024),
            stats: FramingStats::default(),
            digest_log: RateLimit::new(DIGEST_LOG_WINDOW, 1),
            mismatch_log: RateLimit::new(DIGEST_LOG_WINDOW, 1),
            random_log: RateLimit::new(DIGEST_LOG_WINDOW, 1),
            replay_log: RateLimit::new(DIGEST_LOG_WINDOW, 1),
            nonce_counter: 0,
            incarnation,
            sealed: 0,
            replay: ReplayGuard::new(rings),
        }
    }

    pub fn stats(&self) -> FramingStats {
        let replay = self.replay.stats();
        FramingStats {
            replayed: replay.replayed,
            copies: replay.copies,
            old_incarnation: replay.old_incarnation,
            ..self.stats
        }
    }

    /// The datagram carrying `packet` from this processor, in `out`.
    pub fn seal(&mut self, packet: &[u8], out: &mut Vec<u8>) {
        // 2^64 datagrams are never sent in one life.
        self.sealed = self.sealed.saturating_add(1);
        self.plain.clear();
        self.plain.extend_from_slice(&self.me.to_le_bytes());
        self.plain
            .extend_from_slice(&self.incarnation.to_le_bytes());
        self.plain.extend_from_slice(&self.sealed.to_le_bytes());
        self.plain.extend_from_slice(packet);
        let mut nonce = [0u8; NONCE_LEN];
        if let Err(e) = getrandom::fill(&mut nonce) {
            // getrandom(2) does not fail once the pool is initialised.
            if let Some(n) = self.random_log.check(Instant::now()) {
                warn!(target: "TOTEM",
                    "random source failed ({e}); using unique counter nonces ({n} more since the last report)");
            }
            nonce = self.fallback_nonce();
        }
        self.security.seal(nonce, &self.plain, out);
    }

    /// A nonce without the random source that still never repeats under
    /// the cluster's key: the clock, this node's id (no two nodes share
    /// one) and a per-node counter (no two packets of this node share one
    /// before it wraps, 2^32 packets later, by when the clock has moved).
    fn fallback_nonce(&mut self) -> [u8; NONCE_LEN] {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let nanos = u64::try_from(nanos).unwrap_or(u64::MAX);
        self.nonce_counter = self.nonce_counter.wrapping_add(1);
        let mut nonce = [0u8; NONCE_LEN];
        nonce[..8].copy_from_slice(&nanos.to_le_bytes());
        nonce[8..12].copy_from_slice(&self.me.to_le_bytes());
        nonce[12..].copy_from_slice(&self.nonce_counter.to_le_bytes());
        nonce
    }

    /// Opens a received datagram: its sender, the Totem packet and how
    /// fresh it is, or `None` (counted, and logged at a rate limit) for
    /// one that fails the seal or is a replay.
    pub fn open(&mut self, datagram: &[u8], from: std::net::SocketAddr) -> Option<Opened<'_>> {
        self.open_on(0, datagram, from)
    }

    /// [`Framing::open`] for a datagram that arrived on network `ring`.
    pub fn open_on(
        &mut self,
        ring: usize,
        datagram: &[u8],
        from: std::net::SocketAddr,
    ) -> Option<Opened<'_>> {
        match self.security.open(datagram, &mut self.plain) {
            Ok(()) => {}
            Err(OpenError::InvalidDigest) => {
                self.stats.invalid_digest += 1;
                if let Some(suppressed) = self.digest_log.check(Instant::now()) {
                    warn!(target: "TOTEM",
                        "Received message has invalid digest... ignoring (from {from}; \
                         {} more since the last report, {} in all).",
                        suppressed, self.stats.invalid_digest);
                }
                return None;
            }
            Err(e @ OpenError::ModeMismatch { .. }) => {
                self.stats.mode_mismatch += 1;
                if let Some(suppressed) = self.mismatch_log.check(Instant::now()) {
                    warn!(target: "TOTEM",
                        "dropping a packet from {from}: {e} ({suppressed} more since the last report)");
                }
                return None;
            }
            Err(_) => {
                self.stats.malformed += 1;
                return None;
            }
        }
        let Some((id, rest)) = self.plain.split_first_chunk::<SENDER_LEN>() else {
            self.stats.malformed += 1;
            return None;
        };
        let Some((stamp, packet)) = rest.split_first_chunk::<STAMP_LEN>() else {
            self.stats.malformed += 1;
            return None;
        };
        let sender = u32::from_le_bytes(*id);
        if sender == 0 {
            self.stats.malformed += 1;
            return None;
        }
        let (incarnation, counter) = stamp.split_at(8);
        let stamp = Stamp {
            incarnation: u64::from_le_bytes(incarnation.try_into().ok()?),
            counter: u64::from_le_bytes(counter.try_into().ok()?),
        };
        let now = Instant::now();
        match self.replay.check(sender, ring, stamp, now) {
            Ok(accepted) => Some(Opened {
                sender,
                packet,
                accepted,
            }),
            Err(e) => {
                if let Some(suppressed) = self.replay_log.check(now) {
                    let s = self.replay.stats();
                    warn!(target: "TOTEM",
                        "dropping a replayed packet of processor {sender} from {from}: {e} \
                         ({suppressed} more since the last report; {} replayed, {} of an \
                         earlier incarnation in all)",
                        s.replayed, s.old_incarnation);
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::net::SocketAddr;

    fn addr() -> SocketAddr {
        "127.0.0.2:5405".parse().unwrap()
    }

    #[test]
    fn round_trip_carries_the_sender() {
        let key = [7u8; AUTHKEY_LEN];
        let mut a = Framing::new(PacketSecurity::from_authkey(&key).unwrap(), 11, 1);
        let mut b = Framing::new(PacketSecurity::from_authkey(&key).unwrap(), 22, 1);
        let mut wire = Vec::new();
        a.seal(b"totem packet", &mut wire);
        assert_eq!(wire.len(), b"totem packet".len() + FRAMING_OVERHEAD);
        let opened = b.open(&wire, addr()).unwrap();
        assert_eq!(opened.sender, 11);
        assert_eq!(opened.packet, b"totem packet");
        assert_eq!(opened.accepted, Accepted::NEWEST);
    }

    #[test]
    fn other_key_mode_and_garbage_are_counted() {
        let mut a = Framing::new(
            PacketSecurity::from_authkey(&[1u8; AUTHKEY_LEN]).unwrap(),
            1,
            1,
        );
        let mut b = Framing::new(
            PacketSecurity::from_authkey(&[2u8; AUTHKEY_LEN]).unwrap(),
            2,
            1,
        );
        let mut off = Framing::new(PacketSecurity::integrity_only(), 3, 1);
        let mut wire = Vec::new();
        a.seal(b"x", &mut wire);
        assert!(b.open(&wire, addr()).is_none());
        assert!(off.open(&wire, addr()).is_none());
        assert!(b.open(b"short", addr()).is_none());
        // A well-sealed datagram too short to name its sender.
        let mut raw = Vec::new();
        PacketSecurity::integrity_only().seal([0; NONCE_LEN], b"ab", &mut raw);
        assert!(off.open(&raw, addr()).is_none());
        assert_eq!(b.stats().invalid_digest, 1);
        assert_eq!(b.stats().malformed, 1);
        assert_eq!(off.stats().mode_mismatch, 1);
        assert_eq!(off.stats().malformed, 1);
    }

    #[test]
    fn a_replayed_datagram_from_another_address_is_refused() {
        let key = [7u8; AUTHKEY_LEN];
        let mut a = Framing::new(PacketSecurity::from_authkey(&key).unwrap(), 11, 1);
        let mut b = Framing::new(PacketSecurity::from_authkey(&key).unwrap(), 22, 1);
        let mut wire = Vec::new();
        a.seal(b"token", &mut wire);
        assert!(b.open(&wire, addr()).is_some());
        let attacker: SocketAddr = "127.0.0.9:5405".parse().unwrap();
        assert!(b.open(&wire, attacker).is_none(), "a replay was opened");
        assert_eq!(b.stats().replayed, 1);
    }

    #[test]
    fn a_restarted_sender_is_heard_and_its_earlier_life_is_not() {
        let off = PacketSecurity::integrity_only;
        let mut old = Framing::new(off(), 11, 100);
        let mut b = Framing::new(off(), 22, 1);
        let (mut first, mut second) = (Vec::new(), Vec::new());
        old.seal(b"1", &mut first);
        old.seal(b"2", &mut second);
        assert!(b.open(&first, addr()).is_some());
        let mut new = Framing::new(off(), 11, 200);
        let mut wire = Vec::new();
        new.seal(b"again", &mut wire);
        assert_eq!(b.open(&wire, addr()).unwrap().accepted, Accepted::NEWEST);
        // The earlier life's datagram never seen before is refused too.
        assert!(b.open(&second, addr()).is_none());
        assert_eq!(b.stats().old_incarnation, 1);
    }

    #[test]
    fn fallback_nonces_differ_per_packet_and_per_node() {
        let mut a = Framing::new(PacketSecurity::integrity_only(), 11, 1);
        let mut b = Framing::new(PacketSecurity::integrity_only(), 22, 1);
        let a1 = a.fallback_nonce();
        let a2 = a.fallback_nonce();
        let b1 = b.fallback_nonce();
        assert_ne!(a1, a2);
        assert_ne!(a1[8..], b1[8..], "node id and counter part");
        assert_eq!(a1[8..12], 11u32.to_le_bytes());
    }

    #[test]
    fn key_sources() {
        let dir = tempfile::tempdir().unwrap();
        let text = "totem {\n version: 2\n transport: udpu\n interface {\n \
                    bindnetaddr: 127.0.0.1\n }\n member {\n memberaddr: 127.0.0.1\n }\n}\n";
        let totem = crate::config::parse(text, "t.conf").unwrap().totem;
        let missing = dir.path().join("none");
        assert!(matches!(
            load_security(&totem, &missing),
            Err(KeyLoadError::Read { .. })
        ));
        let short = dir.path().join("short");
        fs::write(&short, [0u8; 16]).unwrap();
        let err = load_security(&totem, &short).unwrap_err();
        assert!(matches!(err, KeyLoadError::FileLength { len: 16, .. }));
        assert!(err.to_string().contains("128"));
        let good = dir.path().join("authkey");
        fs::write(&good, [5u8; AUTHKEY_LEN]).unwrap();
        let sec = load_security(&totem, &good).unwrap();
        // one byte too many, or a device without end: refused, promptly
        let long = dir.path().join("long");
        fs::write(&long, [5u8; AUTHKEY_LEN + 1]).unwrap();
        assert!(matches!(
            load_security(&totem, &long),
            Err(KeyLoadError::FileTooLong { .. })
        ));
        let started = Instant::now();
        let err = load_security(&totem, Path::new("/dev/zero")).unwrap_err();
        assert!(matches!(err, KeyLoadError::FileTooLong { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(sec.mode(), totem::crypto::SecAuth::On);
        let off = crate::config::parse(
            &text.replace("version: 2", "version: 2\n secauth: off"),
            "t",
        )
        .unwrap()
        .totem;
        assert_eq!(
            load_security(&off, &missing).unwrap().mode(),
            totem::crypto::SecAuth::Off
        );
    }
}

//! The interface between the Totem state machine and whatever drives it.
//!
//! Everything here is plain data; the driver (event loop, test, simulator)
//! and the protocol agree on nothing else.

use std::fmt;

/// A processor identifier: `nodeid:` from the configuration, or the IPv4
/// interface address read as a little-endian u32. Never 0.
pub type NodeId = u32;

/// Monotonic time in microseconds, supplied by the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Time(pub u64);

impl Time {
    pub const fn from_millis(ms: u64) -> Time {
        Time(ms * 1000)
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    pub const fn add_millis(self, ms: u64) -> Time {
        Time(self.0 + ms * 1000)
    }
}

/// A ring identifier: the representative (lowest node id of the ring) and
/// the ring sequence number. Ring sequence numbers step by 4, as openais's
/// do; the driver persists the highest one seen so a restarted processor
/// never reuses a ring id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RingId {
    pub rep: NodeId,
    pub seq: u64,
}

impl fmt::Display for RingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.rep, self.seq)
    }
}

/// Delivery guarantee requested for a multicast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Guarantee {
    /// Delivered in agreed (total) order as soon as every earlier message
    /// has been delivered.
    Agreed,
    /// Delivered in agreed order, and only once every member of the
    /// configuration is known to have received it.
    Safe,
}

/// The timers Totem uses. Each kind has at most one pending deadline; a new
/// `SetTimer` of a kind replaces the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimerKind {
    /// `token`: no token seen for this long means the token is lost.
    TokenLoss,
    /// `token_retransmit`: resend the last token we forwarded.
    TokenRetransmit,
    /// `hold`: hold the token this long when there is nothing to send.
    TokenHold,
    /// `join`: resend our join message while gathering.
    Join,
    /// `consensus`: give up waiting for consensus in GATHER or COMMIT.
    Consensus,
    /// `merge`: the representative's merge-detect interval.
    MergeDetect,
    /// `downcheck`: retry forming a ring after a failed attempt.
    Downcheck,
}

/// Where a packet goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dest {
    /// Every processor on the network (multicast, or unicast to every
    /// configured member with `udpu`).
    Multicast,
    /// One processor (tokens, commit tokens).
    Node(NodeId),
}

/// Protocol timeouts and limits, in milliseconds and counts, as named in
/// `openais.conf`. Defaults are openais 0.80's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub token: u64,
    pub token_retransmit: u64,
    pub hold: u64,
    pub token_retransmits_before_loss_const: u32,
    pub join: u64,
    pub send_join: u64,
    pub consensus: u64,
    pub merge: u64,
    pub downcheck: u64,
    pub fail_recv_const: u32,
    pub seqno_unchanged_const: u32,
    pub max_network_delay: u64,
    pub window_size: u32,
    pub max_messages: u32,
    /// Largest packet (after Totem's own header) the network carries.
    pub netmtu: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token: 1000,
            token_retransmit: 238,
            hold: 180,
            token_retransmits_before_loss_const: 4,
            join: 50,
            send_join: 0,
            consensus: 800,
            merge: 200,
            downcheck: 1000,
            fail_recv_const: 50,
            seqno_unchanged_const: 30,
            max_network_delay: 50,
            window_size: 50,
            max_messages: 17,
            netmtu: 1500,
        }
    }
}

/// Something that happened to the processor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A datagram arrived (already authenticated and decrypted by the
    /// transport). `from` is the sender's node id as the transport knows it.
    Packet { from: NodeId, bytes: Vec<u8> },
    /// A timer set earlier with [`Output::SetTimer`] expired.
    TimerFired(TimerKind),
    /// The layer above asks to multicast `payload` to the ring.
    Mcast {
        payload: Vec<u8>,
        guarantee: Guarantee,
    },
}

/// Kind of a configuration change, as extended virtual synchrony defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfChgKind {
    /// The members of the old configuration that move together into the
    /// new one; delivered before the messages of the old ring that could
    /// not be delivered in it and before the regular configuration.
    Transitional,
    /// The new ring's full membership.
    Regular,
}

/// A configuration change delivered to the layer above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfChg {
    pub kind: ConfChgKind,
    pub ring_id: RingId,
    /// Sorted ascending.
    pub members: Vec<NodeId>,
    /// Sorted ascending.
    pub left: Vec<NodeId>,
    /// Sorted ascending.
    pub joined: Vec<NodeId>,
}

/// Something the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Send { to: Dest, bytes: Vec<u8> },
    SetTimer(TimerKind, Time),
    CancelTimer(TimerKind),
    Deliver { from: NodeId, payload: Vec<u8> },
    ConfChg(ConfChg),
}

/// Why a multicast request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McastError {
    /// The send queue is full, or the configuration is changing: the
    /// caller retries later (SA_AIS_ERR_TRY_AGAIN at the library).
    QueueFull,
    /// The payload is larger than one Totem message may carry.
    TooLarge,
}

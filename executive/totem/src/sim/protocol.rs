//! What the simulator needs from a protocol instance.
//!
//! The simulator drives [`crate::Srp`] through this trait. Keeping the
//! simulator generic lets its own tests run it over deliberately broken
//! protocols, to show that the checker catches each kind of violation.

use crate::api::{Config, Guarantee, Input, McastError, NodeId, Output, Time};

/// One processor's protocol instance, as a driver sees it.
pub trait Protocol: Sized {
    /// Starts a processor with the ring sequence number it persisted
    /// (0 on first start).
    fn start(cfg: &Config, me: NodeId, ring_seq: u64, now: Time) -> (Self, Vec<Output>);
    /// Feeds one input; returns what the driver must do.
    fn handle(&mut self, now: Time, input: Input) -> Vec<Output>;
    /// Asks to multicast `payload`; on success returns the outputs, as
    /// `handle(Input::Mcast)` would, and the payload is accepted.
    fn mcast(
        &mut self,
        now: Time,
        payload: Vec<u8>,
        guarantee: Guarantee,
    ) -> Result<Vec<Output>, McastError>;
    /// True when a multicast now would be refused (the client retries).
    fn queue_full(&self) -> bool;
    /// Multicasts accepted and not yet sent.
    fn queued(&self) -> usize;
    /// Graceful leave: announces the departure; the instance is dropped
    /// after its outputs are carried out.
    fn leave(&mut self, now: Time) -> Vec<Output>;
    /// The highest ring sequence number seen, which the driver persists.
    fn ring_seq_high(&self) -> u64;
    /// The largest payload one multicast may carry.
    fn max_payload(&self) -> usize;
    /// A one-line summary of the protocol state for traces
    /// (state, ring, members).
    fn summary(&self) -> String;
    /// A one-line description of a packet for traces.
    /// The longest an encoded packet may be on a network of `netmtu`-byte
    /// frames; a longer one travels as IP fragments.
    fn max_packet_len(_bytes: &[u8], netmtu: usize) -> usize {
        netmtu
    }

    fn describe_packet(bytes: &[u8]) -> String {
        bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

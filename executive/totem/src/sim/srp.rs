//! The simulator drives the real Totem state machine.

use super::protocol::Protocol;
use crate::api::{Config, Guarantee, Input, McastError, NodeId, Output, Time};
use crate::srp::Srp;
use crate::wire::Packet;

impl Protocol for Srp {
    fn start(cfg: &Config, me: NodeId, ring_seq: u64, now: Time) -> (Self, Vec<Output>) {
        Srp::new(cfg.clone(), me, ring_seq, now)
    }

    fn handle(&mut self, now: Time, input: Input) -> Vec<Output> {
        Srp::handle(self, now, input)
    }

    fn mcast(
        &mut self,
        now: Time,
        payload: Vec<u8>,
        guarantee: Guarantee,
    ) -> Result<Vec<Output>, McastError> {
        Srp::mcast(self, now, payload, guarantee)
    }

    fn queue_full(&self) -> bool {
        Srp::queue_full(self)
    }

    fn queued(&self) -> usize {
        Srp::queued(self)
    }

    fn leave(&mut self, now: Time) -> Vec<Output> {
        Srp::leave(self, now)
    }

    fn ring_seq_high(&self) -> u64 {
        Srp::ring_seq_high(self)
    }

    fn max_payload(&self) -> usize {
        Srp::max_payload(self)
    }

    fn max_packet_len(bytes: &[u8], netmtu: usize) -> usize {
        Packet::max_encoded_len(bytes, netmtu)
    }

    fn describe_packet(bytes: &[u8]) -> String {
        match Packet::decode(bytes) {
            Ok(Packet::Mcast(m)) => {
                let origin = m
                    .origin
                    .map(|o| format!(" recovered from {o:?}"))
                    .unwrap_or_default();
                format!(
                    "Mcast ring {} seq {} sender {} {:?} {}B{origin}",
                    m.ring,
                    m.seq,
                    m.sender,
                    m.guarantee,
                    m.payload.len()
                )
            }
            Ok(p) => format!("{p:?}"),
            Err(e) => format!("undecodable: {e:?}"),
        }
    }

    fn summary(&self) -> String {
        format!(
            "{:?} ring {} members {:?}",
            self.state(),
            self.ring_id(),
            self.members()
        )
    }
}

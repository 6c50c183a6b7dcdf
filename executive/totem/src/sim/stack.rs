//! The simulator drives the executive's whole ordering stack: the Totem
//! state machine, the process-group layer and the glue between them
//! ([`Stack`]), with the events it queues for the layer above taken as
//! soon as each input is handled.

use super::protocol::Protocol;
use crate::api::{Config, Guarantee, Input, McastError, NodeId, Output, Time};
use crate::srp::Srp;
use crate::stack::{Event, Stack};

/// How many Totem payloads the largest client message spans: clients send
/// messages that the process-group layer must fragment.
const MESSAGE_PAYLOADS: usize = 3;

/// Appends the events the stack queued, as the layer above takes them.
fn take_events(stack: &mut Stack, out: &mut Vec<Output>) {
    while let Some(e) = stack.pop_event() {
        out.push(match e {
            Event::Deliver { from, payload } => Output::Deliver { from, payload },
            Event::ConfChg(c) => Output::ConfChg(c),
        });
    }
}

impl Protocol for Stack {
    fn start(cfg: &Config, me: NodeId, ring_seq: u64, now: Time) -> (Self, Vec<Output>) {
        // The simulator's configurations leave room for payloads (netmtu
        // of at least 400 bytes); a failure here is reported as a panic.
        let (mut stack, mut out) = match Stack::new(cfg.clone(), me, ring_seq, now) {
            Ok(started) => started,
            Err(e) => panic!("cannot start the stack: {e}"),
        };
        take_events(&mut stack, &mut out);
        (stack, out)
    }

    fn handle(&mut self, now: Time, input: Input) -> Vec<Output> {
        let mut out = Stack::handle(self, now, input);
        take_events(self, &mut out);
        out
    }

    fn mcast(
        &mut self,
        now: Time,
        payload: Vec<u8>,
        guarantee: Guarantee,
    ) -> Result<Vec<Output>, McastError> {
        let mut out = Stack::mcast(self, now, &payload, guarantee)?;
        take_events(self, &mut out);
        Ok(out)
    }

    fn queue_full(&self) -> bool {
        Stack::queue_full(self)
    }

    fn queued(&self) -> usize {
        Stack::queued(self)
    }

    fn leave(&mut self, now: Time) -> Vec<Output> {
        Stack::leave(self, now)
    }

    fn ring_seq_high(&self) -> u64 {
        self.srp().ring_seq_high()
    }

    fn max_payload(&self) -> usize {
        self.srp().max_payload() * MESSAGE_PAYLOADS
    }

    fn max_packet_len(bytes: &[u8], netmtu: usize) -> usize {
        <Srp as Protocol>::max_packet_len(bytes, netmtu)
    }

    fn describe_packet(bytes: &[u8]) -> String {
        <Srp as Protocol>::describe_packet(bytes)
    }

    fn summary(&self) -> String {
        self.srp().summary()
    }
}

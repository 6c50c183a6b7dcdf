//! The single-node ordering stage: this processor is the whole ring.
//!
//! Every multicast is delivered back to its sender, in the order it was
//! sent, which is trivially the agreed order of a one-member ring. On
//! start it reports what Totem reports when a processor forms a ring on its
//! own: a transitional configuration holding just this node, then the
//! regular configuration of the new ring with this node as its only
//! (joined) member.

use std::collections::VecDeque;

use super::{ConfChg, ConfChgKind, Guarantee, McastError, NodeId, Ordering, OrderingEvent, RingId};

/// Largest payload one multicast may carry: an IPC frame's payload plus
/// room for the service's own envelope, as Totem's group layer allows.
pub const MAX_MCAST: usize = sa_ipc::frame::MAX_FRAME + 64 * 1024;

/// Single-node [`Ordering`]: a bounded queue delivered back in order.
#[derive(Debug)]
pub struct Loopback {
    node: NodeId,
    events: VecDeque<OrderingEvent>,
    /// Multicasts queued and not yet delivered.
    pending: usize,
    capacity: usize,
    left: bool,
}

impl Loopback {
    /// A ring of `node` alone, with ring sequence number `ring_seq`.
    /// At most `capacity` multicasts wait for delivery at any time; more
    /// are refused with [`McastError::QueueFull`].
    pub fn new(node: NodeId, ring_seq: u64, capacity: usize) -> Loopback {
        let ring_id = RingId {
            rep: node,
            seq: ring_seq,
        };
        let mut events = VecDeque::new();
        events.push_back(OrderingEvent::ConfChg(ConfChg {
            kind: ConfChgKind::Transitional,
            ring_id,
            members: vec![node],
            left: Vec::new(),
            joined: Vec::new(),
        }));
        events.push_back(OrderingEvent::ConfChg(ConfChg {
            kind: ConfChgKind::Regular,
            ring_id,
            members: vec![node],
            left: Vec::new(),
            joined: vec![node],
        }));
        Loopback {
            node,
            events,
            pending: 0,
            capacity: capacity.max(1),
            left: false,
        }
    }

    /// Takes the next event without waiting.
    pub fn try_next(&mut self) -> Option<OrderingEvent> {
        let event = self.events.pop_front()?;
        if matches!(event, OrderingEvent::Deliver { .. }) {
            self.pending -= 1;
        }
        Some(event)
    }
}

impl Ordering for Loopback {
    fn local_node(&self) -> NodeId {
        self.node
    }

    fn mcast(&mut self, payload: Vec<u8>, _guarantee: Guarantee) -> Result<(), McastError> {
        if self.left {
            return Err(McastError::QueueFull);
        }
        if payload.len() > MAX_MCAST {
            return Err(McastError::TooLarge);
        }
        if self.pending >= self.capacity {
            return Err(McastError::QueueFull);
        }
        self.pending += 1;
        self.events.push_back(OrderingEvent::Deliver {
            from: self.node,
            payload,
        });
        Ok(())
    }

    async fn next_event(&mut self) -> Option<OrderingEvent> {
        match self.try_next() {
            Some(event) => Some(event),
            // Only `mcast`, called by the owner between two polls, adds
            // events; an empty queue stays empty until this future is
            // dropped and polled anew.
            None if self.left => None,
            None => std::future::pending().await,
        }
    }

    fn leave(&mut self) {
        self.left = true;
        self.events.clear();
        self.pending = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(o: &mut Loopback) -> Vec<OrderingEvent> {
        std::iter::from_fn(|| o.try_next()).collect()
    }

    #[test]
    fn starts_with_transitional_then_regular_of_this_node() {
        let mut o = Loopback::new(16777343, 8, 4);
        let events = drain(&mut o);
        let ring_id = RingId {
            rep: 16777343,
            seq: 8,
        };
        assert_eq!(
            events,
            vec![
                OrderingEvent::ConfChg(ConfChg {
                    kind: ConfChgKind::Transitional,
                    ring_id,
                    members: vec![16777343],
                    left: vec![],
                    joined: vec![],
                }),
                OrderingEvent::ConfChg(ConfChg {
                    kind: ConfChgKind::Regular,
                    ring_id,
                    members: vec![16777343],
                    left: vec![],
                    joined: vec![16777343],
                }),
            ]
        );
    }

    #[test]
    fn delivers_own_messages_in_order() {
        let mut o = Loopback::new(7, 4, 16);
        drain(&mut o);
        for i in 0..10u8 {
            o.mcast(vec![i], Guarantee::Agreed).unwrap();
        }
        let got: Vec<_> = drain(&mut o);
        let want: Vec<_> = (0..10u8)
            .map(|i| OrderingEvent::Deliver {
                from: 7,
                payload: vec![i],
            })
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn full_queue_refuses_without_queueing() {
        let mut o = Loopback::new(7, 4, 2);
        drain(&mut o);
        o.mcast(vec![1], Guarantee::Agreed).unwrap();
        o.mcast(vec![2], Guarantee::Safe).unwrap();
        assert_eq!(
            o.mcast(vec![3], Guarantee::Agreed),
            Err(McastError::QueueFull)
        );
        assert_eq!(drain(&mut o).len(), 2);
        o.mcast(vec![4], Guarantee::Agreed).unwrap();
        assert_eq!(
            drain(&mut o),
            vec![OrderingEvent::Deliver {
                from: 7,
                payload: vec![4]
            }]
        );
    }

    #[test]
    fn oversized_payload_is_refused() {
        let mut o = Loopback::new(7, 4, 2);
        assert_eq!(
            o.mcast(vec![0; MAX_MCAST + 1], Guarantee::Agreed),
            Err(McastError::TooLarge)
        );
    }

    #[test]
    fn after_leave_nothing_more_is_reported() {
        let mut o = Loopback::new(7, 4, 2);
        o.leave();
        assert!(o.try_next().is_none());
        assert_eq!(
            o.mcast(vec![1], Guarantee::Agreed),
            Err(McastError::QueueFull)
        );
    }
}

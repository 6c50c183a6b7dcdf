//! The ordering layer: agreed-order multicast and membership, as the
//! service manager sees them.
//!
//! Services never talk to Totem directly. They multicast through
//! [`Ordering::mcast`] and learn what happened from [`OrderingEvent`]s:
//! every message delivered in agreed order, and every configuration change
//! (transitional, then regular) at its place in the message stream. The
//! implementation is the Totem driver of `net/`
//! ([`TotemOrdering`](crate::net::TotemOrdering)); service tests drive the
//! services with simulated clusters through [`McastSink`] instead.

mod identity;
mod ring_store;

use std::future::Future;

pub use identity::{address_text, local_addresses, IdentityError, LocalNode};
pub use ring_store::{RingStore, RingStoreError};
pub use totem::{ConfChg, ConfChgKind, Guarantee, McastError, NodeId, RingId};

/// What the ordering layer reports to the layer above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderingEvent {
    /// A message multicast by `from`, delivered in agreed order.
    Deliver { from: NodeId, payload: Vec<u8> },
    /// A configuration change, at its place in the delivery order.
    ConfChg(ConfChg),
}

/// Total-order multicast with membership.
///
/// `next_event` must be cancel-safe: the executive polls it inside a
/// `select!` and may drop the future when another source is ready first;
/// no event may be lost when that happens.
pub trait Ordering {
    /// The id of this processor.
    fn local_node(&self) -> NodeId;

    /// Queues `payload` for delivery to every member in agreed order.
    /// `Err(McastError::QueueFull)` means nothing was queued: the caller
    /// answers SA_AIS_ERR_TRY_AGAIN and the library retries.
    fn mcast(&mut self, payload: Vec<u8>, guarantee: Guarantee) -> Result<(), McastError>;

    /// Whether [`Ordering::mcast`] would now answer
    /// `McastError::QueueFull`.
    fn queue_full(&self) -> bool;

    /// The next delivered message or configuration change; `None` when
    /// the layer has shut down and will report nothing more.
    fn next_event(&mut self) -> impl Future<Output = Option<OrderingEvent>>;

    /// Leaves the configuration on a graceful shutdown, so that the other
    /// members reconfigure at once instead of waiting for a token loss.
    fn leave(&mut self);
}

/// The multicast half of [`Ordering`], in a form services can hold as a
/// trait object (the whole trait, with its `async` part, cannot be one).
pub trait McastSink {
    fn local_node(&self) -> NodeId;
    fn mcast(&mut self, payload: Vec<u8>, guarantee: Guarantee) -> Result<(), McastError>;
    fn queue_full(&self) -> bool;
}

impl<O: Ordering> McastSink for O {
    fn local_node(&self) -> NodeId {
        Ordering::local_node(self)
    }
    fn mcast(&mut self, payload: Vec<u8>, guarantee: Guarantee) -> Result<(), McastError> {
        Ordering::mcast(self, payload, guarantee)
    }
    fn queue_full(&self) -> bool {
        Ordering::queue_full(self)
    }
}

//! Totem: the single-ring ordering and membership protocol (Amir, Moser,
//! Melliar-Smith, Agarwal, Ciarfella, ACM TOCS 1995) as a sans-IO state
//! machine.
//!
//! [`Srp`] owns no socket, clock, thread or random source. The caller feeds
//! it [`Input`]s stamped with the current [`Time`] and carries out the
//! [`Output`]s it returns: packets to send, timers to arm or cancel,
//! messages and configuration changes to deliver. The same state machine is
//! driven by the real event loop in `aisexec`, by unit tests, and by the
//! deterministic simulator in [`sim`].

pub mod api;
pub mod crypto;
pub mod pg;
pub mod sim;
pub mod srp;
pub mod stack;
pub mod wire;

pub use api::*;
pub use srp::{Srp, State, Stats};

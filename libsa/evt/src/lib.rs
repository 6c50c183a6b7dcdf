//! libSaEvt: the SA Forum AIS B.01.01 Event library.
//!
//! The seventeen C calls live in [`lifecycle`] (initialize, selection
//! object, dispatch, finalize), [`channel`] (open, close, unlink,
//! subscriptions, retention clear) and [`event`] (allocate, attributes,
//! data, publish, free). Each validates its arguments as B.01.01 says,
//! then talks to the executive's EVT service through the library
//! handle's [`sa_ipc::Connection`]. Delivered events are pulled from the
//! executive while dispatching ([`callbacks`]) and become event handles
//! the application reads and frees.
//!
//! Built as a static archive and linked into `libSaEvt.so.2` with
//! `libSaEvt.versions` (symbol version `OPENAIS_EVT_B.01.01`, only the
//! API exported).

mod abi_tie;
mod callbacks;
pub mod channel;
pub mod event;
mod handles;
pub mod lifecycle;
mod patterns;

//! libevs: openais's extended virtual synchrony group messaging (evs.h).
//!
//! The nine C calls live in [`api`]; each validates its arguments, then
//! talks to the executive's EVS service through the handle's
//! [`sa_ipc::Connection`]. evs_error_t shares its numbers with
//! SaAisErrorT, so the codes of sa-ipc pass through unchanged. Built as a
//! static archive and linked into `libevs.so.2` with `libevs.versions`
//! (symbol version `OPENAIS_EVS_2.0`, only the API exported).

mod abi_tie;
pub mod api;
mod callbacks;
mod instance;

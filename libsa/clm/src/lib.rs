//! libSaClm: the SA Forum AIS B.01.01 Cluster Membership library.
//!
//! The eight C calls live in [`api`]; each validates its arguments as
//! B.01.01 says, then talks to the executive's CLM service through the
//! handle's [`sa_ipc::Connection`]. Built as a static archive and linked
//! into `libSaClm.so.2` with `libSaClm.versions` (symbol version
//! `OPENAIS_CLM_B.01.01`, only the API exported).

mod abi_tie;
pub mod api;
mod callbacks;
mod convert;
mod instance;
mod track;

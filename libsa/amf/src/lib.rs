//! libSaAmf: the SA Forum AIS B.01.01 Availability Management Framework
//! library.
//!
//! The C calls live in [`api`]; each validates its arguments as B.01.01
//! says, then talks to the executive's AMF service through the handle's
//! [`sa_ipc::Connection`]. Built as a static archive and linked into
//! `libSaAmf.so.2` with `libSaAmf.versions` (symbol version
//! `OPENAIS_AMF_B.01.01`, only the API exported).

mod abi_tie;
pub mod api;
mod callbacks;
mod instance;
mod track;

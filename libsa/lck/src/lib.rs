//! libSaLck: the SA Forum AIS B.01.01 Lock library.
//!
//! The 13 C calls live in [`api`]; each validates its arguments as
//! B.01.01 says, then talks to the executive's LCK service through the
//! library handle's [`sa_ipc::Connection`]. Library handles, resource
//! handles and lock ids live in handle databases ([`handles`]); callback
//! frames become calls of the application's callbacks ([`callbacks`]).
//! Built as a static archive and linked into `libSaLck.so.2` with
//! `libSaLck.versions` (symbol version `OPENAIS_LCK_B.01.01`, only the
//! API exported).

mod abi_tie;
pub mod api;
mod callbacks;
mod handles;

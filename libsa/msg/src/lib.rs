//! libSaMsg: the SA Forum AIS B.01.01 Message library.
//!
//! The 22 C calls live in [`api`]; each validates its arguments as
//! B.01.01 says, then talks to the executive's MSG service through the
//! library handle's [`sa_ipc::Connection`]. Library and queue handles
//! live in handle databases ([`handles`]); C structures are converted in
//! [`convert`]; callbacks are run by saMsgDispatch ([`callbacks`]).
//! Blocking calls (a get, a SendReceive) wait on the handle's connection
//! while other threads use it (a cancel wakes a get). Built as a static
//! archive and linked into `libSaMsg.so.2` with `libSaMsg.versions`
//! (symbol version `OPENAIS_MSG_B.01.01`, only the API exported).

mod abi_tie;
pub mod api;
mod callbacks;
mod convert;
mod handles;

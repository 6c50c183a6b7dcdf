//! libSaCkpt: the SA Forum AIS B.01.01 Checkpoint library.
//!
//! The 22 C calls live in [`api`]; each validates its arguments as
//! B.01.01 says, then talks to the executive's CKPT service through the
//! library handle's [`sa_ipc::Connection`]. Library, checkpoint and
//! section iteration handles live in handle databases ([`handles`]);
//! read and write vectors are planned in [`io`]; iterations fetch section
//! descriptors a page at a time ([`iteration`]). Built as a static archive
//! and linked into `libSaCkpt.so.2` with `libSaCkpt.versions` (symbol
//! version `OPENAIS_CKPT_B.01.01`, only the API exported).

mod abi_tie;
pub mod api;
mod callbacks;
mod convert;
mod handles;
mod io;
mod iteration;

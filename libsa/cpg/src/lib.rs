//! libcpg: openais's closed process groups (cpg.h).
//!
//! The twelve C calls live in [`api`]; each validates its arguments, then
//! talks to the executive's CPG service through the handle's
//! [`sa_ipc::Connection`]. cpg_error_t shares its numbers with
//! SaAisErrorT, so the codes of sa-ipc pass through unchanged. Built as a
//! static archive and linked into `libcpg.so.2` with `libcpg.versions`
//! (symbol version `OPENAIS_CPG_1.0`, only the API exported).

mod abi_tie;
pub mod api;
mod callbacks;
mod instance;

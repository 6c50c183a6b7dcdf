//! The C ABI of openais 0.80.6 (SA Forum AIS B.01.01 plus openais's evs
//! and cpg APIs) as `#[repr(C)]` Rust definitions.
//!
//! One module per C header: `ais` (saAis.h), `clm` (saClm.h), `ckpt`
//! (saCkpt.h), `evt` (saEvt.h), `lck` (saLck.h), `amf` (saAmf.h), `evs` (evs.h) and `cpg`
//! (cpg.h). The headers in `include/openais/` are generated from these
//! files by `cargo run -p xtask -- headers`; each module therefore holds
//! exactly its header's types, constants, callback typedefs and function
//! prototypes (the `extern "C"` blocks, defined by the service libraries).
//!
//! Conventions that keep the ABI sound:
//! - C enums are integer typedefs plus constants: a C caller can pass any
//!   value, and an out-of-range Rust enum would be undefined behaviour.
//! - Callbacks are `Option<unsafe extern "C" fn ...>`, NULL being `None`.
//! - Rust-only conveniences (constructors, byte views, `Default`) live in
//!   `impl` blocks and plain functions, which cbindgen does not emit.
//!
//! The prototypes are the one list of what the libraries export:
//! `cargo run -p xtask -- exports` writes from them each library's
//! version script, libais's, and the [`abi_tie!`] of each library crate,
//! which fails the build when a definition's signature differs from its
//! prototype.

#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]

use core::fmt;

pub mod ais;
pub mod amf;
pub mod ckpt;
pub mod clm;
pub mod cpg;
pub mod evs;
pub mod evt;
pub mod lck;
pub mod msg;
mod tie;

/// Bytes given to a fixed-size C buffer (a name, an address) exceed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLong {
    /// Length of the rejected bytes.
    pub len: usize,
    /// Capacity of the buffer.
    pub max: usize,
}

impl fmt::Display for TooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} bytes exceed the buffer of {} bytes",
            self.len, self.max
        )
    }
}

impl std::error::Error for TooLong {}

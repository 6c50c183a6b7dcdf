//! The 22 exported B.01.01 calls, with exactly the prototypes of
//! saCkpt.h. Each body runs inside [`sa_ipc::ffi::ffi_guard`], so no panic
//! crosses into C; arguments are checked in the order handle, then
//! pointers and flags, then access rights.

#![allow(non_snake_case)]

pub mod checkpoint;
pub mod data;
pub mod iteration;
pub mod library;
pub mod sections;

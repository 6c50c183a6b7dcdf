//! The 22 exported B.01.01 calls, with exactly the prototypes of
//! saMsg.h. Each body runs inside [`sa_ipc::ffi::ffi_guard`], so no panic
//! crosses into C; arguments are checked in the order handle, then
//! pointers and flags, then callbacks.

#![allow(non_snake_case)]

pub mod group;
pub mod library;
pub mod message;
pub mod queue;

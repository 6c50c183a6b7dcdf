//! The 22 exported B.01.01 calls, with exactly the prototypes of
//! saCkpt.h. Each body runs inside [`sa_ipc::ffi::ffi_guard`], so no panic
//! crosses into C; arguments are checked in the order handle, then
//! pointers and flags, then access rights.

#![allow(non_snake_case)]

/// Unwraps a `Result<T, SaAisErrorT>` inside a guarded body.
macro_rules! check {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(code) => return code,
        }
    };
}

pub mod checkpoint;
pub mod data;
pub mod iteration;
pub mod library;
pub mod sections;

/// The SaAisErrorT of a typed call's result.
fn result_code<T>(r: Result<T, sa_ipc::CallError>) -> sa_abi::ais::SaAisErrorT {
    match r {
        Ok(_) => sa_abi::ais::SA_AIS_OK,
        Err(e) => e.to_ais(),
    }
}

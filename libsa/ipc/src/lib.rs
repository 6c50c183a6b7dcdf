//! The IPC between the openais-rs C libraries and the aisexec executive.
//!
//! Wire (used by both sides):
//! - [`frame`], the 16-byte frame header, size limits, whole-frame I/O;
//! - [`codec`], explicit little-endian payload encoding;
//! - [`hello`], connection set-up messages;
//! - [`proto`], the messages of each service;
//! - [`address`], `OPENAIS_IPC_SOCKET`.
//!
//! Library side:
//! - [`client`], a library handle's connection (requests and callbacks);
//! - [`handle_db`], random, generation-checked handles;
//! - [`ffi`], panic guard, version negotiation, dispatch loop.
//!
//! Tests of the libraries: `testing` (feature `test-support`), the
//! executive's side of the connection set-up.

pub mod address;
pub mod callbacks;
pub mod client;
pub mod codec;
pub mod ffi;
pub mod frame;
pub mod group_ffi;
pub mod handle_db;
pub mod hello;
pub mod iovec;
pub mod proto;
pub mod ptr;
mod sys;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod timeout;

pub use address::SocketAddress;
pub use client::{CallError, Connection, IpcError};
pub use codec::{DecodeError, Decoder, Encoder, Name};
pub use frame::{Frame, FrameError, Header, HEADER_LEN, KIND_HELLO, MAX_FRAME};
pub use handle_db::HandleDb;
pub use proto::{service, Message, Payload, Request};
pub use sys::random_u64;

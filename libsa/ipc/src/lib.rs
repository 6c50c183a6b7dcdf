//! The IPC between the openais-rs C libraries and the aisexec executive.
//!
//! - [`frame`]: the 16-byte frame header, size limits, whole-frame I/O;
//! - [`codec`]: explicit little-endian payload encoding;
//! - [`hello`]: connection set-up messages;
//! - [`proto`]: the messages of each service.
//!
//! Both sides use only these types for the wire; nothing is duplicated.

pub mod codec;
pub mod frame;
pub mod hello;
pub mod proto;

pub use codec::{DecodeError, Decoder, Encoder, Name};
pub use frame::{Frame, FrameError, Header, HEADER_LEN, KIND_HELLO, MAX_FRAME};
pub use proto::{service, Message, Payload, Request};

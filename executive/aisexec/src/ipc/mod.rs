//! Library connections: the unix socket server, peer-credential
//! authentication, framing, outbound queues bounded per socket and in all,
//! a bounded number of connections.
//!
//! - [`endpoint`]: the listening socket (abstract or path);
//! - [`peer`]: peer credentials and who may connect;
//! - [`socket`]: the per-socket reader and writer tasks, their buffers
//!   (held only while there is something to move), [`Outbox`] and the
//!   shared [`socket::QueueBudget`];
//! - [`server`]: the [`IpcServer`]: set-up, pairing, dropping clients;
//! - [`stats`], [`rate_limit`]: counters and quiet logs.

pub mod endpoint;
pub mod peer;
pub mod rate_limit;
pub mod server;
pub mod socket;
pub mod stats;

pub use endpoint::{EndpointError, SocketName, DEFAULT_SOCKET};
pub use peer::{AccessPolicy, PeerCred};
pub use server::{ConnEvent, IpcLimits, IpcServer};
pub use socket::{ConnId, IpcEvent, Outbox};
pub use stats::IpcStatsSnapshot;

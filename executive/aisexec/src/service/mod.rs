//! Services and the service manager.
//!
//! - [`api`]: the [`Service`] trait and the [`Context`] handlers act through;
//! - [`manager`]: the [`ServiceManager`] that routes events to services and
//!   runs the sync after each regular configuration;
//! - [`exec_message`]: the envelope of every multicast message;
//! - [`sync`]: the barrier protocol of the sync;
//! - [`timers`]: deadlines services arm and the executive loop waits on;
//! - [`replicas`]: which copy of replicated state wins a merge (groups of
//!   nodes that stayed together, their rank);
//! - [`quorum`]: whether this partition holds a majority of the votes;
//! - [`runtime`]: the clock, random source, timers and outbox behind every
//!   [`Context`].

pub mod api;
pub mod exec_message;
pub mod manager;
pub mod quorum;
pub mod replicas;
pub mod runtime;
pub mod sync;
pub mod timers;

pub use api::{
    ConnInfo, Context, ExecMessage, LibraryLink, Membership, ReplyTo, Request, Service, SyncSender,
    SyncStep,
};
pub use manager::{mcast_refusal, DuplicateService, ManagerStats, RequestError, ServiceManager};

#[cfg(test)]
mod manager_tests;
#[cfg(test)]
mod quorum_tests;
#[cfg(any(test, feature = "fuzzing"))]
pub mod testing;

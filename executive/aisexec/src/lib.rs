//! aisexec: the openais-rs executive.

pub mod config;
pub mod logging;

pub mod executive;
pub mod ipc;
pub mod net;
pub mod ordering;
pub mod service;
pub mod services;
pub mod startup;

/// What the fuzz targets of `fuzz/` drive; not an interface of the
/// executive.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;

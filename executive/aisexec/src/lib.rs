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

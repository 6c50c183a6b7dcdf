//! IPC.

//! Entry points for the fuzz targets of `fuzz/` (feature `fuzzing`) and
//! for the unit tests that replay their corpora and findings.
//!
//! Each entry point takes arbitrary bytes and drives real executive code
//! with them; none may panic, whatever the bytes. What is simulated is
//! only what lies outside the executive's process: the ordering layer
//! (an in-memory agreed-order "network" of two nodes, see [`cluster`]) and
//! the library connections (their frames are handed to the service
//! manager as the IPC server hands them).
//!
//! - [`totem_packet`], [`totem_datagram`], [`totem_pg`]: what the network
//!   delivers: Totem packets, sealed datagrams, process-group payloads;
//! - [`ipc_stream`]: the bytes a client writes on a request socket;
//! - [`cluster`]: a script of library requests, exec messages, timers,
//!   configuration changes and node restarts on a two-node cluster;
//! - [`exec_deliver`]: exec messages delivered to a cluster holding state
//!   of every service;
//! - [`sync`]: exec messages interleaved with the sync messages of a
//!   merge of two partitions that diverged;
//! - [`config`]: `openais.conf` text.

pub mod cluster;
mod input;
mod ipc;
#[cfg(test)]
mod seeds;
mod totem;

pub use input::Input;
pub use ipc::ipc_stream;
pub use totem::{datagram_flag, totem_datagram, totem_packet, totem_pg, AUTHKEY};

use cluster::Harness;

/// Exec messages, each delivered in agreed order to a two-node cluster
/// holding a checkpoint, an event channel with a retained event and a
/// subscriber, a CPG group, an EVS group and a CLM tracker. Each record
/// of the input is `target: u8, len: u16, message`: the message (an exec
/// envelope and payload, as multicast) is delivered on the ring of node
/// `1 + (target & 1)` as sent by a member of that ring (`target >> 1`,
/// see [`Harness::inject`]), then every message the services multicast in
/// answer is delivered.
pub fn exec_deliver(data: &[u8]) {
    let mut h = Harness::with_state();
    let mut input = Input::new(data);
    while !input.is_empty() {
        let target = input.u8();
        let len = usize::from(input.u16());
        let message = input.bytes(len);
        h.inject(usize::from(target & 1), u32::from(target >> 1), message);
        h.pump_all();
    }
    h.finish();
}

/// A merge of two partitions that each changed the state of every
/// service, with the sync in progress: each record of the input either
/// injects an exec message (`0, target: u8, len: u16, message`, as in
/// [`exec_deliver`]) or delivers the next message a node multicast
/// (`1 | 2`: node 1 or 2; the sync's own messages among them), or lets a
/// node's ordering queue refuse or accept multicasts (`3, node`). Then
/// the sync runs to its end.
pub fn sync(data: &[u8]) {
    let mut h = Harness::merging();
    let mut input = Input::new(data);
    while !input.is_empty() {
        match input.u8() % 4 {
            0 => {
                let target = input.u8();
                let len = usize::from(input.u16());
                let message = input.bytes(len);
                h.inject(usize::from(target & 1), u32::from(target >> 1), message);
            }
            1 => {
                h.pump_one(0);
            }
            2 => {
                h.pump_one(1);
            }
            _ => {
                let node = usize::from(input.u8() & 1);
                h.toggle_full(node);
            }
        }
    }
    h.set_full(0, false);
    h.set_full(1, false);
    h.pump_all();
    h.finish();
}

/// A [`cluster::Script`] run on a fresh two-node cluster.
pub fn cluster(data: &[u8]) {
    let mut h = Harness::new();
    h.run_script(data);
    h.finish();
}

/// `openais.conf` text (the bytes as UTF-8, lossily); a configuration
/// that parses then sets up the services, which read their sections.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(config) = crate::config::parse(&text, "fuzz.conf") else {
        return;
    };
    let env = crate::services::ServiceEnv {
        node_id: 1,
        address: std::net::IpAddr::from([10, 0, 0, 1]),
        hostname: "node1".to_string(),
        boot_timestamp: 1,
        config,
        amf: None,
    };
    drop(crate::services::all(&env));
}

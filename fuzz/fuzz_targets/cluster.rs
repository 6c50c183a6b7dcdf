//! Scripts of library requests, exec messages, timers, configuration changes
//! and restarts on a two-node cluster.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aisexec::fuzzing::cluster(data));

//! Totem payloads through the process-group layer's reassembly, with
//! configuration changes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aisexec::fuzzing::totem_pg(data));

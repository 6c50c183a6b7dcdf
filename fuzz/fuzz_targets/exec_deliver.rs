//! Exec messages decoded and applied by the real services on a two-node
//! cluster holding state of every service.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aisexec::fuzzing::exec_deliver(data));

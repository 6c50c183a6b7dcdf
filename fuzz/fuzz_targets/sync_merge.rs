//! Exec messages interleaved with the sync of two diverged partitions
//! merging: the CKPT, EVT and CPG sync decoders and merges.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aisexec::fuzzing::sync(data));

//! openais.conf text through `config::parse`, then the services' set-up from
//! it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aisexec::fuzzing::config(data));

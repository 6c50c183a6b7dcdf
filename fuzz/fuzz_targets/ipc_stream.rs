//! A client's request socket: the executive's frame reader, the hello check
//! and every service's request decoder; the library's callback frame parser
//! and decoders.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aisexec::fuzzing::ipc_stream(data));

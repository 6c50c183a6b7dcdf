//! Totem packets through the wire decoder (`totem::wire::Packet::decode`);
//! one that decodes must re-encode to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aisexec::fuzzing::totem_packet(data));

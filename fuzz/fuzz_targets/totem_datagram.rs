//! Datagrams through `PacketSecurity::open` (secauth on and off) and the
//! network layer's node-id framing, then the Totem decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aisexec::fuzzing::totem_datagram(data));

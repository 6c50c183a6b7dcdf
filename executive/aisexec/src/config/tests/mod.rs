//! Whole-file tests: every error with its exact `file:line: message`,
//! defaults, aliases, the older forms, warnings, the shipped examples.

mod errors;
mod quorum;
mod settings;

use super::*;

pub(super) const FILE: &str = "test.conf";

/// A ring-0 multicast interface: 4 lines.
pub(super) const IFACE: &str =
    "\tinterface {\n\t\tbindnetaddr: 192.168.1.0\n\t\tmcastaddr: 226.94.1.1\n\t}\n";

/// `totem { version: 2 <body> <interface> }`: `body` starts at line 3.
pub(super) fn totem(body: &str) -> String {
    format!("totem {{\n\tversion: 2\n{body}{IFACE}}}\n")
}

/// `totem { version: 2 <body> }` without an interface: `body` starts at
/// line 3.
pub(super) fn totem_bare(body: &str) -> String {
    format!("totem {{\n\tversion: 2\n{body}}}\n")
}

pub(super) fn ok(text: &str) -> Config {
    match parse(text, FILE) {
        Ok(c) => c,
        Err(e) => panic!("unexpected error {e} in\n{text}"),
    }
}

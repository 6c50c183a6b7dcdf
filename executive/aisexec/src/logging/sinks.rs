//! Where lines go: stderr, a file, syslog, any combination.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Mutex;

use log::Level;

use super::format::Line;
use super::syslog;

/// The destinations of one logging setup. Syslog's connection itself is
/// process-wide and opened by [`super::apply`].
#[derive(Debug)]
pub(crate) struct Sinks {
    pub stderr: bool,
    pub file: Option<Mutex<File>>,
    pub syslog: bool,
}

/// Opens (creating it, mode 0640) the log file for appending.
pub(crate) fn open_log_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o640)
        .open(path)
}

impl Sinks {
    /// Writes `line` to every destination. A destination that fails (full
    /// disk, closed stderr) is skipped: logging never stops the executive.
    pub fn write(&self, level: Level, line: &Line) {
        // One write per destination, so concurrent lines never interleave.
        let mut with_newline = String::with_capacity(line.text.len() + 1);
        with_newline.push_str(&line.text);
        with_newline.push('\n');
        if self.stderr {
            let _ = io::stderr().lock().write_all(with_newline.as_bytes());
        }
        if let Some(file) = &self.file {
            let mut file = file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let _ = file.write_all(with_newline.as_bytes());
        }
        if self.syslog {
            syslog::send(level, line.body());
        }
    }

    pub fn flush(&self) {
        if self.stderr {
            let _ = io::stderr().flush();
        }
        if let Some(file) = &self.file {
            let mut file = file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let _ = file.flush();
        }
    }
}

//! Where lines go: stderr, a file, syslog, any combination.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use log::Level;

use super::format::Line;
use super::syslog;

/// The destinations of one logging setup. Syslog's connection itself is
/// process-wide and opened by [`super::apply`].
#[derive(Debug)]
pub(crate) struct Sinks {
    pub stderr: bool,
    pub file: Option<LogFile>,
    pub syslog: bool,
}

/// The log file: its path, and the open file lines are appended to.
#[derive(Debug)]
pub(crate) struct LogFile {
    path: PathBuf,
    file: Mutex<File>,
}

impl LogFile {
    pub fn open(path: &Path) -> io::Result<LogFile> {
        Ok(LogFile {
            path: path.to_path_buf(),
            file: Mutex::new(open_log_file(path)?),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write(&self, bytes: &[u8]) {
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let _ = file.write_all(bytes);
    }

    /// Opens the path again and writes to the new file from now on (after
    /// logrotate moved the old one away). The switch happens under the
    /// lock every line takes, so each line lands whole in the old file or
    /// in the new one. On an error the old file stays in use.
    pub fn reopen(&self) -> io::Result<()> {
        let new = open_log_file(&self.path)?;
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let _ = file.flush();
        *file = new;
        Ok(())
    }
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
            file.write(with_newline.as_bytes());
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
            let mut file = file.file.lock().unwrap_or_else(|p| p.into_inner());
            let _ = file.flush();
        }
    }
}

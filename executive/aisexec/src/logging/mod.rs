//! The executive's logger: a [`log::Log`] that writes openais-style lines
//! to stderr, a file and syslog, as `logging { }` configures.
//!
//! # Subsystems
//!
//! Every line carries a subsystem tag, taken from the log record's target.
//! Executive code names its subsystem explicitly:
//!
//! ```
//! log::info!(target: "TOTEM", "entering OPERATIONAL state.");
//! log::debug!(target: "CKPT", "section {} created", 3);
//! ```
//!
//! The tags are MAIN, TOTEM, SERV, SYNC, CLM, EVS, AMF, CKPT, EVT, LCK,
//! MSG, CFG, CPG and IPC; `logger { ident: CKPT debug: on }` selects by the
//! same names. A record with a default (module path) target is tagged with
//! its crate's name in capitals.
//!
//! # Lifecycle
//!
//! [`init_early`] at the very start sends everything of level info and
//! above to stderr, so that configuration errors are seen; [`apply`] then
//! switches to what the configuration file asks for. Both may be called
//! again; the latest setup wins. [`reopen`] (on SIGHUP, after logrotate
//! moved the file) opens the log file's path again without losing a line.

mod clock;
mod filter;
mod format;
mod sinks;
mod syslog;

use std::io;
use std::path::PathBuf;
use std::sync::{Mutex, RwLock};

use log::{Log, Metadata, Record};
use thiserror::Error;

use crate::config::LoggingConfig;

use self::filter::Levels;
use self::format::{format_line, subsystem_tag};
use self::sinks::{LogFile, Sinks};

/// Why a logging setup could not be applied. The previous setup stays in
/// force.
#[derive(Debug, Error)]
pub enum LoggingError {
    #[error("cannot open log file {}: {source}", path.display())]
    OpenLogFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Some other `log` implementation was installed first.
    #[error("another logger is already installed")]
    ForeignLogger,
}

/// One complete setup: levels, line format, destinations.
#[derive(Debug)]
struct Dispatch {
    levels: Levels,
    timestamp: bool,
    fileline: bool,
    sinks: Sinks,
    /// Syslog facility to open, when syslog is a destination.
    syslog_facility: Option<crate::config::SyslogFacility>,
}

impl Dispatch {
    fn new(config: &LoggingConfig) -> Result<Dispatch, LoggingError> {
        let file = match (&config.logfile, config.to_file) {
            (Some(path), true) => {
                let file = LogFile::open(path).map_err(|source| LoggingError::OpenLogFile {
                    path: path.clone(),
                    source,
                })?;
                Some(file)
            }
            _ => None,
        };
        Ok(Dispatch {
            levels: Levels::from_config(config),
            timestamp: config.timestamp,
            fileline: config.fileline,
            sinks: Sinks {
                stderr: config.to_stderr,
                file,
                syslog: config.to_syslog,
            },
            syslog_facility: config.to_syslog.then_some(config.syslog_facility),
        })
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.levels.level_for(&subsystem_tag(metadata.target()))
    }

    fn log(&self, record: &Record<'_>) {
        let tag = subsystem_tag(record.target());
        if record.level() > self.levels.level_for(&tag) {
            return;
        }
        let time = self.timestamp.then(clock::now);
        let location = if self.fileline {
            record.file().zip(record.line())
        } else {
            None
        };
        let line = format_line(time.as_ref(), &tag, location, record.args());
        self.sinks.write(record.level(), &line);
    }
}

/// The process's logger; `None` until the first setup.
struct AisLogger {
    current: RwLock<Option<Dispatch>>,
}

static LOGGER: AisLogger = AisLogger {
    current: RwLock::new(None),
};

impl Log for AisLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        current.as_ref().is_some_and(|d| d.enabled(metadata))
    }

    fn log(&self, record: &Record<'_>) {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        if let Some(dispatch) = current.as_ref() {
            dispatch.log(record);
        }
    }

    fn flush(&self) {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        if let Some(dispatch) = current.as_ref() {
            dispatch.sinks.flush();
        }
    }
}

/// Makes [`LOGGER`] the `log` crate's logger, once.
fn install() -> Result<(), LoggingError> {
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let mut installed = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
    if !*installed {
        log::set_logger(&LOGGER).map_err(|_| LoggingError::ForeignLogger)?;
        *installed = true;
    }
    Ok(())
}

/// Replaces the setup in force with `dispatch`.
fn switch_to(dispatch: Dispatch) {
    let max = dispatch.levels.max();
    let mut current = LOGGER.current.write().unwrap_or_else(|p| p.into_inner());
    let was_syslog = current.as_ref().and_then(|d| d.syslog_facility);
    match (was_syslog, dispatch.syslog_facility) {
        (_, Some(facility)) => syslog::open(facility),
        (Some(_), None) => syslog::close(),
        (None, None) => {}
    }
    *current = Some(dispatch);
    log::set_max_level(max);
}

/// Logging before the configuration is read: info and above to stderr,
/// without timestamps. Does nothing if a setup is already in force, or if
/// another logger was installed first.
pub fn init_early() {
    if install().is_err() {
        return;
    }
    if LOGGER
        .current
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .is_some()
    {
        return;
    }
    // Opens no file, so it cannot fail.
    if let Ok(dispatch) = Dispatch::new(&LoggingConfig::stderr_only()) {
        switch_to(dispatch);
    }
}

/// Switches logging to `config`: destinations, levels, line format. On an
/// error (the log file cannot be opened) the previous setup stays.
pub fn apply(config: &LoggingConfig) -> Result<(), LoggingError> {
    let dispatch = Dispatch::new(config)?;
    install()?;
    switch_to(dispatch);
    Ok(())
}

/// Opens the log file again at its path, if one is in use: what SIGHUP
/// does, so that logrotate may move the file away and signal. Lines
/// logged meanwhile land whole in the old file or in the new one. On an
/// error the old file stays in use and the error is returned.
pub fn reopen() -> Result<(), LoggingError> {
    let current = LOGGER.current.read().unwrap_or_else(|p| p.into_inner());
    match current.as_ref().and_then(|d| d.sinks.file.as_ref()) {
        Some(file) => file.reopen().map_err(|source| LoggingError::OpenLogFile {
            path: file.path().to_path_buf(),
            source,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LoggerConfig;
    use log::Level;

    fn temp_path(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("aisexec-logging-{name}-{}", std::process::id()))
    }

    fn emit(dispatch: &Dispatch, level: Level, target: &str, message: &str) {
        dispatch.log(
            &Record::builder()
                .level(level)
                .target(target)
                .file(Some("executive/aisexec/src/services/ckpt.rs"))
                .line(Some(88))
                .args(format_args!("{message}"))
                .build(),
        );
    }

    #[test]
    fn file_output_with_levels_and_fileline() {
        let path = temp_path("file");
        let _ = std::fs::remove_file(&path);
        let config = LoggingConfig {
            to_stderr: false,
            to_file: true,
            to_syslog: false,
            logfile: Some(path.clone()),
            fileline: true,
            loggers: vec![LoggerConfig {
                ident: "CKPT".into(),
                debug: true,
                trace: false,
            }],
            ..LoggingConfig::default()
        };
        let dispatch = Dispatch::new(&config).unwrap();
        emit(
            &dispatch,
            Level::Info,
            "TOTEM",
            "entering OPERATIONAL state.",
        );
        emit(&dispatch, Level::Debug, "TOTEM", "hidden: TOTEM is at info");
        emit(&dispatch, Level::Debug, "CKPT", "shown: CKPT is at debug");
        emit(&dispatch, Level::Trace, "CKPT", "hidden: no tags");
        emit(&dispatch, Level::Warn, "CLM", "left");
        dispatch.sinks.flush();
        let written = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            written,
            "[TOTEM] ckpt.rs:88 entering OPERATIONAL state.\n\
             [CKPT ] ckpt.rs:88 shown: CKPT is at debug\n\
             [CLM  ] ckpt.rs:88 left\n"
        );
    }

    #[test]
    fn timestamps_on_file_lines() {
        let path = temp_path("timestamp");
        let _ = std::fs::remove_file(&path);
        let config = LoggingConfig {
            to_file: true,
            to_syslog: false,
            logfile: Some(path.clone()),
            timestamp: true,
            ..LoggingConfig::default()
        };
        let dispatch = Dispatch::new(&config).unwrap();
        emit(&dispatch, Level::Info, "SYNC", "done");
        let written = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        // "Mon dd hh:mm:ss.uuuuuu [SYNC ] done\n"
        let (stamp, rest) = written.split_at(22);
        assert_eq!(rest, " [SYNC ] done\n");
        let bytes = stamp.as_bytes();
        assert!(bytes[..3].iter().all(u8::is_ascii_alphabetic), "{stamp}");
        assert_eq!(
            (bytes[3], bytes[6], bytes[9], bytes[12], bytes[15]),
            (b' ', b' ', b':', b':', b'.'),
            "{stamp}"
        );
        assert!(bytes[16..].iter().all(u8::is_ascii_digit), "{stamp}");
    }

    #[test]
    fn reopening_moves_to_a_new_file_without_losing_a_line() {
        let path = temp_path("reopen");
        let moved = temp_path("reopen.1");
        let _ = std::fs::remove_file(&path);
        let config = LoggingConfig {
            to_file: true,
            to_syslog: false,
            logfile: Some(path.clone()),
            ..LoggingConfig::default()
        };
        let dispatch = Dispatch::new(&config).unwrap();
        emit(&dispatch, Level::Info, "MAIN", "one");
        std::fs::rename(&path, &moved).unwrap();
        emit(&dispatch, Level::Info, "MAIN", "two");
        dispatch.sinks.file.as_ref().unwrap().reopen().unwrap();
        emit(&dispatch, Level::Info, "MAIN", "three");
        dispatch.sinks.flush();
        let old = std::fs::read_to_string(&moved).unwrap();
        let new = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::fs::remove_file(&moved).unwrap();
        assert_eq!(old, "[MAIN ] one\n[MAIN ] two\n");
        assert_eq!(new, "[MAIN ] three\n");
    }

    #[test]
    fn an_unopenable_log_file_is_an_error() {
        let config = LoggingConfig {
            to_file: true,
            logfile: Some(PathBuf::from("/nonexistent-dir/aisexec.log")),
            ..LoggingConfig::default()
        };
        let err = Dispatch::new(&config).unwrap_err();
        assert!(matches!(err, LoggingError::OpenLogFile { .. }));
        assert!(
            err.to_string()
                .starts_with("cannot open log file /nonexistent-dir/aisexec.log: "),
            "{err}"
        );
        assert!(matches!(
            apply(&config),
            Err(LoggingError::OpenLogFile { .. })
        ));
    }
}

//! `logging { }`: where log lines go and how much is logged.

use std::path::PathBuf;

use super::error::{ConfigError, ConfigErrorKind};
use super::reader::{check_subsections, Ctx, Keys};
use super::syntax::{Entry, Section};
use super::value;

/// The syslog facilities `syslog_facility` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyslogFacility {
    Daemon,
    Local0,
    Local1,
    Local2,
    Local3,
    Local4,
    Local5,
    Local6,
    Local7,
}

/// One `logger { ident debug tags }`: settings for one subsystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggerConfig {
    /// The subsystem, as its log tag (`TOTEM`, `CKPT` ...); compared
    /// without regard to case.
    pub ident: String,
    /// Debug messages of this subsystem are logged.
    pub debug: bool,
    /// Trace messages too: `tags:` was given (any of openais's enter,
    /// leave, return, trace1 ... trace8) with `debug: on`.
    pub trace: bool,
}

/// The typed `logging { }` section.
///
/// Destinations: `to_stderr`, `to_file`, `to_syslog` (or the older
/// repeatable `logoutput: stderr|file|syslog`), any combination. A file
/// naming none of them logs to syslog only, as a daemon should.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggingConfig {
    pub to_stderr: bool,
    pub to_file: bool,
    pub to_syslog: bool,
    /// Set whenever `to_file` is.
    pub logfile: Option<PathBuf>,
    /// Debug messages of every subsystem.
    pub debug: bool,
    /// Prefix file and stderr lines with the local time to the
    /// microsecond.
    pub timestamp: bool,
    /// Add the source file and line to each line.
    pub fileline: bool,
    pub syslog_facility: SyslogFacility,
    pub loggers: Vec<LoggerConfig>,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            to_stderr: false,
            to_file: false,
            to_syslog: true,
            logfile: None,
            debug: false,
            timestamp: false,
            fileline: false,
            syslog_facility: SyslogFacility::Daemon,
            loggers: Vec::new(),
        }
    }
}

impl LoggingConfig {
    /// Everything to stderr, nothing else: the setting before the
    /// configuration file is read.
    pub fn stderr_only() -> Self {
        LoggingConfig {
            to_stderr: true,
            to_syslog: false,
            ..LoggingConfig::default()
        }
    }
}

const FACILITIES: &[(&str, SyslogFacility)] = &[
    ("daemon", SyslogFacility::Daemon),
    ("local0", SyslogFacility::Local0),
    ("local1", SyslogFacility::Local1),
    ("local2", SyslogFacility::Local2),
    ("local3", SyslogFacility::Local3),
    ("local4", SyslogFacility::Local4),
    ("local5", SyslogFacility::Local5),
    ("local6", SyslogFacility::Local6),
    ("local7", SyslogFacility::Local7),
];

const TAGS: &[&str] = &[
    "enter", "leave", "return", "trace1", "trace2", "trace3", "trace4", "trace5", "trace6",
    "trace7", "trace8",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Stderr,
    File,
    Syslog,
}

pub(crate) fn read(ctx: &mut Ctx<'_>, section: &Section) -> Result<LoggingConfig, ConfigError> {
    check_subsections(ctx, section, &["logger", "logger_subsys"])?;
    let mut keys = Keys::new(section);
    let at = |ctx: &Ctx<'_>, e: &Entry, kind| ctx.error(e.line, kind);

    let to_stderr = flag(ctx, &mut keys, "to_stderr")?;
    let to_file = flag(ctx, &mut keys, "to_file")?;
    let to_syslog = flag(ctx, &mut keys, "to_syslog")?;
    let mut outputs = Vec::new();
    for e in keys.all("logoutput") {
        let out = value::choice(
            e,
            &[
                ("stderr", Output::Stderr),
                ("file", Output::File),
                ("syslog", Output::Syslog),
            ],
            "stderr, file or syslog",
        )
        .map_err(|k| at(ctx, e, k))?;
        outputs.push((out, e.line));
    }
    let named = |out: Output, explicit: Option<(bool, u32)>| -> (bool, u32) {
        let from_logoutput = outputs.iter().find(|(o, _)| *o == out).map(|&(_, l)| l);
        match (explicit, from_logoutput) {
            (Some((on, line)), _) => (on, line),
            (None, Some(line)) => (true, line),
            (None, None) => (false, 0),
        }
    };
    let any_named =
        to_stderr.is_some() || to_file.is_some() || to_syslog.is_some() || !outputs.is_empty();
    let (stderr_on, _) = named(Output::Stderr, to_stderr);
    let (file_on, file_line) = named(Output::File, to_file);
    let (syslog_on, _) = named(Output::Syslog, to_syslog);

    let logfile = keys.get(ctx, "logfile").map(|e| PathBuf::from(&e.value));
    if file_on && logfile.is_none() {
        return Err(ctx.error(file_line, ConfigErrorKind::LogfileMissing));
    }
    let debug = flag(ctx, &mut keys, "debug")?.is_some_and(|(on, _)| on);
    let timestamp = flag(ctx, &mut keys, "timestamp")?.is_some_and(|(on, _)| on);
    let fileline = flag(ctx, &mut keys, "fileline")?.is_some_and(|(on, _)| on);
    let syslog_facility = match keys.get(ctx, "syslog_facility") {
        Some(e) => value::choice(e, FACILITIES, "daemon or local0 ... local7")
            .map_err(|k| at(ctx, e, k))?,
        None => SyslogFacility::Daemon,
    };
    keys.finish(ctx);

    let mut loggers = Vec::new();
    for sub in &section.sections {
        loggers.push(read_logger(ctx, sub)?);
    }

    Ok(LoggingConfig {
        to_stderr: stderr_on,
        to_file: file_on,
        // With no destination named at all, syslog.
        to_syslog: syslog_on || !any_named,
        logfile,
        debug,
        timestamp,
        fileline,
        syslog_facility,
        loggers,
    })
}

/// An on/off key and its line, if present.
fn flag(
    ctx: &mut Ctx<'_>,
    keys: &mut Keys<'_>,
    key: &str,
) -> Result<Option<(bool, u32)>, ConfigError> {
    match keys.get(ctx, key) {
        Some(e) => {
            let on = value::boolean(e).map_err(|k| ctx.error(e.line, k))?;
            Ok(Some((on, e.line)))
        }
        None => Ok(None),
    }
}

/// `logger { ident debug tags }`, or the later `logger_subsys { subsys
/// debug tags }` spelling.
fn read_logger(ctx: &mut Ctx<'_>, section: &Section) -> Result<LoggerConfig, ConfigError> {
    check_subsections(ctx, section, &[])?;
    let (ident_key, section_name) = if section.name == "logger" {
        ("ident", "logger")
    } else {
        ("subsys", "logger_subsys")
    };
    let mut keys = Keys::new(section);
    let Some(ident) = keys.get(ctx, ident_key) else {
        return Err(ctx.error(
            section.line,
            ConfigErrorKind::MissingKey {
                section: section_name,
                key: ident_key,
            },
        ));
    };
    let debug = match keys.get(ctx, "debug") {
        Some(e) => value::boolean(e).map_err(|k| ctx.error(e.line, k))?,
        None => false,
    };
    let tags = match keys.get(ctx, "tags") {
        Some(e) => {
            for tag in e.value.split('|') {
                if !TAGS.contains(&tag.trim()) {
                    return Err(ctx.error(
                        e.line,
                        ConfigErrorKind::BadValue {
                            key: e.key.clone(),
                            value: e.value.clone(),
                            expected: "tags joined by | (enter, leave, return, trace1 ... trace8)",
                        },
                    ));
                }
            }
            true
        }
        None => false,
    };
    keys.finish(ctx);
    Ok(LoggerConfig {
        ident: ident.value.clone(),
        debug,
        trace: debug && tags,
    })
}

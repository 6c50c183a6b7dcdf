//! `openais.conf`: reading the executive's configuration file into typed
//! settings.
//!
//! The file is in openais's objdb format (see [`syntax`] for the exact
//! rules): nested `name { }` sections holding `key: value` lines, `#`
//! comment lines. Sections, as in openais.conf(5):
//!
//! * `totem { }`, or its alias `network { }`: [`TotemConfig`]; required,
//!   with `version: 2` and at least one `interface { bindnetaddr ... }`;
//! * `timeout { }`: the older flat form of the totem timeouts
//!   ([`Timeouts`]); `totem` wins where both set a key;
//! * `logging { }`: [`LoggingConfig`];
//! * `aisexec { user group max_connections max_queued_bytes }`:
//!   [`AisexecConfig`];
//! * `amf { mode }`: [`AmfConfig`];
//! * `clm { node_name }`: [`ClmConfig`];
//! * `event { delivery_queue_size delivery_queue_resume }`: [`EventConfig`];
//! * `checkpoint { max_checkpoint_size max_total_size }`: [`CheckpointConfig`].
//! * `message { max_total_size }`: [`MessageConfig`].
//! * `quorum { provider expected_votes votes two_node wait_for_all
//!   last_man_standing last_man_standing_window }`: [`QuorumConfig`].
//!
//! An unknown section, a malformed line, a bad value or a missing required
//! key is a [`ConfigError`] whose `Display` is `file:line: what is wrong`.
//! An unknown key inside a known section is only a [`ConfigWarning`]: it is
//! logged (`log::warn!`, target `MAIN`) and kept in [`Config::warnings`].

pub mod amf;
mod error;
mod limited;
mod logging;
mod nodeid;
mod paths;
mod quorum;
mod reader;
mod rrp;
mod services;
mod syntax;
mod timeouts;
mod totem;
mod value;

#[cfg(test)]
mod tests;

use std::path::Path;

pub use self::error::{ConfigError, ConfigErrorKind, ConfigWarning, WarningKind};
pub use self::limited::{read_limited, LimitedReadError};
pub use self::logging::{LoggerConfig, LoggingConfig, SyslogFacility};
pub use self::nodeid::{nodeid_from_ipv4, resolve_bindnetaddr, LocalAddr};
pub use self::paths::*;
pub use self::quorum::{
    QuorumConfig, QuorumProvider, DEFAULT_LMS_WINDOW_MS, MAX_EXPECTED_VOTES, MAX_NODE_VOTES,
};
pub use self::rrp::{
    RrpSettings, DEFAULT_PROBLEM_COUNT_THRESHOLD, DEFAULT_PROBLEM_COUNT_TIMEOUT_MS,
    MIN_PROBLEM_COUNT_THRESHOLD,
};
pub use self::services::{
    AisexecConfig, AmfConfig, AmfMode, CheckpointConfig, ClmConfig, ClmNodeName, EventConfig,
    MessageConfig, CHECKPOINT_SIZE_LIMIT, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_QUEUED_BYTES,
    MIN_MAX_QUEUED_BYTES,
};
pub use self::timeouts::{Timeouts, MAX_BYTES_PER_ROTATION, MINIMUM_TIMEOUT_MS};
pub use self::totem::{
    InlineKey, Interface, KeySource, RrpMode, TotemConfig, Transport, DEFAULT_MCASTPORT,
    DEFAULT_NETMTU, MAX_RINGS, MAX_THREADS, NETMTU_RANGE,
};

use self::reader::Ctx;
use self::syntax::Section;

/// Everything `openais.conf` says, defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub totem: TotemConfig,
    pub logging: LoggingConfig,
    pub aisexec: AisexecConfig,
    pub amf: AmfConfig,
    pub clm: ClmConfig,
    pub event: EventConfig,
    pub checkpoint: CheckpointConfig,
    pub message: MessageConfig,
    pub quorum: QuorumConfig,
    /// What was ignored, in file order; already logged.
    pub warnings: Vec<ConfigWarning>,
}

/// The largest configuration file read: openais's own are a few KiB, and
/// a path pointing at `/dev/zero` must not grow the executive.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Reads and checks the configuration file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let file = path.display().to_string();
    match read_text(path, MAX_CONFIG_BYTES) {
        Ok(text) => parse(&text, &file),
        Err(kind) => Err(ConfigError {
            file,
            line: 0,
            kind,
        }),
    }
}

/// The text of a configuration file of at most `limit` bytes.
fn read_text(path: &Path, limit: u64) -> Result<String, ConfigErrorKind> {
    let bytes = read_limited(path, limit).map_err(|e| match e {
        LimitedReadError::Io(e) => ConfigErrorKind::Io(e),
        LimitedReadError::TooLarge { limit } => ConfigErrorKind::TooLarge { limit },
    })?;
    String::from_utf8(bytes)
        .map_err(|e| ConfigErrorKind::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// Checks configuration `text`; `file` names it in errors and warnings.
pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
    let mut ctx = Ctx::new(file);
    let root = syntax::parse_tree(text).map_err(|(line, kind)| ctx.error(line, kind))?;
    let config = build(&mut ctx, &root)?;
    for warning in &config.warnings {
        log::warn!(target: "MAIN", "{warning}");
    }
    Ok(config)
}

/// The top-level sections, each allowed once. `network` is another name
/// for `totem`.
const TOP_LEVEL: &[&str] = &[
    "totem",
    "network",
    "timeout",
    "logging",
    "aisexec",
    "amf",
    "clm",
    "event",
    "checkpoint",
    "message",
    "quorum",
];

fn build(ctx: &mut Ctx<'_>, root: &Section) -> Result<Config, ConfigError> {
    let mut seen: Vec<&Section> = Vec::new();
    for section in &root.sections {
        if !TOP_LEVEL.contains(&section.name.as_str()) {
            return Err(ctx.error(
                section.line,
                ConfigErrorKind::UnknownSection {
                    name: section.name.clone(),
                    parent: None,
                },
            ));
        }
        let canonical = |name: &str| if name == "network" { "totem" } else { name }.to_string();
        if let Some(first) = seen
            .iter()
            .find(|s| canonical(&s.name) == canonical(&section.name))
        {
            return Err(ctx.error(
                section.line,
                ConfigErrorKind::DuplicateSection {
                    name: section.name.clone(),
                    first_line: first.line,
                },
            ));
        }
        seen.push(section);
    }
    let find = |name: &str| seen.iter().copied().find(|s| s.name == name);

    let Some(totem_section) = find("totem").or_else(|| find("network")) else {
        return Err(ctx.error(0, ConfigErrorKind::MissingSection("totem")));
    };
    let totem = totem::read(ctx, totem_section, find("timeout"))?;
    let logging = match find("logging") {
        Some(s) => logging::read(ctx, s)?,
        None => LoggingConfig::default(),
    };
    let aisexec = match find("aisexec") {
        Some(s) => services::read_aisexec(ctx, s)?,
        None => AisexecConfig::default(),
    };
    let amf = match find("amf") {
        Some(s) => services::read_amf(ctx, s)?,
        None => AmfConfig::default(),
    };
    let clm = match find("clm") {
        Some(s) => services::read_clm(ctx, s)?,
        None => ClmConfig::default(),
    };
    let event = match find("event") {
        Some(s) => services::read_event(ctx, s)?,
        None => EventConfig::default(),
    };
    let checkpoint = match find("checkpoint") {
        Some(s) => services::read_checkpoint(ctx, s)?,
        None => CheckpointConfig::default(),
    };
    let message = match find("message") {
        Some(s) => services::read_message(ctx, s)?,
        None => MessageConfig::default(),
    };
    let quorum = match find("quorum") {
        Some(s) => quorum::read(ctx, s, &totem)?,
        None => QuorumConfig::default(),
    };

    let mut warnings = std::mem::take(&mut ctx.warnings);
    warnings.sort_by_key(|w| w.line);
    Ok(Config {
        totem,
        logging,
        aisexec,
        amf,
        clm,
        event,
        checkpoint,
        message,
        quorum,
        warnings,
    })
}

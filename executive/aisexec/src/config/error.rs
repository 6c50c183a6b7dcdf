//! What can be wrong with a configuration file, and what is only worth a
//! warning.
//!
//! Every error names the file and the line it comes from, so that aisexec
//! can exit with `file:line: what is wrong` and a user can go straight to
//! the offending line.

use std::fmt;
use std::io;
use std::net::IpAddr;

use thiserror::Error;

/// A configuration file that cannot be used.
///
/// `Display` gives `file:line: what is wrong`. `line` is 1-based; 0 means
/// the problem belongs to no single line (the file cannot be read, or a
/// whole section is missing), and then `Display` gives `file: what is
/// wrong`.
#[derive(Debug)]
pub struct ConfigError {
    pub file: String,
    pub line: u32,
    pub kind: ConfigErrorKind,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.kind)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.kind)
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ConfigErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// The ways a configuration file can be wrong.
#[derive(Debug, Error)]
pub enum ConfigErrorKind {
    /// The file could not be read.
    #[error("cannot read the configuration file: {0}")]
    Io(#[source] io::Error),
    /// The file holds more than any configuration needs
    /// ([`super::MAX_CONFIG_BYTES`]); it may be a device or a pipe that
    /// never ends.
    #[error("too large (limit {limit} bytes)")]
    TooLarge { limit: u64 },

    // --- syntax -------------------------------------------------------
    /// A line that is neither a comment, `key: value`, `name {` nor `}`.
    #[error("expected `key: value`, `name {{` or `}}`")]
    Malformed,
    /// A brace sharing its line with other text (`amf { mode: disabled }`).
    #[error("a `{{` must end its line and a `}}` must stand alone on its line")]
    BraceNotAlone,
    /// `{` with nothing before it.
    #[error("`{{` without a section name")]
    MissingSectionName,
    /// A section or key name with characters other than letters, digits,
    /// `_`, `-` and `.`.
    #[error("`{0}` is not a valid name")]
    BadName(String),
    /// `key:` with nothing after the colon.
    #[error("`{0}` has no value")]
    MissingValue(String),
    /// A `}` that closes nothing.
    #[error("`}}` without an open section")]
    UnexpectedClose,
    /// End of file inside a section (reported at the section's opening line).
    #[error("section `{0}` is not closed")]
    Unclosed(String),
    /// `key: value` outside every section.
    #[error("`{0}` is outside any section")]
    KeyOutsideSection(String),
    /// Sections nested deeper than any openais configuration needs.
    #[error("sections are nested more than {0} deep")]
    TooDeep(usize),

    // --- structure ----------------------------------------------------
    /// A section this implementation does not know.
    #[error("unknown section `{name}`{}", in_parent(.parent))]
    UnknownSection {
        name: String,
        parent: Option<String>,
    },
    /// A section that may appear only once appears again.
    #[error("section `{name}` repeats the one at line {first_line}")]
    DuplicateSection { name: String, first_line: u32 },
    /// A section that must be present is not.
    #[error("no `{0} {{ }}` section")]
    MissingSection(&'static str),
    /// A key that must be present is not.
    #[error("`{section}` needs `{key}`")]
    MissingKey {
        section: &'static str,
        key: &'static str,
    },

    // --- values -------------------------------------------------------
    /// A value of the wrong form.
    #[error("`{key}: {value}`: expected {expected}")]
    BadValue {
        key: String,
        value: String,
        expected: &'static str,
    },
    /// A number outside its allowed range.
    #[error("`{key}: {value}`: must be between {min} and {max}")]
    OutOfRange {
        key: String,
        value: String,
        min: u64,
        max: u64,
    },
    /// A timeout below what the protocol can honour. `derived_from` names
    /// the key the value was computed from (token_retransmit from token,
    /// hold from token_retransmit) when the user did not write it.
    #[error("{key} is {value} ms{}, below the minimum of {min} ms", derived_note(.derived_from))]
    TimeoutTooSmall {
        key: &'static str,
        value: u64,
        min: u64,
        derived_from: Option<&'static str>,
    },
    /// `version:` other than 2.
    #[error("totem version `{0}` is not supported: only version 2 is")]
    UnsupportedVersion(String),
    /// `nodeid: 0`.
    #[error("nodeid 0 is reserved")]
    NodeidZero,
    /// An IPv6 interface and no `nodeid`: an IPv6 address does not fit the
    /// 32-bit node id.
    #[error("IPv6 requires nodeid")]
    Ipv6RequiresNodeid,
    /// Two addresses that must be of the same family are not.
    #[error("{what} {addr} is not of the same address family as bindnetaddr {bindnet}")]
    FamilyMismatch {
        what: &'static str,
        addr: IpAddr,
        bindnet: IpAddr,
    },
    /// `mcastaddr` that is not a multicast address.
    #[error("mcastaddr {0} is not a multicast address")]
    NotMulticast(IpAddr),
    /// `transport: udpu` with no `member { memberaddr }`.
    #[error("transport udpu needs at least one `member {{ memberaddr: ADDRESS }}`")]
    NoMembers,
    /// Two interfaces with the same ring number.
    #[error("ringnumber {ring} repeats the interface at line {first_line}")]
    DuplicateRing { ring: u32, first_line: u32 },
    /// More interfaces than the redundant ring mode allows.
    #[error("{count} interfaces need rrp_mode active or passive")]
    TooManyInterfaces { count: usize },
    /// `rrp_mode` active or passive with a single interface.
    #[error("rrp_mode {mode} needs at least 2 interface sections (ringnumber 0 and 1)")]
    TooFewInterfaces { mode: &'static str },
    /// Ring numbers must run from 0 without a gap.
    #[error(
        "ringnumber {ring} without ringnumber {missing}: rings are numbered from 0 without a gap"
    )]
    RingGap { ring: u32, missing: u32 },
    /// `transport: udpu` and a redundant ring with no members of its own.
    #[error("ring {ring} needs its own `member {{ memberaddr: ADDRESS }}` sections inside its interface (transport udpu)")]
    RingWithoutMembers { ring: u32 },
    /// `max_messages` larger than one rotation can carry at this MTU.
    #[error("max_messages {value} is more than {limit} messages of netmtu bytes")]
    MaxMessagesTooLarge { value: u64, limit: u64 },
    /// `to_file: yes` without `logfile`.
    #[error("logging to a file needs `logfile`")]
    LogfileMissing,
    /// `event { delivery_queue_resume }` above `delivery_queue_size`.
    #[error("delivery_queue_resume {resume} is above delivery_queue_size {size}")]
    ResumeAboveSize { resume: u64, size: u64 },
    /// `quorum { two_node: yes }` with expected votes other than 2.
    #[error("two_node needs expected_votes 2, not {0}")]
    TwoNodeNeedsTwoVotes(u32),
}

fn derived_note(from: &Option<&'static str>) -> String {
    match from {
        Some(k) => format!(" (derived from {k})"),
        None => String::new(),
    }
}

fn in_parent(parent: &Option<String>) -> String {
    match parent {
        Some(p) => format!(" in `{p}`"),
        None => String::new(),
    }
}

/// Something in a configuration file that is ignored but probably not
/// what its author meant. aisexec logs it and goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    pub file: String,
    pub line: u32,
    pub kind: WarningKind,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.kind)
    }
}

/// The reasons for a [`ConfigWarning`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WarningKind {
    /// A key the section does not know; ignored.
    #[error("unknown key `{key}` in `{section}` ignored")]
    UnknownKey { section: String, key: String },
    /// A key given twice in one section; this (the later) line wins.
    #[error("`{key}` repeats line {first_line}; this value is used")]
    DuplicateKey { key: String, first_line: u32 },
    /// An openais key that this implementation accepts but does not act on.
    #[error("`{0}` has no effect in this implementation")]
    NoEffect(String),
    /// A key of the flat `timeout { }` section also set in `totem { }`,
    /// whose value wins.
    #[error("`{key}` is also set in totem at line {totem_line}, which wins")]
    OverriddenByTotem { key: String, totem_line: u32 },
    /// `mcastaddr` with `transport: udpu`, which sends no multicast.
    #[error("mcastaddr is not used with transport udpu")]
    McastaddrUnused,
}

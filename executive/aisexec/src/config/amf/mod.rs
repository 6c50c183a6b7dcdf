//! `amf.conf`: the AMF configuration of openais 0.80 (read from
//! `OPENAIS_AMF_CONFIG_FILE`, default `/etc/ais/amf.conf`, when
//! `openais.conf` says `amf { mode: enabled }`) as a typed model.
//!
//! The tree is fixed: one `safAmfCluster` holding `safAmfNode`s and
//! `safApp`s; an application holds service groups (`safSg`), service
//! instances (`safSi`) and component service types (`safCSType`); a
//! group holds service units (`safSu`), a unit components (`safComp`), an
//! SI its CSIs (`safCsi`). Every key of openais's format is read; a bad
//! value, an unknown key or object, or a reference to something that does
//! not exist is an [`AmfConfigError`] printed as `file:line: what`.
//! Defaults are openais's (`amf_*_new` in openais 0.80).

mod build;
mod syntax;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{read_limited, LimitedReadError, MAX_CONFIG_BYTES};

/// The AMF configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmfModel {
    pub cluster: Cluster,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub name: String,
    /// Wait this long after start before the first assignment (ms).
    pub startup_timeout_ms: u64,
    pub nodes: Vec<AmfNode>,
    pub apps: Vec<App>,
}

/// A `safAmfNode`: its name is a node's host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmfNode {
    pub name: String,
    pub su_failover_prob_ms: u64,
    pub su_failover_max: u32,
    pub auto_repair: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub name: String,
    pub sgs: Vec<Sg>,
    pub sis: Vec<Si>,
    pub cs_types: Vec<CsType>,
}

/// saAmfSGRedundancyModel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedundancyModel {
    TwoN,
    NPlusM,
    NWay,
    NWayActive,
    NoRedundancy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sg {
    pub name: String,
    pub redundancy: RedundancyModel,
    pub num_pref_active_sus: u32,
    pub num_pref_standby_sus: u32,
    /// `None`: no limit (openais's ~0).
    pub max_active_sis_per_su: Option<u32>,
    pub max_standby_sis_per_su: Option<u32>,
    pub comp_restart_prob_ms: Option<u64>,
    pub comp_restart_max: Option<u32>,
    pub su_restart_prob_ms: Option<u64>,
    pub su_restart_max: Option<u32>,
    pub auto_adjust_prob_ms: Option<u64>,
    pub auto_repair: bool,
    pub sus: Vec<Su>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Su {
    pub name: String,
    /// The `safAmfNode` that runs this unit's components.
    pub hosted_by: String,
    pub num_components: u32,
    pub failover: bool,
    pub comps: Vec<Comp>,
}

/// saAmfCompCategory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompCategory {
    SaAware,
    Proxy,
    Proxied,
    Local,
}

/// saAmfCompCapability (saAmfCompCapabilityModelT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    XActiveAndYStandby,
    XActiveOrYStandby,
    OneActiveOrYStandby,
    OneActiveOrOneStandby,
    XActive,
    OneActive,
    NonPreInstantiable,
}

/// saAmfCompRecoveryOnError.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    ComponentRestart,
    ComponentFailover,
    NodeSwitchover,
    NodeFailover,
    NodeFailfast,
    ApplicationRestart,
    ClusterReset,
}

/// A CLC-CLI command: the program (the innermost `clccli_path` joined to
/// a relative command) and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClcCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
}

/// The per-operation timeouts of a component (ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompTimeouts {
    pub instantiate: u64,
    pub terminate: u64,
    pub cleanup: u64,
    pub csi_set: u64,
    pub csi_remove: u64,
    pub terminate_callback: u64,
    pub quiescing_complete: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Healthcheck {
    pub key: String,
    pub period_ms: u64,
    pub max_duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comp {
    pub name: String,
    pub category: CompCategory,
    pub capability: Capability,
    pub max_active_csi: u32,
    pub max_standby_csi: u32,
    pub instantiate: Option<ClcCommand>,
    pub terminate: Option<ClcCommand>,
    pub cleanup: Option<ClcCommand>,
    pub timeouts: CompTimeouts,
    pub max_instantiate_without_delay: u32,
    pub max_instantiate_with_delay: u32,
    pub delay_between_instantiate_ms: u64,
    pub disable_restart: bool,
    pub recovery: Recovery,
    pub cs_types: Vec<String>,
    /// `VAR=value` of saAmfCompCmdEnv, in file order.
    pub env: Vec<(String, String)>,
    pub healthchecks: Vec<Healthcheck>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Si {
    pub name: String,
    /// The protecting SG (resolved when the application has only one).
    pub protected_by: String,
    /// saAmfSIRank: 0 is the lowest rank; SIs are assigned from rank 1
    /// upwards, 0 last (B.01.01: rank 0 means "lowest").
    pub rank: u32,
    pub num_csis: u32,
    pub csis: Vec<Csi>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csi {
    pub name: String,
    pub cs_type: String,
    /// Each attribute with its values, in file order.
    pub attrs: Vec<(String, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsType {
    pub name: String,
    pub attr_names: Vec<String>,
}

/// An amf.conf that cannot be used: `file:line: what`.
#[derive(Debug, Error)]
#[error("{}", location(.file, *.line, .kind))]
pub struct AmfConfigError {
    pub file: String,
    pub line: u32,
    pub kind: AmfErrorKind,
}

fn location(file: &str, line: u32, kind: &AmfErrorKind) -> String {
    if line == 0 {
        format!("{file}: {kind}")
    } else {
        format!("{file}:{line}: {kind}")
    }
}

/// What is wrong with an amf.conf.
#[derive(Debug, Error)]
pub enum AmfErrorKind {
    #[error("cannot read the AMF configuration file: {0}")]
    Io(#[source] std::io::Error),
    #[error("too large (limit {limit} bytes)")]
    TooLarge { limit: u64 },
    #[error("expected `key = value`, `safXxx = NAME {{`, `key {{` or `}}`")]
    Malformed,
    #[error("a `{{` must end its line and a `}}` must stand alone on its line")]
    BraceNotAlone,
    #[error("a list holds values, not braces")]
    BraceInList,
    #[error("`{0}` is not a valid key")]
    BadKey(String),
    #[error("`{0}` is not a valid object name")]
    BadObjectName(String),
    #[error("`{0}` has no value")]
    MissingValue(String),
    #[error("`}}` without an open object")]
    UnexpectedClose,
    #[error("`{0}` is not closed")]
    Unclosed(String),
    #[error("`{0}` is outside safAmfCluster")]
    OutsideCluster(String),
    #[error("objects are nested more than {0} deep")]
    TooDeep(usize),
    #[error("no safAmfCluster")]
    NoCluster,
    #[error("safAmfCluster repeats the one at line {0}")]
    SecondCluster(u32),
    #[error("`{key}` is not allowed in {parent}")]
    UnknownKey { key: String, parent: &'static str },
    #[error("`{key}` needs a name: `{key} = NAME {{`")]
    Unnamed { key: String },
    #[error("{what} `{name}` repeats the one at line {first_line}")]
    Duplicate {
        what: &'static str,
        name: String,
        first_line: u32,
    },
    #[error("`{key} = {value}`: expected {expected}")]
    BadValue {
        key: String,
        value: String,
        expected: &'static str,
    },
    #[error("`{0}` repeats in this object")]
    DuplicateKey(String),
    #[error("{what} `{name}` needs `{key}`")]
    MissingKey {
        what: &'static str,
        name: String,
        key: &'static str,
    },
    #[error("{what} `{name}` refers to {kind} `{target}`, which does not exist")]
    UnknownReference {
        what: &'static str,
        name: String,
        kind: &'static str,
        target: String,
    },
    #[error("safSi `{0}` needs saAmfSIProtectedbySG: its application has more than one SG")]
    AmbiguousSg(String),
    #[error("safCsi `{csi}`: no component of SG `{sg}` takes CS type `{cs_type}`")]
    NoComponentForCsType {
        csi: String,
        sg: String,
        cs_type: String,
    },
    #[error("safComp `{0}` takes no CS type of any CSI")]
    ComponentWithoutCsi(String),
    #[error("safCsi `{csi}`: attribute `{attr}` is not one of CS type `{cs_type}`")]
    UnknownAttribute {
        csi: String,
        attr: String,
        cs_type: String,
    },
    #[error("{what} `{name}`: {key} is {said} but it has {found}")]
    CountMismatch {
        what: &'static str,
        name: String,
        key: &'static str,
        said: u32,
        found: usize,
    },
    #[error("`{0}`: expected VAR=value")]
    BadEnv(String),
    #[error("safComp `{0}` needs saAmfCompInstantiateCmd (only a proxied one has none)")]
    NoInstantiateCmd(String),
}

impl AmfModel {
    /// Reads and checks the file at `path`, bounded as openais.conf is.
    pub fn load(path: &Path) -> Result<AmfModel, AmfConfigError> {
        let file = path.display().to_string();
        let err = |kind| AmfConfigError {
            file: file.clone(),
            line: 0,
            kind,
        };
        let bytes = read_limited(path, MAX_CONFIG_BYTES).map_err(|e| match e {
            LimitedReadError::Io(e) => err(AmfErrorKind::Io(e)),
            LimitedReadError::TooLarge { limit } => err(AmfErrorKind::TooLarge { limit }),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            err(AmfErrorKind::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                e,
            )))
        })?;
        AmfModel::parse(&text, &file)
    }

    /// Checks the text of an amf.conf; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<AmfModel, AmfConfigError> {
        let root = syntax::parse(text).map_err(|(line, kind)| AmfConfigError {
            file: file.to_string(),
            line,
            kind,
        })?;
        build::model(&root).map_err(|(line, kind)| AmfConfigError {
            file: file.to_string(),
            line,
            kind,
        })
    }
}

/// Distinguished names as components see them.
pub mod dn {
    pub fn comp(app: &str, sg: &str, su: &str, comp: &str) -> String {
        format!("safComp={comp},safSu={su},safSg={sg},safApp={app}")
    }
    pub fn su(app: &str, sg: &str, su: &str) -> String {
        format!("safSu={su},safSg={sg},safApp={app}")
    }
    pub fn si(app: &str, si: &str) -> String {
        format!("safSi={si},safApp={app}")
    }
    pub fn csi(app: &str, si: &str, csi: &str) -> String {
        format!("safCsi={csi},safSi={si},safApp={app}")
    }
    pub fn sg(app: &str, sg: &str) -> String {
        format!("safSg={sg},safApp={app}")
    }
}

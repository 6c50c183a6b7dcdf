//! The small sections: `aisexec { }`, `amf { }`, `clm { }`, `event { }`
//! and `checkpoint { }`.

use super::error::{ConfigError, ConfigErrorKind};
use super::reader::{check_subsections, Ctx, Keys};
use super::syntax::{Entry, Section};
use super::value;

/// `aisexec { user group max_connections max_queued_bytes }`: the
/// identity library clients are checked against, and how much of the
/// executive they may occupy. `user` and `group` default to `ais`, as in
/// openais. Whether they exist on this system is checked when the
/// executive starts, not here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AisexecConfig {
    pub user: String,
    /// Members of this group (and root) may connect.
    pub group: String,
    /// Library connections (a request socket and its dispatch socket)
    /// served at once; a set-up past this is refused with
    /// `SA_AIS_ERR_NO_RESOURCES`. Not an openais key.
    pub max_connections: u32,
    /// Bytes (responses and callbacks) queued for all clients together
    /// that they have not read yet; past this the connection with the most
    /// unread bytes is dropped. Not an openais key.
    pub max_queued_bytes: u64,
}

/// Default of `aisexec { max_connections }`: far above what a node's
/// applications open (two sockets each), far below what would exhaust the
/// executive.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 4096;
/// Default of `aisexec { max_queued_bytes }`: 64 MiB, room for several
/// clients at their own limit of 8 frames of the largest size.
pub const DEFAULT_MAX_QUEUED_BYTES: u64 = 64 * 1024 * 1024;
/// The least `max_queued_bytes`: one frame of the largest size must fit.
pub const MIN_MAX_QUEUED_BYTES: u64 = sa_ipc::frame::MAX_FRAME as u64;

impl Default for AisexecConfig {
    fn default() -> Self {
        AisexecConfig {
            user: "ais".to_string(),
            group: "ais".to_string(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_queued_bytes: DEFAULT_MAX_QUEUED_BYTES,
        }
    }
}

/// Whether AMF starts the applications of the AMF configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AmfMode {
    Enabled,
    Disabled,
}

/// `amf { mode }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmfConfig {
    /// Disabled when absent.
    pub mode: AmfMode,
    /// The safAmfNode this executive is (`amf { node_name }`); the host
    /// name when absent, as openais matched it. Local test clusters run
    /// several executives on one host and name each here.
    pub node_name: Option<String>,
}

impl Default for AmfConfig {
    fn default() -> Self {
        AmfConfig {
            mode: AmfMode::Disabled,
            node_name: None,
        }
    }
}

/// What CLM reports as a node's `nodeName`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClmNodeName {
    /// The node's address as text, the same bytes as `nodeAddress.value`
    /// ("10.0.0.1"): what openais 0.80 and 1.1 reported, and what their
    /// programs and the saftest adapter compare.
    Address,
    /// The host name (gethostname).
    Hostname,
}

/// `clm { node_name }`: `address` (the default) or `hostname`. Not an
/// openais key: openais always reported the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClmConfig {
    pub node_name: ClmNodeName,
}

impl Default for ClmConfig {
    fn default() -> Self {
        ClmConfig {
            node_name: ClmNodeName::Address,
        }
    }
}

/// `event { delivery_queue_size delivery_queue_resume }`: flow control of
/// event delivery to each subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventConfig {
    /// Events queued for one subscriber before later ones are dropped
    /// (and the subscriber told so with a lost-event event).
    pub delivery_queue_size: u32,
    /// Queue length below which delivery into a full queue resumes.
    pub delivery_queue_resume: u32,
}

impl Default for EventConfig {
    fn default() -> Self {
        EventConfig {
            delivery_queue_size: 1000,
            delivery_queue_resume: 500,
        }
    }
}

/// `checkpoint { max_checkpoint_size max_total_size }`: how many bytes of
/// section data this executive holds for one checkpoint and for all of
/// them. A write past either is refused with SA_AIS_ERR_NO_RESOURCES.
/// openais had no such bound (a client's checkpointSize was the only
/// limit, and `~0` is a legal one); the defaults are far above what
/// openais's own tools wrote. Every node must use the same values, as
/// with the Totem settings: each applies the same writes to the same
/// state and must refuse the same ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointConfig {
    pub max_checkpoint_size: u64,
    pub max_total_size: u64,
}

/// The largest value either key takes: 1 TiB (a section must fit in the
/// address space of every node; the CKPT service's own ceiling).
pub const CHECKPOINT_SIZE_LIMIT: u64 = crate::services::ckpt::MAX_ROOM;

impl Default for CheckpointConfig {
    fn default() -> Self {
        CheckpointConfig {
            max_checkpoint_size: 256 << 20,
            max_total_size: 1 << 30,
        }
    }
}

/// `message { max_total_size }`: how many bytes all message queues of
/// this executive hold together (each message weighed by its data plus
/// its bookkeeping). A send past it is refused with
/// SA_AIS_ERR_NO_RESOURCES; a queue's own priority areas (its creation
/// attributes, a client's numbers) give SA_AIS_ERR_QUEUE_FULL. Every node
/// must use the same value: each applies the same sends to the same
/// queues and must refuse the same ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageConfig {
    pub max_total_size: u64,
}

/// The largest `message { max_total_size }`: 1 TiB.
pub const MESSAGE_SIZE_LIMIT: u64 = 1 << 40;

impl Default for MessageConfig {
    fn default() -> Self {
        MessageConfig {
            max_total_size: 256 << 20,
        }
    }
}

pub(crate) fn read_message(
    ctx: &mut Ctx<'_>,
    section: &Section,
) -> Result<MessageConfig, ConfigError> {
    check_subsections(ctx, section, &[])?;
    let mut keys = Keys::new(section);
    let mut config = MessageConfig::default();
    if let Some(e) = keys.get(ctx, "max_total_size") {
        config.max_total_size =
            value::number(e, 0, MESSAGE_SIZE_LIMIT).map_err(|k| ctx.error(e.line, k))?;
    }
    keys.finish(ctx);
    Ok(config)
}

pub(crate) fn read_aisexec(
    ctx: &mut Ctx<'_>,
    section: &Section,
) -> Result<AisexecConfig, ConfigError> {
    check_subsections(ctx, section, &[])?;
    let mut keys = Keys::new(section);
    let mut config = AisexecConfig::default();
    if let Some(e) = keys.get(ctx, "user") {
        config.user = e.value.clone();
    }
    if let Some(e) = keys.get(ctx, "group") {
        config.group = e.value.clone();
    }
    if let Some(e) = keys.get(ctx, "max_connections") {
        config.max_connections =
            value::number_u32(e, 1, 1_000_000).map_err(|k| ctx.error(e.line, k))?;
    }
    if let Some(e) = keys.get(ctx, "max_queued_bytes") {
        config.max_queued_bytes =
            value::number(e, MIN_MAX_QUEUED_BYTES, 1 << 40).map_err(|k| ctx.error(e.line, k))?;
    }
    keys.finish(ctx);
    Ok(config)
}

pub(crate) fn read_amf(ctx: &mut Ctx<'_>, section: &Section) -> Result<AmfConfig, ConfigError> {
    check_subsections(ctx, section, &[])?;
    let mut keys = Keys::new(section);
    let mut config = AmfConfig::default();
    if let Some(e) = keys.get(ctx, "mode") {
        config.mode = value::choice(
            e,
            &[
                ("enabled", AmfMode::Enabled),
                ("disabled", AmfMode::Disabled),
            ],
            "enabled or disabled",
        )
        .map_err(|k| ctx.error(e.line, k))?;
    }
    if let Some(e) = keys.get(ctx, "node_name") {
        config.node_name = Some(e.value.clone());
    }
    keys.finish(ctx);
    Ok(config)
}

pub(crate) fn read_clm(ctx: &mut Ctx<'_>, section: &Section) -> Result<ClmConfig, ConfigError> {
    check_subsections(ctx, section, &[])?;
    let mut keys = Keys::new(section);
    let mut config = ClmConfig::default();
    if let Some(e) = keys.get(ctx, "node_name") {
        config.node_name = value::choice(
            e,
            &[
                ("address", ClmNodeName::Address),
                ("hostname", ClmNodeName::Hostname),
            ],
            "address or hostname",
        )
        .map_err(|k| ctx.error(e.line, k))?;
    }
    keys.finish(ctx);
    Ok(config)
}

pub(crate) fn read_event(ctx: &mut Ctx<'_>, section: &Section) -> Result<EventConfig, ConfigError> {
    check_subsections(ctx, section, &[])?;
    let mut keys = Keys::new(section);
    let mut config = EventConfig::default();
    let count = |ctx: &Ctx<'_>, e: &Entry| {
        value::number_u32(e, 1, u32::MAX).map_err(|k| ctx.error(e.line, k))
    };
    let size = keys.get(ctx, "delivery_queue_size");
    let resume = keys.get(ctx, "delivery_queue_resume");
    if let Some(e) = size {
        config.delivery_queue_size = count(ctx, e)?;
    }
    if let Some(e) = resume {
        config.delivery_queue_resume = count(ctx, e)?;
    }
    keys.finish(ctx);
    if config.delivery_queue_resume > config.delivery_queue_size {
        let line = resume.or(size).map_or(section.line, |e| e.line);
        return Err(ctx.error(
            line,
            ConfigErrorKind::ResumeAboveSize {
                resume: u64::from(config.delivery_queue_resume),
                size: u64::from(config.delivery_queue_size),
            },
        ));
    }
    Ok(config)
}

pub(crate) fn read_checkpoint(
    ctx: &mut Ctx<'_>,
    section: &Section,
) -> Result<CheckpointConfig, ConfigError> {
    check_subsections(ctx, section, &[])?;
    let mut keys = Keys::new(section);
    let mut config = CheckpointConfig::default();
    let size = |ctx: &Ctx<'_>, e: &Entry| {
        value::number(e, 0, CHECKPOINT_SIZE_LIMIT).map_err(|k| ctx.error(e.line, k))
    };
    if let Some(e) = keys.get(ctx, "max_checkpoint_size") {
        config.max_checkpoint_size = size(ctx, e)?;
    }
    if let Some(e) = keys.get(ctx, "max_total_size") {
        config.max_total_size = size(ctx, e)?;
    }
    keys.finish(ctx);
    Ok(config)
}

//! The small sections: `aisexec { }`, `amf { }` and `event { }`.

use super::error::{ConfigError, ConfigErrorKind};
use super::reader::{check_subsections, Ctx, Keys};
use super::syntax::{Entry, Section};
use super::value;

/// `aisexec { user group }`: the identity library clients are checked
/// against. Both default to `ais`, as in openais. Whether they exist on
/// this system is checked when the executive starts, not here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AisexecConfig {
    pub user: String,
    /// Members of this group (and root) may connect.
    pub group: String,
}

impl Default for AisexecConfig {
    fn default() -> Self {
        AisexecConfig {
            user: "ais".to_string(),
            group: "ais".to_string(),
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
}

impl Default for AmfConfig {
    fn default() -> Self {
        AmfConfig {
            mode: AmfMode::Disabled,
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

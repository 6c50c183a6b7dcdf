//! The redundant ring protocol's fault detection settings, openais 0.80's
//! `rrp_*` keys of `totem { }` and their defaults:
//!
//! | key | default | meaning here |
//! |---|---|---|
//! | rrp_token_expired_timeout | token_retransmit (238 ms) | one check period: a network that carried nothing from a processor heard on another network for this long missed the period |
//! | rrp_problem_count_threshold | 10 (at least 5) | missed periods that mark a network faulty |
//! | rrp_problem_count_timeout | 2000 ms | a network's problem count drops by one this often; a faulty network seen healthy this long comes back |

use super::error::ConfigError;
use super::reader::{Ctx, Keys};
use super::timeouts::{Timeouts, MINIMUM_TIMEOUT_MS};
use super::value;

/// openais's `RRP_PROBLEM_COUNT_TIMEOUT`.
pub const DEFAULT_PROBLEM_COUNT_TIMEOUT_MS: u64 = 2000;
/// openais's `RRP_PROBLEM_COUNT_THRESHOLD_DEFAULT`.
pub const DEFAULT_PROBLEM_COUNT_THRESHOLD: u32 = 10;
/// openais's `RRP_PROBLEM_COUNT_THRESHOLD_MIN`.
pub const MIN_PROBLEM_COUNT_THRESHOLD: u32 = 5;
/// The largest value any of the timeouts may take (one hour).
const MAX_TIMEOUT_MS: u64 = 3_600_000;

/// The `rrp_*` settings, every one resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RrpSettings {
    pub token_expired_timeout: u64,
    pub problem_count_threshold: u32,
    pub problem_count_timeout: u64,
}

impl RrpSettings {
    /// openais's defaults under `timeouts`.
    pub fn defaults(timeouts: &Timeouts) -> RrpSettings {
        RrpSettings {
            token_expired_timeout: timeouts.token_retransmit,
            problem_count_threshold: DEFAULT_PROBLEM_COUNT_THRESHOLD,
            problem_count_timeout: DEFAULT_PROBLEM_COUNT_TIMEOUT_MS,
        }
    }
}

/// Reads the `rrp_*` keys of `totem { }`.
pub(crate) fn read(
    ctx: &mut Ctx<'_>,
    keys: &mut Keys<'_>,
    timeouts: &Timeouts,
) -> Result<RrpSettings, ConfigError> {
    let mut out = RrpSettings::defaults(timeouts);
    if let Some(e) = keys.get(ctx, "rrp_token_expired_timeout") {
        out.token_expired_timeout = value::number(e, MINIMUM_TIMEOUT_MS, MAX_TIMEOUT_MS)
            .map_err(|k| ctx.error(e.line, k))?;
    }
    if let Some(e) = keys.get(ctx, "rrp_problem_count_threshold") {
        out.problem_count_threshold = value::number_u32(e, MIN_PROBLEM_COUNT_THRESHOLD, 1_000_000)
            .map_err(|k| ctx.error(e.line, k))?;
    }
    if let Some(e) = keys.get(ctx, "rrp_problem_count_timeout") {
        out.problem_count_timeout = value::number(e, MINIMUM_TIMEOUT_MS, MAX_TIMEOUT_MS)
            .map_err(|k| ctx.error(e.line, k))?;
    }
    // The default (token_retransmit) was checked against the minimum
    // with the other timeouts.
    Ok(out)
}

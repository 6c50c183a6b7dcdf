//! `quorum { provider expected_votes votes two_node wait_for_all
//! last_man_standing last_man_standing_window }`: whether a partition
//! without a majority of the votes stops changing replicated state.
//!
//! The keys and their meanings are corosync's votequorum(5) where it has
//! them; `provider: votes` stands for corosync's `corosync_votequorum`.
//! openais 0.80 had no quorum, so `provider: none`, the default, is its
//! behaviour: every partition serves everything.

use super::error::{ConfigError, ConfigErrorKind};
use super::reader::{check_subsections, Ctx, Keys};
use super::syntax::Section;
use super::totem::{TotemConfig, Transport};
use super::value;

/// Who decides whether this partition may change replicated state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuorumProvider {
    /// Every partition is quorate (openais's behaviour).
    None,
    /// A partition is quorate while its members hold a majority of the
    /// expected votes.
    Votes,
}

/// The `quorum { }` section, defaults filled in and `two_node`'s
/// implication applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuorumConfig {
    pub provider: QuorumProvider,
    /// The votes a complete cluster has. With `transport: udpu` and no
    /// `expected_votes`, the number of `member` entries (one vote each).
    pub expected_votes: u32,
    /// This node's votes (default 1); the other members learn them in
    /// the sync after every configuration change.
    pub votes: u32,
    /// A cluster of two nodes stays quorate with one of them.
    pub two_node: bool,
    /// Not quorate until every expected vote was present at once, the
    /// first time (`two_node` sets it unless `wait_for_all: no`).
    pub wait_for_all: bool,
    /// A quorate partition that stayed unchanged for
    /// `last_man_standing_window_ms` lowers the expected votes to its own.
    pub last_man_standing: bool,
    pub last_man_standing_window_ms: u64,
}

/// The error of a bad value at `line`.
fn err<'c>(ctx: &'c Ctx<'_>, line: u32) -> impl Fn(ConfigErrorKind) -> ConfigError + 'c {
    move |k| ctx.error(line, k)
}

/// corosync's default `last_man_standing_window`: 10 s.
pub const DEFAULT_LMS_WINDOW_MS: u64 = 10_000;
/// The most votes a node or a cluster may have (corosync's limits are
/// wider; these keep every sum far inside a `u32`).
pub const MAX_NODE_VOTES: u32 = 255;
pub const MAX_EXPECTED_VOTES: u32 = 65_535;

impl Default for QuorumConfig {
    fn default() -> Self {
        QuorumConfig {
            provider: QuorumProvider::None,
            expected_votes: 0,
            votes: 1,
            two_node: false,
            wait_for_all: false,
            last_man_standing: false,
            last_man_standing_window_ms: DEFAULT_LMS_WINDOW_MS,
        }
    }
}

impl QuorumConfig {
    /// Whether a quorum is computed at all (`provider: votes`).
    pub fn enabled(&self) -> bool {
        self.provider == QuorumProvider::Votes
    }
}

pub(crate) fn read(
    ctx: &mut Ctx<'_>,
    section: &Section,
    totem: &TotemConfig,
) -> Result<QuorumConfig, ConfigError> {
    check_subsections(ctx, section, &[])?;
    let mut keys = Keys::new(section);
    let mut config = QuorumConfig::default();
    if let Some(e) = keys.get(ctx, "provider") {
        config.provider = value::choice(
            e,
            &[
                ("none", QuorumProvider::None),
                ("votes", QuorumProvider::Votes),
            ],
            "none or votes",
        )
        .map_err(err(ctx, e.line))?;
    }
    let expected = keys.get(ctx, "expected_votes");
    if let Some(e) = expected {
        config.expected_votes =
            value::number_u32(e, 1, MAX_EXPECTED_VOTES).map_err(err(ctx, e.line))?;
    }
    if let Some(e) = keys.get(ctx, "votes") {
        config.votes = value::number_u32(e, 1, MAX_NODE_VOTES).map_err(err(ctx, e.line))?;
    }
    let two_node = keys.get(ctx, "two_node");
    if let Some(e) = two_node {
        config.two_node = value::boolean(e).map_err(err(ctx, e.line))?;
    }
    let wait_for_all = match keys.get(ctx, "wait_for_all") {
        Some(e) => Some(value::boolean(e).map_err(err(ctx, e.line))?),
        None => None,
    };
    if let Some(e) = keys.get(ctx, "last_man_standing") {
        config.last_man_standing = value::boolean(e).map_err(err(ctx, e.line))?;
    }
    if let Some(e) = keys.get(ctx, "last_man_standing_window") {
        config.last_man_standing_window_ms =
            value::number(e, 1, 3_600_000).map_err(err(ctx, e.line))?;
    }
    keys.finish(ctx);
    // As corosync: two_node starts with every node present once, or each
    // of two nodes starting apart would be quorate alone.
    config.wait_for_all = wait_for_all.unwrap_or(config.two_node);
    if !config.enabled() {
        return Ok(config);
    }
    if expected.is_none() {
        if totem.transport != Transport::Udpu {
            return Err(ctx.error(
                section.line,
                ConfigErrorKind::MissingKey {
                    section: "quorum",
                    key: "expected_votes",
                },
            ));
        }
        // Every udpu member is a node of the cluster with one vote.
        config.expected_votes = u32::try_from(totem.members.len())
            .unwrap_or(MAX_EXPECTED_VOTES)
            .min(MAX_EXPECTED_VOTES);
    }
    if config.two_node && config.expected_votes != 2 {
        let line = two_node.map_or(section.line, |e| e.line);
        return Err(ctx.error(
            line,
            ConfigErrorKind::TwoNodeNeedsTwoVotes(config.expected_votes),
        ));
    }
    Ok(config)
}

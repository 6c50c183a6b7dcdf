//! Fault handling: every fault a node detects on a component becomes one
//! `FAILED` exec message ([`Fault`]); in its exec handler every node runs
//! the same recovery decision ([`State::recover`]) on the replicated
//! state, with the detection time the message carries as the only clock,
//! so all nodes agree on restarts, escalation and failovers. The node
//! hosting an affected SU then does the local part
//! ([`Amf::carry_out`]): cleanup, then instantiate again for a restart;
//! cleanup for a failover; and for a failfast, cleanup of everything
//! and leaving the cluster.
//!
//! Escalation (B.01.01 3.11.2): a component restart is counted against
//! saAmfSGCompRestartMax within saAmfSGCompRestartProb; while that many
//! are within the probation, each further fault is an SU restart, counted against
//! saAmfSGSuRestartMax within saAmfSGSuRestartProb; once that many, the
//! next is an SU failover. SU failovers are counted per safAmfNode
//! against saAmfNodeSuFailoverMax within saAmfNodeSuFailOverProb (0: not
//! counted); once that many, the next is a node failover.
//!
//! Repair: an SU that failed over (not by a node recovery) is cleaned up
//! and, with saAmfSGAutoRepair and saAmfNodeAutoRepair, instantiated
//! again to serve as a standby (`REPAIR`), unless it already failed over
//! within the SG's saAmfSGSuRestartProb (else saAmfSGCompRestartProb; with
//! neither, ever): an SU that cannot be repaired stays out of service
//! rather than flapping.

use log::{error, info, warn};
use sa_abi::amf::{
    SA_AMF_APPLICATION_RESTART, SA_AMF_CLUSTER_RESET, SA_AMF_COMPONENT_FAILOVER,
    SA_AMF_COMPONENT_RESTART, SA_AMF_NODE_FAILFAST, SA_AMF_NODE_FAILOVER, SA_AMF_NODE_SWITCHOVER,
    SA_AMF_NO_RECOMMENDATION, SA_AMF_PRESENCE_INSTANTIATED, SA_AMF_PRESENCE_RESTARTING,
    SA_AMF_PRESENCE_UNINSTANTIATED,
};
use sa_ipc::codec::{DecodeError, Decoder, Encoder};

use super::model::Entities;
use super::state::State;
use super::{Amf, Phase};
use crate::config::amf::Recovery;
use crate::service::Context;

/// Bound on the detection times kept per counter: more than any
/// configured maximum is never needed to decide.
const MAX_HISTORY: usize = 64;

/// Bound on a fault's detail text.
const MAX_DETAIL: usize = 256;

/// Where a fault was detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultSource {
    /// The registered process's AMF connection closed unasked.
    ProcessExit,
    /// An AMF-invoked healthcheck was not answered within its maximum
    /// duration, or a component-invoked one not confirmed within its
    /// period.
    HealthcheckMissed,
    /// A healthcheck answered or confirmed with an error.
    HealthcheckFailed,
    /// A passively monitored process ended.
    ProcessDeath,
    /// A CSI set callback not answered within its timeout.
    CallbackTimeout,
    /// A CSI set callback answered with an error.
    CallbackError,
    /// saAmfComponentErrorReport.
    ErrorReport,
}

impl FaultSource {
    fn code(self) -> u32 {
        match self {
            FaultSource::ProcessExit => 1,
            FaultSource::HealthcheckMissed => 2,
            FaultSource::HealthcheckFailed => 3,
            FaultSource::ProcessDeath => 4,
            FaultSource::CallbackTimeout => 5,
            FaultSource::CallbackError => 6,
            FaultSource::ErrorReport => 7,
        }
    }

    fn from_code(code: u32) -> Option<FaultSource> {
        Some(match code {
            1 => FaultSource::ProcessExit,
            2 => FaultSource::HealthcheckMissed,
            3 => FaultSource::HealthcheckFailed,
            4 => FaultSource::ProcessDeath,
            5 => FaultSource::CallbackTimeout,
            6 => FaultSource::CallbackError,
            7 => FaultSource::ErrorReport,
            _ => return None,
        })
    }

    pub fn describe(self) -> &'static str {
        match self {
            FaultSource::ProcessExit => "its process exited (AMF connection closed)",
            FaultSource::HealthcheckMissed => "healthcheck missed",
            FaultSource::HealthcheckFailed => "healthcheck failed",
            FaultSource::ProcessDeath => "monitored process died",
            FaultSource::CallbackTimeout => "callback not answered in time",
            FaultSource::CallbackError => "callback answered with an error",
            FaultSource::ErrorReport => "error report",
        }
    }
}

/// A detected fault, as multicast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    pub comp: usize,
    pub source: FaultSource,
    /// SaAmfRecommendedRecoveryT.
    pub recovery: u32,
    /// Detection time (the detecting node's clock, ns): the escalation's
    /// probations are measured with these times only.
    pub at: i64,
    /// What an operator reads: the healthcheck key, the pid ...
    pub detail: String,
}

impl Fault {
    pub fn encode(&self, e: &mut Encoder) {
        let detail = self.detail.as_bytes();
        let detail = &detail[..detail.len().min(MAX_DETAIL)];
        e.put_u32(self.comp as u32)
            .put_u32(self.source.code())
            .put_u32(self.recovery)
            .put_i64(self.at)
            .put_bytes(detail);
    }

    pub fn decode(d: &mut Decoder<'_>, comps: usize) -> Result<Fault, DecodeError> {
        let comp = d.get_u32()? as usize;
        if comp >= comps {
            return Err(DecodeError::InvalidValue {
                field: "component",
                value: comp as u64,
            });
        }
        let code = d.get_u32()?;
        let source = FaultSource::from_code(code).ok_or(DecodeError::InvalidValue {
            field: "fault source",
            value: u64::from(code),
        })?;
        let recovery = d.get_u32()?;
        if !(SA_AMF_NO_RECOMMENDATION..=SA_AMF_APPLICATION_RESTART).contains(&recovery) {
            return Err(DecodeError::InvalidValue {
                field: "recovery",
                value: u64::from(recovery),
            });
        }
        let at = d.get_i64()?;
        let detail =
            String::from_utf8_lossy(d.get_bytes_max("fault detail", MAX_DETAIL)?).into_owned();
        Ok(Fault {
            comp,
            source,
            recovery,
            at,
            detail,
        })
    }
}

/// What the recovery decision did to the replicated state; the hosts of
/// the SUs named do the local part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Nothing: the component is already being recovered (or gone).
    None,
    /// These components are cleaned up and instantiated again; their SU
    /// keeps its assignments.
    Restart(Vec<usize>),
    /// These SUs lost their assignments and are out of service; their
    /// components are cleaned up.
    Failover(Vec<usize>),
    /// Node failfast: every SU of the safAmfNode failed over; its
    /// executive cleans up every component and leaves the cluster.
    Failfast(String, Vec<usize>),
}

fn recovery_of(r: Recovery) -> u32 {
    match r {
        Recovery::ComponentRestart => SA_AMF_COMPONENT_RESTART,
        Recovery::ComponentFailover => SA_AMF_COMPONENT_FAILOVER,
        Recovery::NodeSwitchover => SA_AMF_NODE_SWITCHOVER,
        Recovery::NodeFailover => SA_AMF_NODE_FAILOVER,
        Recovery::NodeFailfast => SA_AMF_NODE_FAILFAST,
        Recovery::ApplicationRestart => SA_AMF_APPLICATION_RESTART,
        Recovery::ClusterReset => SA_AMF_CLUSTER_RESET,
    }
}

/// Keeps the times within `prob_ms` before `at` (all when there is no
/// probation), newest last, at most [`MAX_HISTORY`].
fn within(times: &mut Vec<i64>, at: i64, prob_ms: Option<u64>) -> usize {
    if let Some(ms) = prob_ms {
        let ns = i64::try_from(ms.saturating_mul(1_000_000)).unwrap_or(i64::MAX);
        let since = at.saturating_sub(ns);
        times.retain(|&t| t > since);
    }
    if times.len() > MAX_HISTORY {
        let extra = times.len() - MAX_HISTORY;
        times.drain(..extra);
    }
    times.len()
}

fn push(times: &mut Vec<i64>, at: i64) {
    times.push(at);
    if times.len() > MAX_HISTORY {
        times.remove(0);
    }
}

impl State {
    /// The recovery of `fault`, applied to the replicated state. Pure:
    /// every node decides the same from the same state and message.
    pub fn recover(&mut self, e: &Entities, fault: &Fault) -> Action {
        let comp = fault.comp;
        let dn = &e.comps[comp].dn;
        let s = &self.comps[comp];
        if !s.enabled || s.registered.is_none() || s.presence != SA_AMF_PRESENCE_INSTANTIATED {
            info!(target: "AMF", "{dn}: {} ({}) while already out of service or being recovered: nothing more to do",
                fault.source.describe(), fault.detail);
            return Action::None;
        }
        let su = e.comps[comp].su;
        let recommended = if fault.recovery == SA_AMF_NO_RECOMMENDATION {
            recovery_of(e.comps[comp].recovery)
        } else {
            fault.recovery
        };
        warn!(target: "AMF", "{dn}: fault: {}{}{}; recovery: {}", fault.source.describe(),
            if fault.detail.is_empty() { "" } else { ": " }, fault.detail,
            super::monitor::recovery_name(recommended));
        match recommended {
            SA_AMF_COMPONENT_RESTART if e.comps[comp].disable_restart => {
                info!(target: "AMF", "{dn}: saAmfCompDisableRestart: component failover instead of a restart");
                self.su_failover(e, su, fault.at)
            }
            SA_AMF_COMPONENT_RESTART => self.comp_restart(e, comp, fault.at),
            SA_AMF_COMPONENT_FAILOVER => self.su_failover(e, su, fault.at),
            SA_AMF_NODE_SWITCHOVER => {
                // The failed SU fails over; the node's other SUs hand
                // their SIs over gracefully (quiesced first).
                let node = e.sus[su].hosted_by.clone();
                info!(target: "AMF", "node switchover of {node}: its SUs leave service");
                self.nodes_out.insert(node);
                self.fail_over(e, &[su])
            }
            SA_AMF_NODE_FAILOVER => self.node_failover(e, &e.sus[su].hosted_by.clone()),
            SA_AMF_NODE_FAILFAST => {
                let node = e.sus[su].hosted_by.clone();
                error!(target: "AMF", "node failfast of {node}: its executive stops its components and leaves");
                match self.node_failover(e, &node) {
                    Action::Failover(sus) => Action::Failfast(node, sus),
                    other => other,
                }
            }
            SA_AMF_APPLICATION_RESTART => {
                let app = e.sgs[e.sus[su].sg].app;
                let sus: Vec<usize> = (0..e.sus.len())
                    .filter(|&u| e.sgs[e.sus[u].sg].app == app)
                    .collect();
                info!(target: "AMF", "application restart: {} SU(s)", sus.len());
                self.restart_sus(e, &sus)
            }
            _ => {
                // SA_AMF_CLUSTER_RESET: every SU restarts.
                info!(target: "AMF", "cluster reset: every SU restarts");
                let sus: Vec<usize> = (0..e.sus.len()).collect();
                self.restart_sus(e, &sus)
            }
        }
    }

    /// A component restart, unless the SG's budget of them is spent.
    fn comp_restart(&mut self, e: &Entities, comp: usize, at: i64) -> Action {
        let su = e.comps[comp].su;
        let g = &e.sgs[e.sus[su].sg];
        let times = self.history.comp_restarts.entry(su).or_default();
        let count = within(times, at, g.comp_restart_prob_ms);
        if g.comp_restart_max.is_some_and(|max| count >= max as usize) {
            warn!(target: "AMF", "{}: {count} component restart(s) within saAmfSGCompRestartProb (max {}): escalated to an SU restart",
                e.sus[su].dn, g.comp_restart_max.unwrap_or(0));
            // The component restarts stay counted: while they are within
            // the probation every fault escalates.
            return self.su_restart(e, su, at);
        }
        push(times, at);
        info!(target: "AMF", "{}: component restart ({} within the probation)", e.comps[comp].dn,
            count + 1);
        self.mark_restarting(&[comp]);
        Action::Restart(vec![comp])
    }

    fn su_restart(&mut self, e: &Entities, su: usize, at: i64) -> Action {
        let g = &e.sgs[e.sus[su].sg];
        let times = self.history.su_restarts.entry(su).or_default();
        let count = within(times, at, g.su_restart_prob_ms);
        if g.su_restart_max.is_some_and(|max| count >= max as usize) {
            warn!(target: "AMF", "{}: {count} SU restart(s) within saAmfSGSuRestartProb (max {}): escalated to an SU failover",
                e.sus[su].dn, g.su_restart_max.unwrap_or(0));
            times.clear();
            return self.su_failover(e, su, at);
        }
        push(times, at);
        info!(target: "AMF", "{}: SU restart ({} within the probation)", e.sus[su].dn, count + 1);
        self.restart_sus(e, &[su])
    }

    fn restart_sus(&mut self, e: &Entities, sus: &[usize]) -> Action {
        let comps: Vec<usize> = sus
            .iter()
            .flat_map(|&su| e.sus[su].comps.iter().copied())
            .filter(|&c| self.comps[c].enabled)
            .collect();
        self.mark_restarting(&comps);
        Action::Restart(comps)
    }

    fn mark_restarting(&mut self, comps: &[usize]) {
        for &c in comps {
            let s = &mut self.comps[c];
            s.presence = SA_AMF_PRESENCE_RESTARTING;
            s.registered = None;
        }
    }

    /// An SU failover, counted against its node's budget.
    fn su_failover(&mut self, e: &Entities, su: usize, at: i64) -> Action {
        let node = &e.sus[su].hosted_by;
        if let Some(n) = e.node(node).filter(|n| n.su_failover_max > 0) {
            let times = self.history.su_failovers.entry(node.clone()).or_default();
            let count = within(times, at, Some(n.su_failover_prob_ms));
            if count >= n.su_failover_max as usize {
                warn!(target: "AMF", "{node}: {count} SU failover(s) within saAmfNodeSuFailOverProb (max {}): escalated to a node failover",
                    n.su_failover_max);
                times.clear();
                return self.node_failover(e, &node.clone());
            }
            push(times, at);
        }
        let g = &e.sgs[e.sus[su].sg];
        let times = self.history.failed_over.entry(su).or_default();
        within(times, at, g.su_restart_prob_ms.or(g.comp_restart_prob_ms));
        push(times, at);
        self.fail_over(e, &[su])
    }

    /// Whether failed-over `su` is to be instantiated again: auto repair
    /// on for its SG and node, its node in service, and this its only
    /// failover within the probation.
    pub fn repairable(&self, e: &Entities, su: usize) -> bool {
        let info = &e.sus[su];
        let node_repairs = e.node(&info.hosted_by).is_none_or(|n| n.auto_repair);
        e.sgs[info.sg].auto_repair
            && node_repairs
            && !self.nodes_out.contains(&info.hosted_by)
            && info.comps.iter().all(|&c| !self.comps[c].enabled)
            && self
                .history
                .failed_over
                .get(&su)
                .is_some_and(|t| t.len() == 1)
    }

    /// Repairs failed-over `su` if it may be: its components are enabled
    /// again, to be instantiated by its host. Whether it was.
    pub fn repair(&mut self, e: &Entities, su: usize) -> bool {
        if !self.repairable(e, su) {
            return false;
        }
        info!(target: "AMF", "{}: repair: its components are instantiated again", e.sus[su].dn);
        for &c in &e.sus[su].comps {
            let s = &mut self.comps[c];
            s.enabled = true;
            s.presence = SA_AMF_PRESENCE_UNINSTANTIATED;
        }
        true
    }

    fn node_failover(&mut self, e: &Entities, node: &str) -> Action {
        let sus: Vec<usize> = (0..e.sus.len())
            .filter(|&su| e.sus[su].hosted_by == node)
            .collect();
        info!(target: "AMF", "node failover of {node}: {} SU(s) fail over", sus.len());
        self.nodes_out.insert(node.to_string());
        self.fail_over(e, &sus)
    }

    /// Takes `sus` out of service abruptly: their components are DISABLED
    /// and unregistered, so their SIs go to the standbys at once.
    fn fail_over(&mut self, e: &Entities, sus: &[usize]) -> Action {
        for &su in sus {
            info!(target: "AMF", "{}: SU failover: its SIs go to the standby", e.sus[su].dn);
            for &c in &e.sus[su].comps {
                let s = &mut self.comps[c];
                s.enabled = false;
                s.registered = None;
                s.presence = SA_AMF_PRESENCE_UNINSTANTIATED;
            }
        }
        Action::Failover(sus.to_vec())
    }
}

impl Amf {
    /// The hosting node's part of a recovery the exec handler decided.
    pub(super) fn carry_out(&mut self, ctx: &mut Context<'_>, action: Action) {
        match action {
            Action::None => {}
            Action::Restart(comps) => {
                for comp in comps {
                    if !self.is_local(comp) {
                        continue;
                    }
                    info!(target: "AMF", "{}: restart: cleanup, then instantiate",
                        self.entities.comps[comp].dn);
                    self.forget_instance(ctx, comp);
                    self.phases[comp] = Phase::Restarting;
                    self.attempts[comp] = 0;
                    if !self.cleanup(ctx, comp) {
                        self.phases[comp] = Phase::Idle;
                    }
                }
                self.arm_poll(ctx);
            }
            Action::Failover(sus) => self.clean_sus(ctx, &sus),
            Action::Failfast(node, sus) => {
                self.clean_sus(ctx, &sus);
                if node == self.local_name {
                    error!(target: "AMF", "node failfast: this executive leaves the cluster");
                    ctx.leave_cluster();
                }
            }
        }
    }

    /// Cleans up the local components of `sus`, which fail over; those
    /// that may be repaired are, once their cleanup ended.
    fn clean_sus(&mut self, ctx: &mut Context<'_>, sus: &[usize]) {
        for &su in sus {
            if self.state.repairable(&self.entities, su)
                && self.entities.sus[su].hosted_by == self.local_name
            {
                self.to_repair.insert(su);
            } else if self.entities.sus[su].hosted_by == self.local_name {
                warn!(target: "AMF", "{}: not repaired: it stays out of service", self.entities.sus[su].dn);
            }
            for comp in self.entities.sus[su].comps.clone() {
                if !self.is_local(comp) {
                    continue;
                }
                info!(target: "AMF", "{}: cleanup (its SU failed over)", self.entities.comps[comp].dn);
                self.forget_instance(ctx, comp);
                self.phases[comp] = Phase::Failed;
                self.cleanup(ctx, comp);
            }
        }
        self.arm_poll(ctx);
        self.repair_cleaned(ctx);
    }

    /// Asks for the repair of the SUs whose cleanup ended.
    pub(super) fn repair_cleaned(&mut self, ctx: &mut Context<'_>) {
        let done: Vec<usize> = self
            .to_repair
            .iter()
            .copied()
            .filter(|&su| {
                let comps = &self.entities.sus[su].comps;
                !self.jobs.values().any(|(c, _)| comps.contains(c))
            })
            .collect();
        for su in done {
            self.to_repair.remove(&su);
            let mut e = Encoder::new();
            e.put_u32(su as u32);
            ctx.mcast_queued(super::exec_kind::REPAIR, &e.finish());
        }
    }

    /// What this node held for the instance of `comp` that ends: its
    /// callbacks, what it was told, its healthchecks and monitors, a
    /// running instantiation.
    fn forget_instance(&mut self, ctx: &mut Context<'_>, comp: usize) {
        self.told.retain(|(c, _, _), _| *c != comp);
        let gone: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, p)| p.comp == comp)
            .map(|(i, _)| *i)
            .collect();
        for invocation in gone {
            self.pending.remove(&invocation);
            ctx.cancel_timer(super::TOKEN_CALLBACK | invocation);
        }
        self.watch_forget_comp(ctx, comp);
        ctx.cancel_timer(super::TOKEN_INSTANTIATE | comp as u64);
        let running: Vec<u64> = self
            .jobs
            .iter()
            .filter(|(_, (c, w))| *c == comp && *w == "instantiate")
            .map(|(j, _)| *j)
            .collect();
        for job in running {
            // Its end is no news: forgotten, so that a late report of it
            // is not taken for the next instantiation's.
            self.runner.kill(job);
            self.jobs.remove(&job);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probation_keeps_recent_times_only() {
        let mut t = vec![1_000_000, 5_000_000, 9_000_000];
        assert_eq!(within(&mut t, 10_000_000, Some(6)), 2);
        assert_eq!(t, vec![5_000_000, 9_000_000]);
        assert_eq!(within(&mut t, 10_000_000, None), 2);
        let mut long: Vec<i64> = (0..100).collect();
        assert_eq!(within(&mut long, 100, None), MAX_HISTORY);
    }

    #[test]
    fn a_fault_round_trips_and_bad_ones_are_refused() {
        let f = Fault {
            comp: 2,
            source: FaultSource::HealthcheckMissed,
            recovery: SA_AMF_COMPONENT_RESTART,
            at: 42,
            detail: "key k".into(),
        };
        let mut e = Encoder::new();
        f.encode(&mut e);
        let bytes = e.finish();
        assert_eq!(Fault::decode(&mut Decoder::new(&bytes), 3).unwrap(), f);
        assert!(Fault::decode(&mut Decoder::new(&bytes), 2).is_err());
        let mut e = Encoder::new();
        Fault { recovery: 99, ..f }.encode(&mut e);
        assert!(Fault::decode(&mut Decoder::new(&e.finish()), 3).is_err());
    }
}

//! AMF, the Availability Management Framework (B.01.01): the amf.conf
//! model's states, component life cycle through CLC-CLI commands,
//! registration, and SI assignment for 2N, N+M, N-Way, N-Way-Active and
//! no redundancy, with graceful switchover when an executive stops;
//! healthchecks, passive monitoring and protection group tracking
//! (`monitor`); fault recovery and escalation (`recovery`).
//!
//! - Replicated state ([`state::State`]) changes only in exec handlers;
//!   assignments are recomputed there by a pure function, so every node
//!   holds the same ones.
//! - Only the node hosting an SU (the member whose `amf { node_name }`,
//!   or host name, is the SU's saAmfSUHostedByNode) runs its components'
//!   commands and talks to them: after every change it compares what its
//!   components were told with the replicated assignments and sends the
//!   CSI set and remove callbacks that make them agree (`reconcile`).
//! - Command outcomes, callback timeouts and closed connections are local
//!   events, turned into exec messages.

mod clc;
mod model;
mod monitor;
mod proxied;
mod recovery;
mod state;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use log::{error, info, warn};
use sa_abi::ais::{SA_AIS_ERR_EXIST, SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NOT_EXIST, SA_AIS_OK};
use sa_abi::amf::{
    SA_AMF_CSI_ADD_ONE, SA_AMF_CSI_NEW_ASSIGN, SA_AMF_CSI_NOT_QUIESCED, SA_AMF_CSI_QUIESCED,
    SA_AMF_CSI_TARGET_ONE, SA_AMF_HA_ACTIVE, SA_AMF_HA_STANDBY, SA_AMF_NO_RECOMMENDATION,
    SA_AMF_PRESENCE_INSTANTIATED, SA_AMF_PRESENCE_INSTANTIATING,
    SA_AMF_PRESENCE_INSTANTIATION_FAILED, SA_AMF_PRESENCE_RESTARTING, SA_AMF_PRESENCE_TERMINATING,
    SA_AMF_PRESENCE_UNINSTANTIATED,
};
use sa_ipc::codec::{DecodeError, Decoder, Encoder, Name};
use sa_ipc::proto::amf::{
    kind, AmfRequest, CsiAttr, CsiRemoveCallback, CsiSetCallback, HaStateReply, StatusReply,
    TerminateCallback,
};
use sa_ipc::proto::{service, Payload};

use self::clc::{ClcRunner, Outcome, ProcessRunner};
use self::model::Entities;
use self::recovery::{Fault, FaultSource};
use self::state::{ha_name, presence_name, Assignment, CompState, History, State, NO_CONN};
use super::ServiceEnv;
use crate::config::amf::{AmfModel, CompCategory};
use crate::ipc::ConnId;
use crate::ordering::{McastError, NodeId};
use crate::service::{
    mcast_refusal, Context, ExecMessage, Membership, ReplyTo, Request, Service, SyncStep,
};

/// Exec message kinds.
mod exec_kind {
    /// A member's state for the merge (the sync).
    pub const SYNC_STATE: u16 = 1;
    pub const REGISTER: u16 = 2;
    /// A component's registration ends (unregister, or its connection
    /// closed).
    pub const UNREGISTER: u16 = 3;
    /// A component confirmed (or refused) an HA state for a CSI.
    pub const RESPONSE: u16 = 4;
    pub const PRESENCE: u16 = 5;
    /// A fault detected on a component (`recovery::Fault`): every node
    /// runs the same recovery.
    pub const FAILED: u16 = 6;
    /// The cluster startup timeout passed on some node.
    pub const STARTUP: u16 = 7;
    /// A member is shutting down gracefully.
    pub const LEAVING: u16 = 8;
    pub const ERROR_CLEAR: u16 = 9;
    /// A failed-over SU's cleanup ended on its host: repair it if it may
    /// be (`recovery.rs`).
    pub const REPAIR: u16 = 10;
}

/// Timer tokens: the kind in the top 16 bits, an id below.
const TOKEN_POLL: u64 = 1 << 48;
const TOKEN_STARTUP: u64 = 2 << 48;
const TOKEN_INSTANTIATE: u64 = 3 << 48;
const TOKEN_CALLBACK: u64 = 4 << 48;
const TOKEN_MASK: u64 = 0xFFFF << 48;

/// How often running CLC-CLI commands are looked at.
const POLL_NS: i64 = 50_000_000;

/// Bound on pending callbacks per node (each is a small record): a
/// component that never answers cannot grow the executive.
const MAX_PENDING: usize = 65_536;

/// What this node's components were asked and not yet answered.
#[derive(Debug, Clone)]
struct Pending {
    conn: ConnId,
    comp: usize,
    /// `None` for a CSI remove or terminate callback.
    set: Option<(usize, usize, usize, u32)>,
}

/// A local component's instantiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    /// Instantiate command running since attempt `n`; registration due.
    Instantiating,
    /// Waiting out saAmfCompDelayBetweenInstantiateAttempts.
    Delayed,
    Running,
    Failed,
    Terminating,
    /// A restart's cleanup runs; instantiation follows.
    Restarting,
}

/// This node's part in a graceful stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leave {
    Serving,
    /// Its SUs hand their SIs over.
    Draining,
    /// Its components were asked to terminate.
    Terminating,
}

/// The AMF service.
pub struct Amf {
    enabled: bool,
    entities: Entities,
    state: State,
    /// This node's safAmfNode name.
    local_name: String,
    local: NodeId,
    runner: Box<dyn ClcRunner>,
    /// CLC job ids -> (component, what the job does).
    jobs: BTreeMap<u64, (usize, &'static str)>,
    next_job: u64,
    phases: Vec<Phase>,
    attempts: Vec<u32>,
    /// What each local component was told per (SI, CSI): its HA state.
    told: BTreeMap<(usize, usize, usize), u32>,
    pending: BTreeMap<u64, Pending>,
    next_invocation: u64,
    syncing: Option<Membership>,
    staged: Vec<(NodeId, SyncReport)>,
    /// Members of the last regular configuration this node synced in.
    last_members: usize,
    startup_armed: bool,
    leave: Leave,
    /// Healthchecks, passive monitors and protection group tracks of
    /// this node (`monitor.rs`).
    watch: monitor::Watch,
    /// Local proxied component -> the proxy component that registered it
    /// last (`proxied.rs`).
    proxy_of: BTreeMap<usize, usize>,
    /// Local SUs that failed over and wait for their cleanup before
    /// their repair.
    to_repair: BTreeSet<usize>,
}

impl Amf {
    pub fn new(env: &ServiceEnv) -> Amf {
        Amf::with_runner(env, Box::new(ProcessRunner::default()))
    }

    fn with_runner(env: &ServiceEnv, runner: Box<dyn ClcRunner>) -> Amf {
        let model: Option<&Arc<AmfModel>> = env.amf.as_ref();
        let entities = model.map(|m| Entities::new(m)).unwrap_or_default();
        let state = State::new(&entities);
        let n = entities.comps.len();
        Amf {
            enabled: model.is_some(),
            state,
            local_name: env
                .config
                .amf
                .node_name
                .clone()
                .unwrap_or_else(|| env.hostname.clone()),
            local: env.node_id,
            runner,
            jobs: BTreeMap::new(),
            next_job: 1,
            phases: vec![Phase::Idle; n],
            attempts: vec![0; n],
            told: BTreeMap::new(),
            pending: BTreeMap::new(),
            next_invocation: 1,
            syncing: None,
            staged: Vec::new(),
            last_members: 0,
            startup_armed: false,
            leave: Leave::Serving,
            watch: monitor::Watch::default(),
            proxy_of: BTreeMap::new(),
            to_repair: BTreeSet::new(),
            entities,
        }
    }

    /// Whether component `comp` runs on this node.
    fn is_local(&self, comp: usize) -> bool {
        self.entities
            .comps
            .get(comp)
            .is_some_and(|c| self.entities.sus[c.su].hosted_by == self.local_name)
    }

    fn comp_name(&self, comp: usize) -> Name {
        Name::new(self.entities.comps[comp].dn.as_bytes()).unwrap_or_default()
    }

    /// Everything that follows a change of the replicated state:
    /// recompute assignments, then make this node's components agree and
    /// start the ones still to be instantiated.
    fn settle(&mut self, ctx: &mut Context<'_>) {
        if !self.enabled {
            return;
        }
        if !self.state.started && self.state.all_instantiated(&self.entities) {
            info!(target: "AMF", "every SU is instantiated: assignment starts");
            self.state.started = true;
        }
        if self.state.assign(&self.entities) {
            self.log_assignments();
        }
        self.reconcile(ctx);
        self.pg_notify(ctx);
        self.drive(ctx);
    }

    fn log_assignments(&self) {
        for a in &self.state.assignments {
            info!(target: "AMF", "{} {} on {}{}",
                self.entities.sis[a.si].dn, ha_name(a.ha), self.entities.sus[a.su].dn,
                if a.all_confirmed() { "" } else { " (pending)" });
        }
    }

    /// Sends this node's components the callbacks that bring them to the
    /// replicated assignments.
    fn reconcile(&mut self, ctx: &mut Context<'_>) {
        let e = &self.entities;
        let mut want: BTreeMap<(usize, usize, usize), (u32, usize)> = BTreeMap::new();
        for a in &self.state.assignments {
            if e.sus[a.su].hosted_by != self.local_name {
                continue;
            }
            for csi in 0..e.sis[a.si].csis.len() {
                if let Some(comp) = e.comp_for_csi(a.su, a.si, csi) {
                    want.insert((comp, a.si, csi), (a.ha, a.su));
                }
            }
        }
        // Removals first: a component gives up what it loses before it
        // takes anything new.
        let gone: Vec<(usize, usize, usize)> = self
            .told
            .keys()
            .filter(|k| !want.contains_key(k))
            .copied()
            .collect();
        for key in gone {
            self.told.remove(&key);
            let (comp, si, csi) = key;
            if let Some((node, conn)) = self.state.comps[comp].registered {
                if node == self.local && conn != NO_CONN {
                    let invocation = self.invocation(conn, comp, None, ctx);
                    let cb = CsiRemoveCallback {
                        invocation,
                        comp: self.comp_name(comp),
                        csi: Name::new(self.entities.sis[si].csis[csi].dn.as_bytes())
                            .unwrap_or_default(),
                        flags: SA_AMF_CSI_TARGET_ONE,
                    };
                    ctx.callback(conn, kind::CSI_REMOVE_CALLBACK, SA_AIS_OK, cb.to_payload());
                }
            }
        }
        for (key, (ha, su)) in want {
            let (comp, si, csi) = key;
            let Some((node, conn)) = self.state.comps[comp].registered else {
                continue;
            };
            if node != self.local || conn == NO_CONN || self.told.get(&key) == Some(&ha) {
                continue;
            }
            let before = self.told.insert(key, ha);
            if self.pending.len() >= MAX_PENDING {
                error!(target: "AMF", "{MAX_PENDING} callbacks unanswered; not sending more");
                continue;
            }
            let invocation = self.invocation(conn, comp, Some((si, su, csi, ha)), ctx);
            let cb = self.csi_set(invocation, comp, si, su, csi, ha, before);
            ctx.callback(conn, kind::CSI_SET_CALLBACK, SA_AIS_OK, cb.to_payload());
        }
    }

    /// A new invocation, its timeout armed.
    fn invocation(
        &mut self,
        conn: ConnId,
        comp: usize,
        set: Option<(usize, usize, usize, u32)>,
        ctx: &mut Context<'_>,
    ) -> u64 {
        let invocation = self.next_invocation;
        // Invocations are local to this node and its timer ids hold 48
        // bits: wrap long before that.
        self.next_invocation = (self.next_invocation + 1) & 0xFFFF_FFFF_FFFF;
        let t = &self.entities.comps[comp].timeouts;
        let ms = if set.is_some() {
            t.csi_set
        } else {
            t.csi_remove
        };
        let ns = i64::try_from(ms.saturating_mul(1_000_000)).unwrap_or(i64::MAX);
        ctx.set_timer(TOKEN_CALLBACK | invocation, ctx.now_ns().saturating_add(ns));
        self.pending.insert(invocation, Pending { conn, comp, set });
        invocation
    }

    #[allow(clippy::too_many_arguments)]
    fn csi_set(
        &self,
        invocation: u64,
        comp: usize,
        si: usize,
        su: usize,
        csi: usize,
        ha: u32,
        before: Option<u32>,
    ) -> CsiSetCallback {
        let first = before.is_none();
        let e = &self.entities;
        let info = &e.sis[si].csis[csi];
        // The other side: for a standby the active component; for an
        // active the one that was active before (none on a new assign).
        let other = self
            .state
            .assignments
            .iter()
            .filter(|a| a.si == si && a.su != su)
            .find(|a| ha == SA_AMF_HA_STANDBY && a.ha == SA_AMF_HA_ACTIVE)
            .and_then(|a| e.comp_for_csi(a.su, si, csi))
            .map(|c| self.comp_name(c))
            .unwrap_or_default();
        // A standby promoted: who held the SI before, and whether it
        // was quiesced first (a switchover) or not (a failover).
        let promoted = ha == SA_AMF_HA_ACTIVE && before == Some(SA_AMF_HA_STANDBY);
        let handover = self
            .state
            .handover
            .get(&si)
            .filter(|(prev, _)| promoted && *prev != su);
        let other = match handover {
            Some(&(prev, _)) => e
                .comp_for_csi(prev, si, csi)
                .map(|c| self.comp_name(c))
                .unwrap_or_default(),
            None => other,
        };
        let standby_rank = if ha == SA_AMF_HA_STANDBY {
            let standbys = self
                .state
                .assignments
                .iter()
                .filter(|a| a.si == si && a.ha == SA_AMF_HA_STANDBY);
            let position = standbys.take_while(|a| a.su != su).count();
            u32::try_from(position + 1).unwrap_or(u32::MAX)
        } else {
            0
        };
        CsiSetCallback {
            invocation,
            comp: self.comp_name(comp),
            ha_state: ha,
            flags: if first {
                SA_AMF_CSI_ADD_ONE
            } else {
                SA_AMF_CSI_TARGET_ONE
            },
            csi: Name::new(info.dn.as_bytes()).unwrap_or_default(),
            transition: match (ha, handover) {
                (SA_AMF_HA_ACTIVE, Some((_, true))) => SA_AMF_CSI_QUIESCED,
                (SA_AMF_HA_ACTIVE, Some((_, false))) => SA_AMF_CSI_NOT_QUIESCED,
                (SA_AMF_HA_ACTIVE, None) => SA_AMF_CSI_NEW_ASSIGN,
                _ => 0,
            },
            active_comp: other,
            standby_rank,
            attrs: if first {
                info.attrs
                    .iter()
                    .map(|(n, v)| CsiAttr {
                        name: n.as_bytes().to_vec(),
                        value: v.as_bytes().to_vec(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    /// Starts this node's components that are due to be instantiated.
    fn drive(&mut self, ctx: &mut Context<'_>) {
        if !self.enabled || self.syncing.is_some() || self.leave != Leave::Serving {
            return;
        }
        if !self.state.nodes.iter().any(|(id, _)| *id == self.local) {
            return; // not synced yet
        }
        for comp in 0..self.entities.comps.len() {
            let s = &self.state.comps[comp];
            if !self.is_local(comp)
                || self.phases[comp] != Phase::Idle
                || s.registered.is_some()
                || !s.enabled
            {
                continue;
            }
            self.instantiate(ctx, comp);
        }
    }

    fn instantiate(&mut self, ctx: &mut Context<'_>, comp: usize) {
        if self.entities.comps[comp].category == CompCategory::Proxied {
            self.proxied_instantiate(ctx, comp);
            return;
        }
        let info = &self.entities.comps[comp];
        let Some(cmd) = info.instantiate.clone() else {
            return;
        };
        self.attempts[comp] = self.attempts[comp].saturating_add(1);
        info!(target: "AMF", "instantiating {} (attempt {}): {}",
            info.dn, self.attempts[comp], cmd.program.display());
        let env = self.command_env(comp);
        let timeout_ms = info.timeouts.instantiate;
        let job = self.job(comp, "instantiate");
        // Not killed by the runner: the instantiate command may be the
        // component's own process; the registration deadline below
        // decides.
        self.runner.spawn(job, &cmd, &env, None);
        self.phases[comp] = Phase::Instantiating;
        let ns = i64::try_from(timeout_ms.saturating_mul(1_000_000)).unwrap_or(i64::MAX);
        ctx.set_timer(
            TOKEN_INSTANTIATE | comp as u64,
            ctx.now_ns().saturating_add(ns),
        );
        self.arm_poll(ctx);
        self.mcast_presence(ctx, comp, SA_AMF_PRESENCE_INSTANTIATING);
    }

    fn command_env(&self, comp: usize) -> Vec<(String, String)> {
        let info = &self.entities.comps[comp];
        let mut env = vec![("SA_AMF_COMPONENT_NAME".to_string(), info.dn.clone())];
        env.extend(info.env.iter().cloned());
        env
    }

    fn job(&mut self, comp: usize, what: &'static str) -> u64 {
        let job = self.next_job;
        self.next_job += 1;
        self.jobs.insert(job, (comp, what));
        job
    }

    fn arm_poll(&mut self, ctx: &mut Context<'_>) {
        ctx.set_timer(TOKEN_POLL, ctx.now_ns().saturating_add(POLL_NS));
    }

    /// Runs the cleanup command (bounded by its timeout), not waited
    /// for; whether there is one. A proxied component's proxy is asked
    /// instead (not waited for either).
    fn cleanup(&mut self, ctx: &mut Context<'_>, comp: usize) -> bool {
        if self.entities.comps[comp].category == CompCategory::Proxied {
            self.proxied_cleanup(ctx, comp);
            return false;
        }
        let info = &self.entities.comps[comp];
        let Some(cmd) = info.cleanup.clone() else {
            return false;
        };
        let timeout = Duration::from_millis(info.timeouts.cleanup);
        let env = self.command_env(comp);
        let job = self.job(comp, "cleanup");
        self.runner.spawn(job, &cmd, &env, Some(timeout));
        true
    }

    /// The instantiation attempt of `comp` failed: clean up, then retry
    /// per saAmfCompNumMaxInstantiateWithoutDelay / WithDelay.
    fn instantiation_failed(&mut self, ctx: &mut Context<'_>, comp: usize, why: &str) {
        let info = self.entities.comps[comp].clone();
        warn!(target: "AMF", "{}: instantiation attempt {} failed: {why}", info.dn,
            self.attempts[comp]);
        ctx.cancel_timer(TOKEN_INSTANTIATE | comp as u64);
        let (now_max, delay_max) = (
            info.max_instantiate_without_delay,
            info.max_instantiate_with_delay,
        );
        let delay_ms = info.delay_between_instantiate_ms;
        let running: Vec<u64> = self
            .jobs
            .iter()
            .filter(|(_, (c, w))| *c == comp && *w == "instantiate")
            .map(|(j, _)| *j)
            .collect();
        for job in running {
            self.runner.kill(job);
        }
        self.cleanup(ctx, comp);
        self.arm_poll(ctx);
        let attempts = self.attempts[comp];
        if attempts < now_max {
            self.phases[comp] = Phase::Idle;
            self.drive(ctx);
        } else if attempts < now_max.saturating_add(delay_max) {
            self.phases[comp] = Phase::Delayed;
            let ns = i64::try_from(delay_ms.saturating_mul(1_000_000)).unwrap_or(i64::MAX);
            ctx.set_timer(
                TOKEN_INSTANTIATE | comp as u64,
                ctx.now_ns().saturating_add(ns),
            );
        } else {
            error!(target: "AMF", "{}: instantiation failed after {attempts} attempt(s)", info.dn);
            self.phases[comp] = Phase::Failed;
            self.mcast_presence(ctx, comp, SA_AMF_PRESENCE_INSTANTIATION_FAILED);
        }
    }

    fn mcast_presence(&mut self, ctx: &mut Context<'_>, comp: usize, presence: u32) {
        let mut e = Encoder::new();
        e.put_u32(comp as u32).put_u32(presence);
        ctx.mcast_queued(exec_kind::PRESENCE, &e.finish());
    }

    /// A fault detected here on `comp`, multicast for every node to
    /// recover from.
    fn mcast_fault(
        &mut self,
        ctx: &mut Context<'_>,
        comp: usize,
        source: FaultSource,
        recovery: u32,
        detail: String,
    ) {
        let fault = Fault {
            comp,
            source,
            recovery,
            at: ctx.now_ns(),
            detail,
        };
        error!(target: "AMF", "{}: fault detected: {}{}{}", self.entities.comps[comp].dn,
            source.describe(), if fault.detail.is_empty() { "" } else { ": " }, fault.detail);
        let mut e = Encoder::new();
        fault.encode(&mut e);
        put_reply(&mut e, None);
        ctx.mcast_queued(exec_kind::FAILED, &e.finish());
    }

    fn poll_jobs(&mut self, ctx: &mut Context<'_>) {
        for (job, outcome) in self.runner.poll() {
            let Some((comp, what)) = self.jobs.remove(&job) else {
                continue;
            };
            let dn = &self.entities.comps[comp].dn;
            match (what, outcome) {
                ("cleanup", o) if self.phases[comp] == Phase::Restarting => {
                    info!(target: "AMF", "{dn}: restart: cleanup command {o:?}; instantiating again");
                    self.phases[comp] = Phase::Idle;
                    self.drive(ctx);
                }
                ("instantiate", Outcome::Exited(0))
                    if self.entities.comps[comp].category == CompCategory::Local
                        && self.phases[comp] == Phase::Instantiating =>
                {
                    // A local component is instantiated by its command.
                    let mut e = Encoder::new();
                    put_reply(&mut e, None);
                    e.put_u32(comp as u32).put_u64(NO_CONN.0).put_u32(u32::MAX);
                    ctx.mcast_queued(exec_kind::REGISTER, &e.finish());
                }
                ("instantiate", Outcome::Exited(0)) => {}
                ("instantiate", o) if self.phases[comp] == Phase::Instantiating => {
                    self.instantiation_failed(ctx, comp, &format!("instantiate command {o:?}"));
                }
                (what, Outcome::Exited(0)) => {
                    info!(target: "AMF", "{dn}: {what} command done");
                }
                (what, o) => warn!(target: "AMF", "{dn}: {what} command {o:?}"),
            }
        }
        self.repair_cleaned(ctx);
        if self.runner.busy() {
            self.arm_poll(ctx);
        }
    }

    /// The operator view: one line per entity.
    fn status_lines(&self) -> Vec<Vec<u8>> {
        let e = &self.entities;
        let s = &self.state;
        let mut out = Vec::new();
        if !self.enabled {
            out.push(b"AMF is disabled (amf { mode: disabled })".to_vec());
            return out;
        }
        out.push(
            format!(
                "cluster: assignment {}",
                if s.started { "started" } else { "not started" }
            )
            .into_bytes(),
        );
        for node in &s.nodes_out {
            out.push(format!("node {node}: out of service (node recovery)").into_bytes());
        }
        for sg in &e.sgs {
            out.push(format!("SG {} {:?}", sg.dn, sg.redundancy).into_bytes());
            for &su in &sg.sus {
                let node = s.host_of(e, su).map_or("-".to_string(), |n| n.to_string());
                out.push(
                    format!(
                        "  SU {} node {} ({}) presence {} operational {} readiness {}",
                        e.sus[su].dn,
                        e.sus[su].hosted_by,
                        node,
                        if s.su_instantiated(e, su) {
                            "INSTANTIATED"
                        } else {
                            "UNINSTANTIATED"
                        },
                        if s.su_enabled(e, su) {
                            "ENABLED"
                        } else {
                            "DISABLED"
                        },
                        if s.su_in_service(e, su) {
                            "IN_SERVICE"
                        } else {
                            "OUT_OF_SERVICE"
                        }
                    )
                    .into_bytes(),
                );
                for &c in &e.sus[su].comps {
                    let cs = &s.comps[c];
                    out.push(
                        format!(
                            "    COMP {} presence {} operational {} readiness {}",
                            e.comps[c].dn,
                            presence_name(cs.presence),
                            if cs.enabled { "ENABLED" } else { "DISABLED" },
                            if s.su_in_service(e, su) {
                                "IN_SERVICE"
                            } else {
                                "OUT_OF_SERVICE"
                            }
                        )
                        .into_bytes(),
                    );
                }
            }
            for &si in &sg.sis {
                let assigned: Vec<String> = s
                    .assignments
                    .iter()
                    .filter(|a| a.si == si)
                    .map(|a| {
                        let node = s.host_of(e, a.su).map_or(0, |n| n);
                        format!(
                            "{}={}@node{}{}",
                            e.sus[a.su].dn,
                            ha_name(a.ha),
                            node,
                            if a.all_confirmed() { "" } else { "(pending)" }
                        )
                    })
                    .collect();
                out.push(format!("  SI {} {}", e.sis[si].dn, assigned.join(" ")).into_bytes());
            }
        }
        out
    }

    fn exec(&mut self, ctx: &mut Context<'_>, msg: &ExecMessage<'_>) -> Result<(), DecodeError> {
        let mut d = Decoder::new(msg.payload);
        let n_comps = self.entities.comps.len();
        let comp_index = |d: &mut Decoder<'_>| -> Result<usize, DecodeError> {
            let c = d.get_u32()? as usize;
            if c >= n_comps {
                return Err(DecodeError::InvalidValue {
                    field: "component",
                    value: c as u64,
                });
            }
            Ok(c)
        };
        match msg.kind {
            exec_kind::SYNC_STATE => {
                let report = SyncReport::decode(&mut d, &self.entities)?;
                d.finish()?;
                if report.fingerprint != self.entities.fingerprint() {
                    error!(target: "AMF",
                        "node {} runs another amf.conf: its AMF state is ignored", msg.from);
                    return Ok(());
                }
                self.staged.push((msg.from, report));
                return Ok(());
            }
            exec_kind::REGISTER => {
                let reply = get_reply(&mut d)?;
                let comp = comp_index(&mut d)?;
                let conn = ConnId(d.get_u64()?);
                // The proxy that registers a proxied component (or none).
                let proxy = match d.get_u32()? {
                    u32::MAX => None,
                    p if (p as usize) < n_comps => Some(p as usize),
                    p => {
                        return Err(DecodeError::InvalidValue {
                            field: "proxy",
                            value: u64::from(p),
                        })
                    }
                };
                d.finish()?;
                let host = self
                    .state
                    .host_of(&self.entities, self.entities.comps[comp].su);
                // A connection-less registration is a local component's,
                // a proxy names a proxied one's: anything else is refused.
                let category = self.entities.comps[comp].category;
                let fits = (conn == NO_CONN) == (category == CompCategory::Local)
                    && (proxy.is_none() || category == CompCategory::Proxied);
                let s = &mut self.state.comps[comp];
                let error = if host != Some(msg.from) || !fits {
                    SA_AIS_ERR_NOT_EXIST
                } else if s.registered.is_some() {
                    SA_AIS_ERR_EXIST
                } else {
                    s.registered = Some((msg.from, conn));
                    s.presence = SA_AMF_PRESENCE_INSTANTIATED;
                    info!(target: "AMF", "{} registered (node {})",
                        self.entities.comps[comp].dn, msg.from);
                    if msg.from == self.local {
                        if let Some(proxy) = proxy {
                            self.proxy_of.insert(comp, proxy);
                        }
                        self.phases[comp] = Phase::Running;
                        self.attempts[comp] = 0;
                        ctx.cancel_timer(TOKEN_INSTANTIATE | comp as u64);
                        // A new registration starts with a clean slate.
                        self.told.retain(|(c, _, _), _| *c != comp);
                    }
                    SA_AIS_OK
                };
                if let Some(r) = reply {
                    ctx.reply(&r, error, Vec::new());
                }
            }
            exec_kind::UNREGISTER => {
                let reply = get_reply(&mut d)?;
                let comp = comp_index(&mut d)?;
                let conn = ConnId(d.get_u64()?);
                let at = d.get_i64()?;
                d.finish()?;
                let s = &self.state.comps[comp];
                let error = if s.registered == Some((msg.from, conn)) {
                    let expected = s.presence == SA_AMF_PRESENCE_TERMINATING
                        || self.state.leaving.contains(&msg.from);
                    if msg.from == self.local {
                        self.told.retain(|(c, _, _), _| *c != comp);
                        self.pending.retain(|_, p| p.comp != comp);
                        if self.phases[comp] != Phase::Terminating {
                            self.phases[comp] = Phase::Idle;
                        }
                    }
                    if expected {
                        let s = &mut self.state.comps[comp];
                        s.registered = None;
                        s.presence = SA_AMF_PRESENCE_UNINSTANTIATED;
                    } else {
                        // Its process went away unasked: a fault.
                        let fault = Fault {
                            comp,
                            source: FaultSource::ProcessExit,
                            recovery: SA_AMF_NO_RECOMMENDATION,
                            at,
                            detail: String::new(),
                        };
                        let action = self.state.recover(&self.entities, &fault);
                        let s = &mut self.state.comps[comp];
                        if s.registered == Some((msg.from, conn)) {
                            s.registered = None;
                            s.presence = SA_AMF_PRESENCE_UNINSTANTIATED;
                        }
                        self.carry_out(ctx, action);
                    }
                    SA_AIS_OK
                } else {
                    SA_AIS_ERR_NOT_EXIST
                };
                if let Some(r) = reply {
                    ctx.reply(&r, error, Vec::new());
                }
            }
            exec_kind::RESPONSE => {
                let comp = comp_index(&mut d)?;
                let si = d.get_u32()? as usize;
                let su = d.get_u32()? as usize;
                let csi = d.get_u32()? as usize;
                let ha = d.get_u32()?;
                let error = d.get_u32()?;
                d.finish()?;
                if error != SA_AIS_OK {
                    // The refusal itself arrives as a fault (FAILED).
                    warn!(target: "AMF", "{} refused HA state {} (error {error})",
                        self.entities.comps[comp].dn, ha_name(ha));
                } else if let Some(a) = self
                    .state
                    .assignments
                    .iter_mut()
                    .find(|a| a.si == si && a.su == su && a.ha == ha)
                {
                    if let Some(c) = a.confirmed.get_mut(csi) {
                        *c = true;
                    }
                }
            }
            exec_kind::PRESENCE => {
                let comp = comp_index(&mut d)?;
                let presence = d.get_u32()?;
                d.finish()?;
                let s = &mut self.state.comps[comp];
                // Registration is what makes a component instantiated;
                // a late report of an earlier attempt changes nothing; a
                // restart stays RESTARTING until it registers or fails.
                let restarting = s.presence == SA_AMF_PRESENCE_RESTARTING
                    && presence == SA_AMF_PRESENCE_INSTANTIATING;
                if s.registered.is_none()
                    && !restarting
                    && (SA_AMF_PRESENCE_UNINSTANTIATED..=7).contains(&presence)
                {
                    if s.presence == SA_AMF_PRESENCE_RESTARTING {
                        warn!(target: "AMF", "{}: restart failed ({}): its SU leaves service",
                            self.entities.comps[comp].dn, presence_name(presence));
                    }
                    s.presence = presence;
                }
            }
            exec_kind::FAILED => {
                let fault = Fault::decode(&mut d, n_comps)?;
                let reply = get_reply(&mut d)?;
                d.finish()?;
                let action = self.state.recover(&self.entities, &fault);
                self.carry_out(ctx, action);
                if let Some(r) = reply {
                    ctx.reply(&r, SA_AIS_OK, Vec::new());
                }
            }
            exec_kind::ERROR_CLEAR => {
                let comp = comp_index(&mut d)?;
                let reply = get_reply(&mut d)?;
                d.finish()?;
                // The SU failed over as a whole: its components are
                // enabled together, and a node a node recovery took out
                // comes back.
                let su = self.entities.comps[comp].su;
                let node = self.entities.sus[su].hosted_by.clone();
                if self.state.nodes_out.remove(&node) {
                    info!(target: "AMF", "{node}: error cleared: back in service");
                }
                let disabled = !self.state.comps[comp].enabled;
                for c in self.entities.sus[su].comps.clone() {
                    let s = &mut self.state.comps[c];
                    if disabled && !s.enabled {
                        info!(target: "AMF", "{}: error cleared: operational state ENABLED",
                            self.entities.comps[c].dn);
                        s.enabled = true;
                    }
                    let enabled = s.enabled;
                    if self.is_local(c) && self.phases[c] == Phase::Failed && enabled {
                        self.phases[c] = Phase::Idle;
                        self.attempts[c] = 0;
                    }
                }
                if disabled {
                    self.state.history.failed_over.remove(&su);
                }
                if let Some(r) = reply {
                    ctx.reply(&r, SA_AIS_OK, Vec::new());
                }
            }
            exec_kind::REPAIR => {
                let su = d.get_u32()? as usize;
                d.finish()?;
                if su >= self.entities.sus.len() {
                    return Err(DecodeError::InvalidValue {
                        field: "SU",
                        value: su as u64,
                    });
                }
                if self.state.repair(&self.entities, su) {
                    for c in self.entities.sus[su].comps.clone() {
                        if self.is_local(c) && self.phases[c] == Phase::Failed {
                            self.phases[c] = Phase::Idle;
                            self.attempts[c] = 0;
                        }
                    }
                }
            }
            exec_kind::STARTUP => {
                d.finish()?;
                if !self.state.started {
                    info!(target: "AMF", "cluster startup timeout passed: assignment starts");
                    self.state.started = true;
                }
            }
            exec_kind::LEAVING => {
                d.finish()?;
                info!(target: "AMF", "node {} is leaving: its SIs switch over", msg.from);
                self.state.leaving.insert(msg.from);
            }
            kind => {
                return Err(DecodeError::UnknownKind {
                    service: service::AMF,
                    kind,
                })
            }
        }
        self.settle(ctx);
        Ok(())
    }

    /// Merges the members' reports (see ARCHITECTURE.md, "AMF merge").
    fn merge(&mut self, membership: &Membership) {
        let reports = std::mem::take(&mut self.staged);
        let e = &self.entities;
        let mut merged = State::new(e);
        merged.nodes = reports
            .iter()
            .filter(|(id, _)| membership.members.contains(id))
            .map(|(id, r)| (*id, r.name.clone()))
            .collect();
        // The table of the largest group that was together, then the one
        // that had started assigning, then the lowest node id.
        let winner = reports
            .iter()
            .filter(|(id, _)| membership.members.contains(id))
            .max_by_key(|(id, r)| (r.started, r.last_members, std::cmp::Reverse(*id)));
        if let Some((_, w)) = winner {
            merged.started = reports.iter().any(|(_, r)| r.started);
            merged.assignments = w.assignments.clone();
            merged.history = w.history.clone();
            // A node taken out by a node recovery stays out as long as
            // its own executive says so (one that restarted comes back).
            merged.nodes_out = reports
                .iter()
                .filter(|(id, r)| membership.members.contains(id) && r.nodes_out.contains(&r.name))
                .map(|(_, r)| r.name.clone())
                .collect();
        }
        for (id, r) in &reports {
            for &l in &r.leaving {
                if membership.members.contains(&l) {
                    merged.leaving.insert(l);
                }
            }
            // Each component's state comes from its own host.
            for (c, cs) in r.comps.iter().enumerate() {
                if e.sus[e.comps[c].su].hosted_by == r.name
                    && merged.host_of(e, e.comps[c].su) == Some(*id)
                {
                    let mut cs = cs.clone();
                    if cs.registered.is_some_and(|(n, _)| n != *id) {
                        cs.registered = None;
                    }
                    merged.comps[c] = cs;
                }
            }
        }
        self.state = merged;
        self.last_members = membership.members.len();
    }
}

/// What a member contributes to the merge.
#[derive(Debug, Clone)]
struct SyncReport {
    fingerprint: u64,
    name: String,
    started: bool,
    last_members: usize,
    leaving: Vec<NodeId>,
    comps: Vec<CompState>,
    assignments: Vec<Assignment>,
    nodes_out: Vec<String>,
    history: History,
}

impl SyncReport {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.fingerprint)
            .put_bytes(self.name.as_bytes())
            .put_bool(self.started)
            .put_u32(u32::try_from(self.last_members).unwrap_or(u32::MAX))
            .put_vec(&self.leaving, |e, n| {
                e.put_u32(*n);
            })
            .put_vec(&self.comps, |e, c| {
                e.put_u32(c.presence).put_bool(c.enabled);
                match c.registered {
                    Some((node, conn)) => e.put_bool(true).put_u32(node).put_u64(conn.0),
                    None => e.put_bool(false),
                };
            })
            .put_vec(&self.assignments, |e, a| {
                e.put_u32(a.si as u32)
                    .put_u32(a.su as u32)
                    .put_u32(a.ha)
                    .put_vec(&a.confirmed, |e, c| {
                        e.put_bool(*c);
                    });
            })
            .put_vec(&self.nodes_out, |e, n| {
                e.put_bytes(n.as_bytes());
            });
        let times = |e: &mut Encoder, t: &Vec<i64>| {
            e.put_vec(t, |e, t| {
                e.put_i64(*t);
            });
        };
        let h = &self.history;
        e.put_vec(&h.comp_restarts.iter().collect::<Vec<_>>(), |e, (su, t)| {
            e.put_u32(**su as u32);
            times(e, t);
        })
        .put_vec(&h.su_restarts.iter().collect::<Vec<_>>(), |e, (su, t)| {
            e.put_u32(**su as u32);
            times(e, t);
        })
        .put_vec(&h.su_failovers.iter().collect::<Vec<_>>(), |e, (n, t)| {
            e.put_bytes(n.as_bytes());
            times(e, t);
        })
        .put_vec(&h.failed_over.iter().collect::<Vec<_>>(), |e, (su, t)| {
            e.put_u32(**su as u32);
            times(e, t);
        });
    }

    /// Decodes a report, checking every index against this node's model
    /// (a report that does not fit is refused, never indexed with).
    fn decode(d: &mut Decoder<'_>, ent: &Entities) -> Result<SyncReport, DecodeError> {
        let bad = |field, value: usize| DecodeError::InvalidValue {
            field,
            value: value as u64,
        };
        let fingerprint = d.get_u64()?;
        let name = String::from_utf8_lossy(d.get_bytes_max("node name", 256)?).into_owned();
        let started = d.get_bool()?;
        let last_members = d.get_u32()? as usize;
        let leaving = d.get_vec(4, |d| d.get_u32())?;
        let comps = d.get_vec(5, |d| {
            let presence = d.get_u32()?;
            let enabled = d.get_bool()?;
            let registered = if d.get_bool()? {
                Some((d.get_u32()?, ConnId(d.get_u64()?)))
            } else {
                None
            };
            Ok(CompState {
                presence,
                enabled,
                registered,
            })
        })?;
        if fingerprint == ent.fingerprint() && comps.len() != ent.comps.len() {
            return Err(bad("component count", comps.len()));
        }
        let assignments = d.get_vec(16, |d| {
            let si = d.get_u32()? as usize;
            let su = d.get_u32()? as usize;
            let ha = d.get_u32()?;
            let confirmed = d.get_vec(1, |d| d.get_bool())?;
            Ok(Assignment {
                si,
                su,
                ha,
                confirmed,
            })
        })?;
        for a in &assignments {
            if fingerprint != ent.fingerprint() {
                break;
            }
            let Some(si) = ent.sis.get(a.si) else {
                return Err(bad("SI", a.si));
            };
            if a.su >= ent.sus.len() {
                return Err(bad("SU", a.su));
            }
            if a.confirmed.len() != si.csis.len() {
                return Err(bad("CSI count", a.confirmed.len()));
            }
        }
        let nodes_out = d.get_vec(4, |d| {
            Ok(String::from_utf8_lossy(d.get_bytes_max("node name", 256)?).into_owned())
        })?;
        let times = |d: &mut Decoder<'_>| d.get_vec(8, |d| d.get_i64());
        let su_index = |d: &mut Decoder<'_>| -> Result<usize, DecodeError> {
            let su = d.get_u32()? as usize;
            if fingerprint == ent.fingerprint() && su >= ent.sus.len() {
                return Err(bad("SU", su));
            }
            Ok(su)
        };
        let comp_restarts = d.get_vec(8, |d| Ok((su_index(d)?, times(d)?)))?;
        let su_restarts = d.get_vec(8, |d| Ok((su_index(d)?, times(d)?)))?;
        let su_failovers = d.get_vec(8, |d| {
            let name = String::from_utf8_lossy(d.get_bytes_max("node name", 256)?).into_owned();
            Ok((name, times(d)?))
        })?;
        let failed_over = d.get_vec(8, |d| Ok((su_index(d)?, times(d)?)))?;
        Ok(SyncReport {
            fingerprint,
            name,
            started,
            last_members,
            leaving,
            comps,
            assignments,
            nodes_out,
            history: History {
                comp_restarts: comp_restarts.into_iter().collect(),
                su_restarts: su_restarts.into_iter().collect(),
                su_failovers: su_failovers.into_iter().collect(),
                failed_over: failed_over.into_iter().collect(),
            },
        })
    }
}

fn put_reply(e: &mut Encoder, reply: Option<ReplyTo>) {
    match reply {
        Some(r) => {
            e.put_bool(true);
            r.encode(e);
        }
        None => {
            e.put_bool(false);
        }
    }
}

fn get_reply(d: &mut Decoder<'_>) -> Result<Option<ReplyTo>, DecodeError> {
    Ok(if d.get_bool()? {
        Some(ReplyTo::decode(d)?)
    } else {
        None
    })
}

impl Service for Amf {
    fn id(&self) -> u16 {
        service::AMF
    }

    fn name(&self) -> &'static str {
        "AMF"
    }

    fn conn_exit(&mut self, ctx: &mut Context<'_>, conn: ConnId) {
        self.pending.retain(|_, p| p.conn != conn);
        self.watch_conn_exit(ctx, conn);
        for comp in 0..self.state.comps.len() {
            if self.state.comps[comp].registered == Some((self.local, conn)) {
                let mut e = Encoder::new();
                put_reply(&mut e, None);
                e.put_u32(comp as u32).put_u64(conn.0).put_i64(ctx.now_ns());
                ctx.mcast_queued(exec_kind::UNREGISTER, &e.finish());
            }
        }
    }

    fn lib_request(&mut self, ctx: &mut Context<'_>, req: &Request<'_>) -> Result<(), DecodeError> {
        let request = AmfRequest::decode(req.kind, req.payload)?;
        let mut payload = Encoder::new();
        let exec = match request {
            AmfRequest::Register(r) => {
                let comp = match self.entities.comp_by_dn(r.comp.as_bytes()) {
                    Some(c) if self.is_local(c) => c,
                    _ => {
                        ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new());
                        return Ok(());
                    }
                };
                put_reply(&mut payload, Some(ctx.reply_to(req)));
                payload
                    .put_u32(comp as u32)
                    .put_u64(req.conn.0)
                    .put_u32(u32::MAX);
                exec_kind::REGISTER
            }
            AmfRequest::RegisterProxied(r) => {
                let Some(comp) = self.check_proxied(ctx, req, &r) else {
                    return Ok(());
                };
                put_reply(&mut payload, Some(ctx.reply_to(req)));
                payload
                    .put_u32(comp.0 as u32)
                    .put_u64(req.conn.0)
                    .put_u32(comp.1 as u32);
                exec_kind::REGISTER
            }
            AmfRequest::Unregister(r) => {
                let Some(comp) = self.entities.comp_by_dn(r.comp.as_bytes()) else {
                    ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new());
                    return Ok(());
                };
                if self.state.comps[comp].registered != Some((self.local, req.conn)) {
                    ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new());
                    return Ok(());
                }
                // Asked for: not a failure.
                self.phases[comp] = Phase::Terminating;
                self.state.comps[comp].presence = SA_AMF_PRESENCE_TERMINATING;
                put_reply(&mut payload, Some(ctx.reply_to(req)));
                payload
                    .put_u32(comp as u32)
                    .put_u64(req.conn.0)
                    .put_i64(ctx.now_ns());
                exec_kind::UNREGISTER
            }
            AmfRequest::HaStateGet(r) => {
                let comp = self.entities.comp_by_dn(r.comp.as_bytes());
                let csi = self.entities.csi_by_dn(r.csi.as_bytes());
                let ha = comp.zip(csi).and_then(|(comp, (si, csi))| {
                    let su = self.entities.comps[comp].su;
                    let a = self.state.assignment(si, su)?;
                    (self.entities.comp_for_csi(su, si, csi) == Some(comp)).then_some(a.ha)
                });
                match ha {
                    Some(ha_state) => {
                        ctx.respond(req, SA_AIS_OK, HaStateReply { ha_state }.to_payload())
                    }
                    None => ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new()),
                }
                return Ok(());
            }
            AmfRequest::Response(r) => {
                if self.healthcheck_response(ctx, req.conn, r.invocation, r.error) {
                    ctx.respond(req, SA_AIS_OK, Vec::new());
                    return Ok(());
                }
                let Some(p) = self
                    .pending
                    .get(&r.invocation)
                    .filter(|p| p.conn == req.conn)
                    .cloned()
                else {
                    ctx.respond(req, SA_AIS_ERR_INVALID_PARAM, Vec::new());
                    return Ok(());
                };
                if r.error != SA_AIS_OK {
                    self.pending.remove(&r.invocation);
                    ctx.cancel_timer(TOKEN_CALLBACK | r.invocation);
                    let detail = format!("error {}", r.error);
                    self.mcast_fault(
                        ctx,
                        p.comp,
                        FaultSource::CallbackError,
                        SA_AMF_NO_RECOMMENDATION,
                        detail,
                    );
                    ctx.respond(req, SA_AIS_OK, Vec::new());
                    return Ok(());
                }
                let Some((si, su, csi, ha)) = p.set else {
                    // A remove or terminate answered: nothing replicated
                    // waits for it.
                    self.pending.remove(&r.invocation);
                    ctx.cancel_timer(TOKEN_CALLBACK | r.invocation);
                    ctx.respond(req, SA_AIS_OK, Vec::new());
                    return Ok(());
                };
                payload
                    .put_u32(p.comp as u32)
                    .put_u32(si as u32)
                    .put_u32(su as u32)
                    .put_u32(csi as u32)
                    .put_u32(ha)
                    .put_u32(r.error);
                match ctx.mcast(exec_kind::RESPONSE, &payload.finish()) {
                    Ok(()) => {
                        self.pending.remove(&r.invocation);
                        ctx.cancel_timer(TOKEN_CALLBACK | r.invocation);
                        ctx.respond(req, SA_AIS_OK, Vec::new());
                    }
                    Err(e) => ctx.respond(req, mcast_refusal(e), Vec::new()),
                }
                return Ok(());
            }
            AmfRequest::ErrorReport(r) => {
                let Some(comp) = self.entities.comp_by_dn(r.comp.as_bytes()) else {
                    ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new());
                    return Ok(());
                };
                Fault {
                    comp,
                    source: FaultSource::ErrorReport,
                    recovery: r.recovery,
                    at: ctx.now_ns(),
                    detail: String::new(),
                }
                .encode(&mut payload);
                put_reply(&mut payload, Some(ctx.reply_to(req)));
                exec_kind::FAILED
            }
            AmfRequest::ErrorClear(r) => {
                let Some(comp) = self.entities.comp_by_dn(r.comp.as_bytes()) else {
                    ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new());
                    return Ok(());
                };
                payload.put_u32(comp as u32);
                put_reply(&mut payload, Some(ctx.reply_to(req)));
                exec_kind::ERROR_CLEAR
            }
            AmfRequest::Status(_) => {
                let lines = self.status_lines();
                ctx.respond(req, SA_AIS_OK, StatusReply { lines }.to_payload());
                return Ok(());
            }
            AmfRequest::HealthcheckStart(r) => {
                self.healthcheck_start(ctx, req, r);
                return Ok(());
            }
            AmfRequest::HealthcheckConfirm(r) => {
                self.healthcheck_confirm(ctx, req, r);
                return Ok(());
            }
            AmfRequest::HealthcheckStop(r) => {
                self.healthcheck_stop(ctx, req, r);
                return Ok(());
            }
            AmfRequest::PmStart(r) => {
                self.pm_start(ctx, req, r);
                return Ok(());
            }
            AmfRequest::PmStop(r) => {
                self.pm_stop(ctx, req, r);
                return Ok(());
            }
            AmfRequest::PgTrack(r) => {
                self.pg_track(ctx, req, r);
                return Ok(());
            }
            AmfRequest::PgTrackStop(r) => {
                self.pg_track_stop(ctx, req, &r.csi);
                return Ok(());
            }
        };
        if let Err(e) = ctx.mcast(exec, &payload.finish()) {
            ctx.respond(req, mcast_refusal(e), Vec::new());
        }
        Ok(())
    }

    fn served_during_sync(&self, kind: u16) -> bool {
        // Reads of local state only.
        matches!(kind, kind::HA_STATE_GET | kind::STATUS)
    }

    fn delivered_during_sync(&self, kind: u16) -> bool {
        kind == exec_kind::SYNC_STATE
    }

    fn exec_deliver(
        &mut self,
        ctx: &mut Context<'_>,
        msg: &ExecMessage<'_>,
    ) -> Result<(), DecodeError> {
        self.exec(ctx, msg)
    }

    fn sync_init(&mut self, _ctx: &mut Context<'_>, membership: &Membership) {
        self.syncing = Some(membership.clone());
        self.staged.clear();
    }

    fn sync_process(&mut self, ctx: &mut Context<'_>) -> SyncStep {
        let report = SyncReport {
            fingerprint: self.entities.fingerprint(),
            name: self.local_name.clone(),
            started: self.state.started,
            last_members: self.last_members,
            leaving: self.state.leaving.iter().copied().collect(),
            comps: self.state.comps.clone(),
            assignments: self.state.assignments.clone(),
            nodes_out: self.state.nodes_out.iter().cloned().collect(),
            history: self.state.history.clone(),
        };
        let mut e = Encoder::new();
        report.encode(&mut e);
        match ctx.mcast(exec_kind::SYNC_STATE, &e.finish()) {
            Ok(()) => SyncStep::Done,
            Err(McastError::QueueFull) => SyncStep::Pending,
            Err(err @ McastError::TooLarge) => {
                error!(target: "AMF", "AMF state too large to synchronise: error {}",
                    mcast_refusal(err));
                SyncStep::Done
            }
        }
    }

    fn sync_activate(&mut self, ctx: &mut Context<'_>) {
        let Some(membership) = self.syncing.take() else {
            return;
        };
        self.merge(&membership);
        if self.enabled && !self.startup_armed {
            self.startup_armed = true;
            let ns = i64::try_from(self.entities.startup_timeout_ms.saturating_mul(1_000_000))
                .unwrap_or(i64::MAX);
            ctx.set_timer(TOKEN_STARTUP, ctx.now_ns().saturating_add(ns));
        }
        self.settle(ctx);
    }

    fn sync_abort(&mut self, _ctx: &mut Context<'_>) {
        self.syncing = None;
        self.staged.clear();
    }

    fn timer(&mut self, ctx: &mut Context<'_>, token: u64) {
        let id = token & !TOKEN_MASK;
        match token & TOKEN_MASK {
            TOKEN_POLL => self.poll_jobs(ctx),
            monitor::TOKEN_HEALTHCHECK => self.healthcheck_timer(ctx, id),
            monitor::TOKEN_PM => self.pm_poll(ctx),
            TOKEN_STARTUP if !self.state.started => {
                ctx.mcast_queued(exec_kind::STARTUP, &[]);
            }
            TOKEN_INSTANTIATE => {
                let comp = id as usize;
                match self.phases.get(comp) {
                    Some(Phase::Instantiating) => self.instantiation_failed(
                        ctx,
                        comp,
                        "not registered within saAmfCompInstantiateTimeout",
                    ),
                    Some(Phase::Delayed) => {
                        self.phases[comp] = Phase::Idle;
                        self.drive(ctx);
                    }
                    _ => {}
                }
            }
            TOKEN_CALLBACK => {
                if let Some(p) = self.pending.remove(&id) {
                    // A terminate callback is followed by the terminate
                    // command anyway.
                    if p.set.is_some() || self.leave == Leave::Serving {
                        let what = if p.set.is_some() {
                            "CSI set"
                        } else {
                            "CSI remove"
                        };
                        self.mcast_fault(
                            ctx,
                            p.comp,
                            FaultSource::CallbackTimeout,
                            SA_AMF_NO_RECOMMENDATION,
                            format!("{what} invocation {id}"),
                        );
                    }
                }
            }
            _ => {}
        }
    }

    fn shutdown(&mut self, ctx: &mut Context<'_>) {
        if !self.enabled || self.leave != Leave::Serving {
            return;
        }
        info!(target: "AMF", "leaving: switching this node's SIs over first");
        self.leave = Leave::Draining;
        ctx.mcast_queued(exec_kind::LEAVING, &[]);
    }

    fn ready_to_leave(&mut self, ctx: &mut Context<'_>) -> bool {
        let e = &self.entities;
        let mine: BTreeSet<usize> = (0..e.sus.len())
            .filter(|&su| e.sus[su].hosted_by == self.local_name)
            .collect();
        match self.leave {
            Leave::Serving => true,
            Leave::Draining => {
                let draining = self.state.assignments.iter().any(|a| mine.contains(&a.su));
                // Alone, nobody can take the SIs: terminate at once.
                let alone = self.state.nodes.iter().all(|(id, _)| *id == self.local);
                if draining && !alone {
                    return false;
                }
                self.leave = Leave::Terminating;
                for comp in 0..e.comps.len() {
                    let Some((node, conn)) = self.state.comps[comp].registered else {
                        continue;
                    };
                    if node != self.local {
                        continue;
                    }
                    self.phases[comp] = Phase::Terminating;
                    if conn == NO_CONN {
                        // Nothing to tell: its terminate command alone
                        // ends it.
                        let mut e = Encoder::new();
                        put_reply(&mut e, None);
                        e.put_u32(comp as u32).put_u64(conn.0).put_i64(ctx.now_ns());
                        ctx.mcast_queued(exec_kind::UNREGISTER, &e.finish());
                    } else {
                        let invocation = self.invocation(conn, comp, None, ctx);
                        let cb = TerminateCallback {
                            invocation,
                            comp: self.comp_name(comp),
                        };
                        ctx.callback(conn, kind::TERMINATE_CALLBACK, SA_AIS_OK, cb.to_payload());
                    }
                    let info = &self.entities.comps[comp];
                    if let Some(cmd) = info.terminate.clone() {
                        let timeout = Duration::from_millis(info.timeouts.terminate);
                        let env = self.command_env(comp);
                        let job = self.job(comp, "terminate");
                        self.runner.spawn(job, &cmd, &env, Some(timeout));
                    }
                }
                self.arm_poll(ctx);
                false
            }
            Leave::Terminating => {
                self.poll_jobs(ctx);
                let registered = self
                    .state
                    .comps
                    .iter()
                    .any(|c| c.registered.is_some_and(|(n, _)| n == self.local));
                !registered && !self.runner.busy()
            }
        }
    }
}

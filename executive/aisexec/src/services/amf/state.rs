//! The replicated AMF state and the assignment rules. Everything here
//! changes only in exec handlers, in agreed order, and [`State::assign`]
//! is a pure function of the state: every node computes the same
//! assignments from the same messages, so no node is "the" decider and
//! any survivor carries on when one leaves.

use std::collections::{BTreeMap, BTreeSet};

use sa_abi::amf::{
    SaAmfHAStateT, SA_AMF_HA_ACTIVE, SA_AMF_HA_QUIESCED, SA_AMF_HA_STANDBY,
    SA_AMF_PRESENCE_INSTANTIATED, SA_AMF_PRESENCE_INSTANTIATING,
    SA_AMF_PRESENCE_INSTANTIATION_FAILED, SA_AMF_PRESENCE_RESTARTING, SA_AMF_PRESENCE_TERMINATING,
    SA_AMF_PRESENCE_UNINSTANTIATED,
};

use super::model::Entities;
use crate::config::amf::RedundancyModel;
use crate::ipc::ConnId;
use crate::ordering::NodeId;

/// The registration of a `local` (non-SA-aware, not proxied)
/// component: its instance has no library connection; it is instantiated
/// when its instantiate command succeeds and is told nothing.
pub(crate) const NO_CONN: ConnId = ConnId(u64::MAX);

/// A component's replicated state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompState {
    /// SaAmfPresenceStateT.
    pub presence: u32,
    /// Operational state: false is DISABLED (its SU was failed over and
    /// stays out of service until saAmfComponentErrorClear).
    pub enabled: bool,
    /// The library connection that registered it, on its hosting node.
    pub registered: Option<(NodeId, ConnId)>,
}

impl Default for CompState {
    fn default() -> CompState {
        CompState {
            presence: SA_AMF_PRESENCE_UNINSTANTIATED,
            enabled: true,
            registered: None,
        }
    }
}

/// One SI assigned to one SU with an HA state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Assignment {
    pub si: usize,
    pub su: usize,
    pub ha: SaAmfHAStateT,
    /// Per CSI of the SI: whether its component confirmed `ha`
    /// (saAmfResponse SA_AIS_OK).
    pub confirmed: Vec<bool>,
}

impl Assignment {
    fn new(si: usize, su: usize, ha: SaAmfHAStateT, csis: usize) -> Assignment {
        Assignment {
            si,
            su,
            ha,
            confirmed: vec![false; csis],
        }
    }

    pub fn all_confirmed(&self) -> bool {
        self.confirmed.iter().all(|c| *c)
    }
}

/// The whole replicated state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct State {
    pub comps: Vec<CompState>,
    pub assignments: Vec<Assignment>,
    /// Whether assignment has started (cluster startup timeout passed, or
    /// every SU instantiated).
    pub started: bool,
    /// The members and the safAmfNode name each announced.
    pub nodes: Vec<(NodeId, String)>,
    /// Members shutting down gracefully: their SUs hand their SIs over.
    pub leaving: BTreeSet<NodeId>,
    /// safAmfNodes taken out of service by a node switchover, failover or
    /// failfast: their SUs hand their SIs over and take none.
    pub nodes_out: BTreeSet<String>,
    /// The recovery history the escalation counts (`recovery.rs`).
    pub history: History,
    /// Per SI: the SU that last gave up its ACTIVE assignment, and
    /// whether it was quiesced first (the transition descriptor a
    /// promoted standby is given). Not synchronised: after a merge a
    /// promotion is told as a new assignment.
    pub handover: BTreeMap<usize, (usize, bool)>,
}

/// Detection times (ns, from the fault reports) of the recoveries still
/// within their probation, per SU and per safAmfNode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct History {
    pub comp_restarts: BTreeMap<usize, Vec<i64>>,
    pub su_restarts: BTreeMap<usize, Vec<i64>>,
    pub su_failovers: BTreeMap<String, Vec<i64>>,
    /// Per SU: its own failovers, which decide whether it is repaired.
    pub failed_over: BTreeMap<usize, Vec<i64>>,
}

pub(crate) fn presence_name(p: u32) -> &'static str {
    match p {
        SA_AMF_PRESENCE_UNINSTANTIATED => "UNINSTANTIATED",
        SA_AMF_PRESENCE_INSTANTIATING => "INSTANTIATING",
        SA_AMF_PRESENCE_INSTANTIATED => "INSTANTIATED",
        SA_AMF_PRESENCE_TERMINATING => "TERMINATING",
        SA_AMF_PRESENCE_INSTANTIATION_FAILED => "INSTANTIATION_FAILED",
        SA_AMF_PRESENCE_RESTARTING => "RESTARTING",
        _ => "TERMINATION_FAILED",
    }
}

pub(crate) fn ha_name(ha: SaAmfHAStateT) -> &'static str {
    match ha {
        SA_AMF_HA_ACTIVE => "ACTIVE",
        SA_AMF_HA_STANDBY => "STANDBY",
        SA_AMF_HA_QUIESCED => "QUIESCED",
        _ => "QUIESCING",
    }
}

impl State {
    pub fn new(e: &Entities) -> State {
        State {
            comps: vec![CompState::default(); e.comps.len()],
            ..State::default()
        }
    }

    /// The member that runs `su`'s components: the one that announced
    /// the SU's safAmfNode name (the lowest id if two did).
    pub fn host_of(&self, e: &Entities, su: usize) -> Option<NodeId> {
        let name = &e.sus.get(su)?.hosted_by;
        self.nodes
            .iter()
            .filter(|(_, n)| n == name)
            .map(|(id, _)| *id)
            .min()
    }

    /// Every component of `su` is instantiated.
    pub fn su_instantiated(&self, e: &Entities, su: usize) -> bool {
        e.sus[su]
            .comps
            .iter()
            .all(|&c| self.comps[c].presence == SA_AMF_PRESENCE_INSTANTIATED)
    }

    /// SU operational state: disabled once any component is.
    pub fn su_enabled(&self, e: &Entities, su: usize) -> bool {
        e.sus[su].comps.iter().all(|&c| self.comps[c].enabled)
    }

    /// Readiness IN_SERVICE: instantiated, enabled, registered, and on a
    /// member that is not leaving (admin state is always UNLOCKED).
    pub fn su_in_service(&self, e: &Entities, su: usize) -> bool {
        let Some(host) = self.host_of(e, su) else {
            return false;
        };
        !self.leaving.contains(&host)
            && !self.nodes_out.contains(&e.sus[su].hosted_by)
            && self.su_enabled(e, su)
            && e.sus[su].comps.iter().all(|&c| {
                let s = &self.comps[c];
                s.presence == SA_AMF_PRESENCE_INSTANTIATED && s.registered.is_some()
            })
    }

    /// A component or SU restart is under way in `su` and nothing else
    /// keeps it from service: it keeps its assignments, which its
    /// components are given again once they registered.
    pub fn su_restarting(&self, e: &Entities, su: usize) -> bool {
        let Some(host) = self.host_of(e, su) else {
            return false;
        };
        let comps = &e.sus[su].comps;
        !self.leaving.contains(&host)
            && !self.nodes_out.contains(&e.sus[su].hosted_by)
            && self.su_enabled(e, su)
            && comps
                .iter()
                .any(|&c| self.comps[c].presence == SA_AMF_PRESENCE_RESTARTING)
            && comps.iter().all(|&c| {
                let s = &self.comps[c];
                s.presence == SA_AMF_PRESENCE_RESTARTING
                    || (s.presence == SA_AMF_PRESENCE_INSTANTIATED && s.registered.is_some())
            })
    }

    /// In service, or restarting in place: the SUs an SG assigns to.
    fn su_assignable(&self, e: &Entities, su: usize) -> bool {
        self.su_in_service(e, su) || self.su_restarting(e, su)
    }

    /// Can still take a callback: its components are registered and
    /// enabled (a leaving node's SU is draining, not dead).
    fn su_alive(&self, e: &Entities, su: usize) -> bool {
        self.host_of(e, su).is_some()
            && self.su_enabled(e, su)
            && e.sus[su]
                .comps
                .iter()
                .all(|&c| self.comps[c].registered.is_some())
    }

    pub fn all_instantiated(&self, e: &Entities) -> bool {
        (0..e.sus.len()).all(|su| self.su_instantiated(e, su))
    }

    pub fn assignment(&self, si: usize, su: usize) -> Option<&Assignment> {
        self.assignments.iter().find(|a| a.si == si && a.su == su)
    }

    /// Recomputes the assignments of every SG. Returns whether anything
    /// changed. Pure: the same state gives the same result on every node.
    pub fn assign(&mut self, e: &Entities) -> bool {
        if !self.started {
            return false;
        }
        let before = self.assignments.clone();
        for sg in 0..e.sgs.len() {
            self.drain(e, sg);
            match e.sgs[sg].redundancy {
                RedundancyModel::TwoN => self.assign_2n(e, sg),
                RedundancyModel::NPlusM => self.assign_npm(e, sg),
                RedundancyModel::NoRedundancy => self.assign_noredundancy(e, sg),
                RedundancyModel::NWay => self.assign_nway(e, sg),
                RedundancyModel::NWayActive => self.assign_nway_active(e, sg),
            }
        }
        self.confirm_local(e);
        before != self.assignments
    }

    /// A local component cannot confirm: what it is given counts as
    /// confirmed (it serves while its process runs).
    fn confirm_local(&mut self, e: &Entities) {
        for a in &mut self.assignments {
            for (csi, confirmed) in a.confirmed.iter_mut().enumerate() {
                let local = e.comp_for_csi(a.su, a.si, csi).is_some_and(|c| {
                    self.comps[c]
                        .registered
                        .is_some_and(|(_, conn)| conn == NO_CONN)
                });
                if local {
                    *confirmed = true;
                }
            }
        }
    }

    /// Takes SIs away from SUs that left service. A dead SU loses them at
    /// once; a live one (its node is leaving) is first made QUIESCED on
    /// its ACTIVE SIs and loses them once the quiesce is confirmed, so
    /// the standby becomes ACTIVE only after the old active stopped.
    fn drain(&mut self, e: &Entities, sg: usize) {
        let mut keep = Vec::with_capacity(self.assignments.len());
        for mut a in std::mem::take(&mut self.assignments) {
            if e.sus[a.su].sg != sg || self.su_in_service(e, a.su) {
                keep.push(a);
                continue;
            }
            if self.su_restarting(e, a.su) {
                // Kept, to be confirmed again by the restarted components.
                a.confirmed.iter_mut().for_each(|c| *c = false);
                keep.push(a);
                continue;
            }
            if !self.su_alive(e, a.su) {
                if a.ha == SA_AMF_HA_ACTIVE || a.ha == SA_AMF_HA_QUIESCED {
                    self.handover.insert(a.si, (a.su, false));
                }
                continue;
            }
            match a.ha {
                SA_AMF_HA_ACTIVE => {
                    a.ha = SA_AMF_HA_QUIESCED;
                    a.confirmed.iter_mut().for_each(|c| *c = false);
                    keep.push(a);
                }
                SA_AMF_HA_QUIESCED if !a.all_confirmed() => keep.push(a),
                SA_AMF_HA_QUIESCED => {
                    self.handover.insert(a.si, (a.su, true));
                }
                _ => {}
            }
        }
        self.assignments = keep;
    }

    /// Whether SI `si` still has a QUIESCED (draining) holder: its new
    /// ACTIVE waits for it.
    fn quiescing(&self, si: usize) -> bool {
        self.assignments
            .iter()
            .any(|a| a.si == si && a.ha == SA_AMF_HA_QUIESCED)
    }

    fn set(&mut self, e: &Entities, si: usize, su: usize, ha: SaAmfHAStateT) {
        let csis = e.sis[si].csis.len();
        match self
            .assignments
            .iter_mut()
            .find(|a| a.si == si && a.su == su)
        {
            Some(a) if a.ha == ha => {}
            Some(a) => {
                a.ha = ha;
                a.confirmed = vec![false; csis];
            }
            None => self.assignments.push(Assignment::new(si, su, ha, csis)),
        }
    }

    fn unset(&mut self, si: usize, su: usize) {
        self.assignments.retain(|a| !(a.si == si && a.su == su));
    }

    fn in_service_sus(&self, e: &Entities, sg: usize) -> Vec<usize> {
        e.sgs[sg]
            .sus
            .iter()
            .copied()
            .filter(|&su| self.su_assignable(e, su))
            .collect()
    }

    /// 2N: one in-service SU ACTIVE for every SI of the SG, one STANDBY.
    /// The current active stays; else the current standby is promoted;
    /// else the first in-service SU in configuration order.
    fn assign_2n(&mut self, e: &Entities, sg: usize) {
        let sis = &e.sgs[sg].sis;
        let ready = self.in_service_sus(e, sg);
        let holding = |ha| {
            ready.iter().copied().find(|&su| {
                sis.iter()
                    .any(|&si| self.assignment(si, su).is_some_and(|a| a.ha == ha))
            })
        };
        let active = holding(SA_AMF_HA_ACTIVE)
            .or_else(|| holding(SA_AMF_HA_STANDBY))
            .or_else(|| ready.first().copied());
        let Some(active) = active else {
            return;
        };
        let standby = holding(SA_AMF_HA_STANDBY)
            .filter(|&su| su != active)
            .or_else(|| ready.iter().copied().find(|&su| su != active));
        for &si in sis {
            if self.quiescing(si) {
                continue;
            }
            self.set(e, si, active, SA_AMF_HA_ACTIVE);
            for &su in &ready {
                if su != active && Some(su) != standby {
                    self.unset(si, su);
                }
            }
            if let Some(standby) = standby {
                self.set(e, si, standby, SA_AMF_HA_STANDBY);
            }
        }
    }

    /// N+M: the first N in-service SUs (current actives first) take the
    /// SIs ACTIVE, by rank, spread over them up to MaxActiveSIsperSU;
    /// the next M take them STANDBY the same way.
    fn assign_npm(&mut self, e: &Entities, sg: usize) {
        let g = &e.sgs[sg];
        let ready = self.in_service_sus(e, sg);
        let holds = |st: &State, su: usize, ha| {
            g.sis
                .iter()
                .any(|&si| st.assignment(si, su).is_some_and(|a| a.ha == ha))
        };
        let n = g.num_pref_active_sus as usize;
        let m = g.num_pref_standby_sus as usize;
        let mut actives: Vec<usize> = ready
            .iter()
            .copied()
            .filter(|&su| holds(self, su, SA_AMF_HA_ACTIVE))
            .take(n)
            .collect();
        // Standbys are promoted before idle SUs are brought in.
        for &su in ready
            .iter()
            .filter(|&&su| holds(self, su, SA_AMF_HA_STANDBY))
        {
            if actives.len() < n && !actives.contains(&su) {
                actives.push(su);
            }
        }
        for &su in &ready {
            if actives.len() < n && !actives.contains(&su) {
                actives.push(su);
            }
        }
        let standbys: Vec<usize> = ready
            .iter()
            .copied()
            .filter(|su| !actives.contains(su))
            .take(m)
            .collect();
        let max_active = g.max_active_sis_per_su.map_or(usize::MAX, |v| v as usize);
        let max_standby = g.max_standby_sis_per_su.map_or(usize::MAX, |v| v as usize);
        let mut load_a = vec![0usize; actives.len()];
        let mut load_s = vec![0usize; standbys.len()];
        for &si in &g.sis {
            if self.quiescing(si) {
                continue;
            }
            // Keep an SI where it is when that SU is still an active.
            let current = actives.iter().position(|&su| {
                self.assignment(si, su)
                    .is_some_and(|a| a.ha == SA_AMF_HA_ACTIVE)
            });
            let promoted = actives.iter().position(|&su| {
                self.assignment(si, su)
                    .is_some_and(|a| a.ha == SA_AMF_HA_STANDBY)
            });
            let least = |load: &[usize], max| {
                (0..load.len())
                    .filter(|&i| load[i] < max)
                    .min_by_key(|&i| load[i])
            };
            let chosen_a = current
                .or(promoted.filter(|&i| load_a[i] < max_active))
                .or_else(|| least(&load_a, max_active));
            let chosen_s = standbys
                .iter()
                .position(|&su| {
                    self.assignment(si, su)
                        .is_some_and(|a| a.ha == SA_AMF_HA_STANDBY)
                })
                .or_else(|| least(&load_s, max_standby));
            for &su in &ready {
                let is_a = chosen_a.is_some_and(|i| actives[i] == su);
                let is_s = chosen_s.is_some_and(|i| standbys[i] == su);
                if !is_a && !is_s {
                    self.unset(si, su);
                }
            }
            if let Some(i) = chosen_a {
                load_a[i] += 1;
                self.set(e, si, actives[i], SA_AMF_HA_ACTIVE);
            }
            if let Some(i) = chosen_s {
                load_s[i] += 1;
                self.set(e, si, standbys[i], SA_AMF_HA_STANDBY);
            }
        }
    }

    /// The SUs of `ready` holding SI `si` with `ha`, in assignment order.
    fn holders(&self, si: usize, ha: SaAmfHAStateT, ready: &[usize]) -> Vec<usize> {
        self.assignments
            .iter()
            .filter(|a| a.si == si && a.ha == ha && ready.contains(&a.su))
            .map(|a| a.su)
            .collect()
    }

    /// How many SIs of the SG each SU of `ready` holds with `ha`.
    fn loads(&self, g: &super::model::SgInfo, ready: &[usize], ha: SaAmfHAStateT) -> Vec<usize> {
        ready
            .iter()
            .map(|&su| {
                g.sis
                    .iter()
                    .filter(|&&si| self.assignment(si, su).is_some_and(|a| a.ha == ha))
                    .count()
            })
            .collect()
    }

    /// N-Way: every SU may hold SIs ACTIVE and others STANDBY. Each SI
    /// has one ACTIVE (kept where it is, else its first standby is
    /// promoted, else the least loaded SU) and up to
    /// saAmfSGNumPrefStandbySUs STANDBYs on other SUs, within
    /// MaxActiveSIsperSU / MaxStandbySIsperSU.
    fn assign_nway(&mut self, e: &Entities, sg: usize) {
        let g = &e.sgs[sg];
        let ready = self.in_service_sus(e, sg);
        let max_active = g.max_active_sis_per_su.map_or(usize::MAX, |v| v as usize);
        let max_standby = g.max_standby_sis_per_su.map_or(usize::MAX, |v| v as usize);
        let wanted_standbys = g.num_pref_standby_sus as usize;
        let mut load_a = self.loads(g, &ready, SA_AMF_HA_ACTIVE);
        let mut load_s = self.loads(g, &ready, SA_AMF_HA_STANDBY);
        let index = |su: usize| ready.iter().position(|&r| r == su);
        for &si in &g.sis {
            if self.quiescing(si) {
                continue;
            }
            let standbys = self.holders(si, SA_AMF_HA_STANDBY, &ready);
            let active = match self.holders(si, SA_AMF_HA_ACTIVE, &ready).first() {
                Some(&su) => Some(su),
                None => {
                    let promoted = standbys
                        .iter()
                        .copied()
                        .find(|&su| index(su).is_some_and(|i| load_a[i] < max_active));
                    let chosen = promoted.or_else(|| {
                        (0..ready.len())
                            .filter(|&i| load_a[i] < max_active)
                            .min_by_key(|&i| (load_a[i] + load_s[i], load_a[i]))
                            .map(|i| ready[i])
                    });
                    if let Some(su) = chosen {
                        let i = index(su).unwrap_or(0);
                        load_a[i] += 1;
                        if standbys.contains(&su) {
                            load_s[i] = load_s[i].saturating_sub(1);
                        }
                    }
                    chosen
                }
            };
            let mut keep: Vec<usize> = standbys
                .iter()
                .copied()
                .filter(|&su| Some(su) != active)
                .take(wanted_standbys)
                .collect();
            while keep.len() < wanted_standbys {
                let next = (0..ready.len())
                    .filter(|&i| {
                        Some(ready[i]) != active
                            && !keep.contains(&ready[i])
                            && load_s[i] < max_standby
                    })
                    .min_by_key(|&i| (load_a[i] + load_s[i], load_s[i]));
                let Some(i) = next else { break };
                load_s[i] += 1;
                keep.push(ready[i]);
            }
            for &su in &ready {
                if Some(su) != active && !keep.contains(&su) {
                    self.unset(si, su);
                }
            }
            if let Some(su) = active {
                self.set(e, si, su, SA_AMF_HA_ACTIVE);
            }
            for &su in &keep {
                self.set(e, si, su, SA_AMF_HA_STANDBY);
            }
        }
    }

    /// N-Way-Active: each SI ACTIVE on saAmfSGNumPrefActiveSUs SUs (those
    /// holding it stay), none STANDBY, within MaxActiveSIsperSU.
    fn assign_nway_active(&mut self, e: &Entities, sg: usize) {
        let g = &e.sgs[sg];
        let ready = self.in_service_sus(e, sg);
        let max_active = g.max_active_sis_per_su.map_or(usize::MAX, |v| v as usize);
        let wanted = (g.num_pref_active_sus as usize).max(1);
        let mut load = self.loads(g, &ready, SA_AMF_HA_ACTIVE);
        for &si in &g.sis {
            if self.quiescing(si) {
                continue;
            }
            let mut actives: Vec<usize> = self
                .holders(si, SA_AMF_HA_ACTIVE, &ready)
                .into_iter()
                .take(wanted)
                .collect();
            while actives.len() < wanted {
                let next = (0..ready.len())
                    .filter(|&i| !actives.contains(&ready[i]) && load[i] < max_active)
                    .min_by_key(|&i| load[i]);
                let Some(i) = next else { break };
                load[i] += 1;
                actives.push(ready[i]);
            }
            for &su in &ready {
                if !actives.contains(&su) {
                    self.unset(si, su);
                }
            }
            for &su in &actives {
                self.set(e, si, su, SA_AMF_HA_ACTIVE);
            }
        }
    }

    /// No redundancy: each SI ACTIVE on one SU, each SU at most one SI
    /// (MaxActiveSIsperSU, 1 unless configured), by rank.
    fn assign_noredundancy(&mut self, e: &Entities, sg: usize) {
        let g = &e.sgs[sg];
        let ready = self.in_service_sus(e, sg);
        let max = g.max_active_sis_per_su.map_or(1, |v| v as usize);
        let mut load: Vec<usize> = ready
            .iter()
            .map(|&su| {
                g.sis
                    .iter()
                    .filter(|&&si| self.assignment(si, su).is_some())
                    .count()
            })
            .collect();
        for &si in &g.sis {
            if self.quiescing(si) || ready.iter().any(|&su| self.assignment(si, su).is_some()) {
                continue;
            }
            if let Some(i) = (0..ready.len())
                .filter(|&i| load[i] < max)
                .min_by_key(|&i| load[i])
            {
                load[i] += 1;
                self.set(e, si, ready[i], SA_AMF_HA_ACTIVE);
            }
        }
    }
}

//! The AMF configuration flattened into indexed entities: every node
//! reads the same amf.conf, so an index names the same SU, component or
//! SI everywhere and exec messages carry indices, not names.

use std::collections::BTreeMap;

use crate::config::amf::{
    dn, AmfModel, ClcCommand, Comp, CompCategory, CompTimeouts, Healthcheck, Recovery,
    RedundancyModel,
};

#[derive(Debug, Clone)]
pub(crate) struct CompInfo {
    pub dn: String,
    pub su: usize,
    /// saAmfCompCategory: a proxied one is instantiated and cleaned up
    /// through the proxy that registered it.
    pub category: CompCategory,
    pub cs_types: Vec<String>,
    pub instantiate: Option<ClcCommand>,
    pub terminate: Option<ClcCommand>,
    pub cleanup: Option<ClcCommand>,
    pub timeouts: CompTimeouts,
    pub max_instantiate_without_delay: u32,
    pub max_instantiate_with_delay: u32,
    pub delay_between_instantiate_ms: u64,
    pub env: Vec<(String, String)>,
    /// Its safHealthcheckKey entries.
    pub healthchecks: Vec<Healthcheck>,
    /// saAmfCompDisableRestart: a restart is escalated to a failover.
    pub disable_restart: bool,
    /// saAmfCompRecoveryOnError: what a fault without a recommendation
    /// gets.
    pub recovery: Recovery,
}

#[derive(Debug, Clone)]
pub(crate) struct SuInfo {
    pub dn: String,
    pub sg: usize,
    pub hosted_by: String,
    pub comps: Vec<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct SgInfo {
    pub dn: String,
    pub redundancy: RedundancyModel,
    pub num_pref_active_sus: u32,
    pub num_pref_standby_sus: u32,
    pub max_active_sis_per_su: Option<u32>,
    pub max_standby_sis_per_su: Option<u32>,
    /// The application (index in configuration order).
    pub app: usize,
    /// Escalation: component restarts allowed within the probation (ms;
    /// `None`: no limit, no window), then SU restarts.
    pub comp_restart_prob_ms: Option<u64>,
    pub comp_restart_max: Option<u32>,
    pub su_restart_prob_ms: Option<u64>,
    pub su_restart_max: Option<u32>,
    /// saAmfSGAutoRepair: a failed-over SU is instantiated again.
    pub auto_repair: bool,
    /// In configuration order: the order SUs are chosen in.
    pub sus: Vec<usize>,
    /// By rank (1 first, 0 last), then configuration order.
    pub sis: Vec<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct CsiInfo {
    pub dn: String,
    pub cs_type: String,
    pub attrs: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) struct SiInfo {
    pub dn: String,
    pub csis: Vec<CsiInfo>,
}

/// A safAmfNode's node-level escalation: SU failovers allowed within
/// the probation before the whole node fails over.
#[derive(Debug, Clone)]
pub(crate) struct NodeInfo {
    pub name: String,
    pub su_failover_prob_ms: u64,
    /// 0: no node-level escalation.
    pub su_failover_max: u32,
    /// saAmfNodeAutoRepair.
    pub auto_repair: bool,
}

/// Every entity of the configuration, indexed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Entities {
    pub startup_timeout_ms: u64,
    pub nodes: Vec<NodeInfo>,
    pub comps: Vec<CompInfo>,
    pub sus: Vec<SuInfo>,
    pub sgs: Vec<SgInfo>,
    pub sis: Vec<SiInfo>,
    by_comp_dn: BTreeMap<String, usize>,
    /// CSI DN -> (SI, CSI index within it).
    by_csi_dn: BTreeMap<String, (usize, usize)>,
}

impl Entities {
    pub fn new(model: &AmfModel) -> Entities {
        let mut e = Entities {
            startup_timeout_ms: model.cluster.startup_timeout_ms,
            ..Entities::default()
        };
        e.nodes = model
            .cluster
            .nodes
            .iter()
            .map(|n| NodeInfo {
                name: n.name.clone(),
                su_failover_prob_ms: n.su_failover_prob_ms,
                su_failover_max: n.su_failover_max,
                auto_repair: n.auto_repair,
            })
            .collect();
        for (app_index, app) in model.cluster.apps.iter().enumerate() {
            let first_sg = e.sgs.len();
            for sg in &app.sgs {
                let sg_index = e.sgs.len();
                let mut sus = Vec::new();
                for su in &sg.sus {
                    let su_index = e.sus.len();
                    let mut comps = Vec::new();
                    for comp in &su.comps {
                        comps.push(e.comps.len());
                        e.comps.push(comp_info(
                            dn::comp(&app.name, &sg.name, &su.name, &comp.name),
                            su_index,
                            comp,
                        ));
                    }
                    sus.push(su_index);
                    e.sus.push(SuInfo {
                        dn: dn::su(&app.name, &sg.name, &su.name),
                        sg: sg_index,
                        hosted_by: su.hosted_by.clone(),
                        comps,
                    });
                }
                e.sgs.push(SgInfo {
                    dn: dn::sg(&app.name, &sg.name),
                    redundancy: sg.redundancy,
                    num_pref_active_sus: sg.num_pref_active_sus,
                    num_pref_standby_sus: sg.num_pref_standby_sus,
                    max_active_sis_per_su: sg.max_active_sis_per_su,
                    max_standby_sis_per_su: sg.max_standby_sis_per_su,
                    app: app_index,
                    comp_restart_prob_ms: sg.comp_restart_prob_ms,
                    comp_restart_max: sg.comp_restart_max,
                    su_restart_prob_ms: sg.su_restart_prob_ms,
                    su_restart_max: sg.su_restart_max,
                    auto_repair: sg.auto_repair,
                    sus,
                    sis: Vec::new(),
                });
            }
            let mut ranked = Vec::new();
            for si in &app.sis {
                // The configuration checked that the SG exists.
                let Some(offset) = app.sgs.iter().position(|g| g.name == si.protected_by) else {
                    continue;
                };
                let si_index = e.sis.len();
                let csis = si
                    .csis
                    .iter()
                    .map(|c| CsiInfo {
                        dn: dn::csi(&app.name, &si.name, &c.name),
                        cs_type: c.cs_type.clone(),
                        // Several values of one attribute are passed as
                        // several attributes of that name, as openais did.
                        attrs: c
                            .attrs
                            .iter()
                            .flat_map(|(n, vs)| vs.iter().map(move |v| (n.clone(), v.clone())))
                            .collect(),
                    })
                    .collect();
                e.sis.push(SiInfo {
                    dn: dn::si(&app.name, &si.name),
                    csis,
                });
                ranked.push((si.rank == 0, si.rank, si_index, first_sg + offset));
            }
            ranked.sort();
            for (_, _, si, sg) in ranked {
                e.sgs[sg].sis.push(si);
            }
        }
        for (i, c) in e.comps.iter().enumerate() {
            e.by_comp_dn.insert(c.dn.clone(), i);
        }
        for (i, si) in e.sis.iter().enumerate() {
            for (j, csi) in si.csis.iter().enumerate() {
                e.by_csi_dn.insert(csi.dn.clone(), (i, j));
            }
        }
        e
    }

    /// The node-level escalation of safAmfNode `name`, if configured.
    pub fn node(&self, name: &str) -> Option<&NodeInfo> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub fn comp_by_dn(&self, dn: &[u8]) -> Option<usize> {
        std::str::from_utf8(dn)
            .ok()
            .and_then(|s| self.by_comp_dn.get(s).copied())
    }

    pub fn csi_by_dn(&self, dn: &[u8]) -> Option<(usize, usize)> {
        std::str::from_utf8(dn)
            .ok()
            .and_then(|s| self.by_csi_dn.get(s).copied())
    }

    /// The component of `su` that takes CSI `csi` of `si`: the first (in
    /// configuration order) whose CS types include the CSI's.
    pub fn comp_for_csi(&self, su: usize, si: usize, csi: usize) -> Option<usize> {
        let cs_type = &self.sis.get(si)?.csis.get(csi)?.cs_type;
        self.sus
            .get(su)?
            .comps
            .iter()
            .copied()
            .find(|&c| self.comps[c].cs_types.contains(cs_type))
    }

    /// A fingerprint of the configuration: nodes compare theirs at each
    /// sync, since indices mean the same only with the same amf.conf.
    pub fn fingerprint(&self) -> u64 {
        // FNV-1a over the DNs in index order: stable across builds.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let names = self
            .comps
            .iter()
            .map(|c| &c.dn)
            .chain(self.sus.iter().map(|s| &s.dn))
            .chain(self.sis.iter().map(|s| &s.dn));
        for name in names {
            for b in name.bytes().chain([0]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x100_0000_01b3);
            }
        }
        h
    }
}

fn comp_info(dn: String, su: usize, c: &Comp) -> CompInfo {
    CompInfo {
        dn,
        su,
        category: c.category,
        cs_types: c.cs_types.clone(),
        instantiate: c.instantiate.clone(),
        terminate: c.terminate.clone(),
        cleanup: c.cleanup.clone(),
        timeouts: c.timeouts,
        max_instantiate_without_delay: c.max_instantiate_without_delay,
        max_instantiate_with_delay: c.max_instantiate_with_delay,
        delay_between_instantiate_ms: c.delay_between_instantiate_ms,
        env: c.env.clone(),
        healthchecks: c.healthchecks.clone(),
        disable_restart: c.disable_restart,
        recovery: c.recovery,
    }
}

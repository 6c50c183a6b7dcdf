//! From the syntax tree to the [`AmfModel`], with openais's defaults and
//! the cross-reference checks.

use std::path::{Path, PathBuf};

use super::syntax::{Block, Setting};
use super::*;

type Result<T> = std::result::Result<T, (u32, AmfErrorKind)>;

/// The settings of one object: each may be given once; unknown keys and
/// objects are errors (a misspelt key would otherwise silently take its
/// default, and AMF would behave unlike what the operator wrote).
struct Obj<'b> {
    block: &'b Block,
    what: &'static str,
    used: Vec<bool>,
    blocks_used: Vec<bool>,
}

impl<'b> Obj<'b> {
    fn new(block: &'b Block, what: &'static str) -> Result<Obj<'b>> {
        for (i, s) in block.settings.iter().enumerate() {
            // A CS type names each of its attributes with the same key.
            let repeats = s.key == "safAmfCSAttrName";
            if !repeats && block.settings[..i].iter().any(|f| f.key == s.key) {
                return Err((s.line, AmfErrorKind::DuplicateKey(s.key.clone())));
            }
        }
        Ok(Obj {
            block,
            what,
            used: vec![false; block.settings.len()],
            blocks_used: vec![false; block.blocks.len()],
        })
    }

    fn name(&self) -> String {
        self.block.name.clone().unwrap_or_default()
    }

    fn get(&mut self, key: &str) -> Option<&'b Setting> {
        let i = self.block.settings.iter().position(|s| s.key == key)?;
        self.used[i] = true;
        Some(&self.block.settings[i])
    }

    fn required(&mut self, key: &'static str) -> Result<&'b Setting> {
        let line = self.block.line;
        let (what, name) = (self.what, self.name());
        self.get(key)
            .ok_or((line, AmfErrorKind::MissingKey { what, name, key }))
    }

    fn u32_or(&mut self, key: &str, default: u32) -> Result<u32> {
        match self.get(key) {
            Some(s) => number(s)
                .and_then(|n| u32::try_from(n).map_err(|_| bad(s, "a number up to 4294967295"))),
            None => Ok(default),
        }
    }

    /// A u32 whose absence (or openais's `~0`, written -1 or 4294967295)
    /// means "no limit".
    fn limit_u32(&mut self, key: &str) -> Result<Option<u32>> {
        match self.get(key) {
            Some(s) if s.value == "-1" => Ok(None),
            Some(s) => {
                let n = number(s)?;
                match u32::try_from(n) {
                    Ok(u32::MAX) => Ok(None),
                    Ok(v) => Ok(Some(v)),
                    Err(_) => Err(bad(s, "a number up to 4294967295")),
                }
            }
            None => Ok(None),
        }
    }

    fn ms_or(&mut self, key: &str, default: u64) -> Result<u64> {
        match self.get(key) {
            Some(s) => number(s),
            None => Ok(default),
        }
    }

    /// A time whose absence (or -1) means "not set" (openais's -1).
    fn opt_ms(&mut self, key: &str) -> Result<Option<u64>> {
        match self.get(key) {
            Some(s) if s.value == "-1" => Ok(None),
            Some(s) => number(s).map(Some),
            None => Ok(None),
        }
    }

    fn bool_or(&mut self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            Some(s) => match s.value.as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(bad(s, "true or false")),
            },
            None => Ok(default),
        }
    }

    fn choice<T: Copy>(
        &mut self,
        key: &str,
        table: &[(&str, T)],
        expected: &'static str,
    ) -> Result<Option<T>> {
        match self.get(key) {
            Some(s) => table
                .iter()
                .find(|(n, _)| *n == s.value)
                .map(|(_, v)| Some(*v))
                .ok_or_else(|| bad(s, expected)),
            None => Ok(None),
        }
    }

    /// The sub-objects with `key`, each named.
    fn objects(&mut self, key: &str) -> Result<Vec<&'b Block>> {
        let mut found: Vec<&'b Block> = Vec::new();
        for (i, b) in self.block.blocks.iter().enumerate() {
            if b.key == key {
                self.blocks_used[i] = true;
                if b.name.is_none() {
                    return Err((b.line, AmfErrorKind::Unnamed { key: b.key.clone() }));
                }
                if let Some(first) = found.iter().find(|f| f.name == b.name) {
                    return Err((
                        b.line,
                        AmfErrorKind::Duplicate {
                            what: leak_what(key),
                            name: b.name.clone().unwrap_or_default(),
                            first_line: first.line,
                        },
                    ));
                }
                found.push(b);
            }
        }
        Ok(found)
    }

    /// The values of the list `key` (at most one such list).
    fn list(&mut self, key: &str) -> Result<Vec<(String, u32)>> {
        let mut items: Option<&Block> = None;
        for (i, b) in self.block.blocks.iter().enumerate() {
            if b.key == key {
                self.blocks_used[i] = true;
                if items.is_some() {
                    return Err((b.line, AmfErrorKind::DuplicateKey(key.to_string())));
                }
                items = Some(b);
            }
        }
        Ok(items.map(|b| b.items.clone()).unwrap_or_default())
    }

    /// Fails on anything nobody asked for.
    fn finish(self) -> Result<()> {
        let parent = self.what;
        for (s, used) in self.block.settings.iter().zip(&self.used) {
            if !used {
                return Err((
                    s.line,
                    AmfErrorKind::UnknownKey {
                        key: s.key.clone(),
                        parent,
                    },
                ));
            }
        }
        for (b, used) in self.block.blocks.iter().zip(&self.blocks_used) {
            if !used {
                return Err((
                    b.line,
                    AmfErrorKind::UnknownKey {
                        key: b.key.clone(),
                        parent,
                    },
                ));
            }
        }
        Ok(())
    }
}

fn leak_what(key: &str) -> &'static str {
    match key {
        "safAmfNode" => "safAmfNode",
        "safApp" => "safApp",
        "safSg" => "safSg",
        "safSu" => "safSu",
        "safComp" => "safComp",
        "safSi" => "safSi",
        "safCsi" => "safCsi",
        "safCSType" => "safCSType",
        "safHealthcheckKey" => "safHealthcheckKey",
        "safCSIAttr" => "safCSIAttr",
        _ => "object",
    }
}

fn bad(s: &Setting, expected: &'static str) -> (u32, AmfErrorKind) {
    (
        s.line,
        AmfErrorKind::BadValue {
            key: s.key.clone(),
            value: s.value.clone(),
            expected,
        },
    )
}

/// A non-negative decimal number of at most 2^53 (ms and counts).
fn number(s: &Setting) -> Result<u64> {
    match s.value.parse::<u64>() {
        Ok(n) if n <= 1 << 53 => Ok(n),
        _ => Err(bad(s, "a non-negative number")),
    }
}

/// openais's defaults (amf_cluster_new ... amf_comp_new, 0.80).
const DEFAULT_STARTUP_TIMEOUT_MS: u64 = 10_000;
const DEFAULT_CLCCLI_TIMEOUT_MS: u64 = 10_000;
const DEFAULT_CALLBACK_TIMEOUT_MS: u64 = 10_000;
const DEFAULT_MAX_INSTANTIATE_WITHOUT_DELAY: u32 = 2;
const DEFAULT_MAX_INSTANTIATE_WITH_DELAY: u32 = 0;
const DEFAULT_DELAY_BETWEEN_INSTANTIATE_MS: u64 = 0;

pub(super) fn model(root: &Block) -> Result<AmfModel> {
    let mut clusters = root.blocks.iter().filter(|b| b.key == "safAmfCluster");
    let Some(cluster) = clusters.next() else {
        if let Some(other) = root.blocks.first() {
            return Err((
                other.line,
                AmfErrorKind::UnknownKey {
                    key: other.key.clone(),
                    parent: "the file",
                },
            ));
        }
        return Err((0, AmfErrorKind::NoCluster));
    };
    if let Some(second) = clusters.next() {
        return Err((second.line, AmfErrorKind::SecondCluster(cluster.line)));
    }
    if let Some(other) = root.blocks.iter().find(|b| b.key != "safAmfCluster") {
        return Err((
            other.line,
            AmfErrorKind::UnknownKey {
                key: other.key.clone(),
                parent: "the file",
            },
        ));
    }
    if cluster.name.is_none() {
        return Err((
            cluster.line,
            AmfErrorKind::Unnamed {
                key: cluster.key.clone(),
            },
        ));
    }
    let mut o = Obj::new(cluster, "safAmfCluster")?;
    let startup_timeout_ms = o.ms_or("saAmfClusterStartupTimeout", DEFAULT_STARTUP_TIMEOUT_MS)?;
    let mut nodes = Vec::new();
    for b in o.objects("safAmfNode")? {
        nodes.push(node(b)?);
    }
    let mut apps = Vec::new();
    let mut app_lines = Vec::new();
    for b in o.objects("safApp")? {
        apps.push(app(b)?);
        app_lines.push(b);
    }
    let name = o.name();
    o.finish()?;
    let model = AmfModel {
        cluster: Cluster {
            name,
            startup_timeout_ms,
            nodes,
            apps,
        },
    };
    check_references(&model, &app_lines)?;
    Ok(model)
}

fn node(b: &Block) -> Result<AmfNode> {
    let mut o = Obj::new(b, "safAmfNode")?;
    let n = AmfNode {
        name: o.name(),
        su_failover_prob_ms: o.ms_or("saAmfNodeSuFailOverProb", 0)?,
        su_failover_max: o.u32_or("saAmfNodeSuFailoverMax", 0)?,
        auto_repair: o.bool_or("saAmfNodeAutoRepair", true)?,
    };
    o.finish()?;
    Ok(n)
}

/// The innermost `clccli_path` so far.
fn clccli(o: &mut Obj<'_>, outer: Option<&Path>) -> Option<PathBuf> {
    match o.get("clccli_path") {
        Some(s) => Some(PathBuf::from(&s.value)),
        None => outer.map(Path::to_path_buf),
    }
}

fn app(b: &Block) -> Result<App> {
    let mut o = Obj::new(b, "safApp")?;
    let path = clccli(&mut o, None);
    let mut sgs = Vec::new();
    for s in o.objects("safSg")? {
        sgs.push(sg(s, path.as_deref())?);
    }
    let mut cs_types = Vec::new();
    for t in o.objects("safCSType")? {
        let mut to = Obj::new(t, "safCSType")?;
        // `safAmfCSAttrName = NAME` may repeat: one per attribute.
        let mut attr_names = Vec::new();
        for (i, s) in t.settings.iter().enumerate() {
            if s.key == "safAmfCSAttrName" {
                to.used[i] = true;
                attr_names.push(s.value.clone());
            }
        }
        let name = to.name();
        // Obj::new refused repeated keys; repetition is this key's
        // meaning, so it is checked here instead.
        to.finish()?;
        cs_types.push(CsType { name, attr_names });
    }
    let single_sg = if sgs.len() == 1 {
        Some(sgs[0].name.clone())
    } else {
        None
    };
    let mut sis = Vec::new();
    for s in o.objects("safSi")? {
        sis.push(si(s, single_sg.as_deref())?);
    }
    let name = o.name();
    o.finish()?;
    Ok(App {
        name,
        sgs,
        sis,
        cs_types,
    })
}

fn sg(b: &Block, outer: Option<&Path>) -> Result<Sg> {
    let mut o = Obj::new(b, "safSg")?;
    let path = clccli(&mut o, outer);
    let model_setting = o.required("saAmfSGRedundancyModel")?;
    let redundancy = match model_setting.value.as_str() {
        "2n" => RedundancyModel::TwoN,
        "nplusm" => RedundancyModel::NPlusM,
        "noredundancy" => RedundancyModel::NoRedundancy,
        "nway" => RedundancyModel::NWay,
        "nwayactive" => RedundancyModel::NWayActive,
        _ => {
            return Err(bad(
                model_setting,
                "2n, nplusm, nway, nwayactive or noredundancy",
            ))
        }
    };
    let num_pref_active_sus = o.u32_or("saAmfSGNumPrefActiveSUs", 1)?;
    let num_pref_standby_sus = o.u32_or("saAmfSGNumPrefStandbySUs", 1)?;
    let max_active_sis_per_su = o.limit_u32("saAmfSGMaxActiveSIsperSUs")?;
    let max_standby_sis_per_su = o.limit_u32("saAmfSGMaxStandbySIsperSUs")?;
    let comp_restart_prob_ms = o.opt_ms("saAmfSGCompRestartProb")?;
    let comp_restart_max = o.limit_u32("saAmfSGCompRestartMax")?;
    let su_restart_prob_ms = o.opt_ms("saAmfSGSuRestartProb")?;
    let su_restart_max = o.limit_u32("saAmfSGSuRestartMax")?;
    let auto_adjust_prob_ms = o.opt_ms("saAmfSGAutoAdjustProb")?;
    let auto_repair = o.bool_or("saAmfSGAutoRepair", true)?;
    let mut sus = Vec::new();
    for s in o.objects("safSu")? {
        sus.push(su(s, path.as_deref())?);
    }
    let name = o.name();
    o.finish()?;
    Ok(Sg {
        name,
        redundancy,
        num_pref_active_sus,
        num_pref_standby_sus,
        max_active_sis_per_su,
        max_standby_sis_per_su,
        comp_restart_prob_ms,
        comp_restart_max,
        su_restart_prob_ms,
        su_restart_max,
        auto_adjust_prob_ms,
        auto_repair,
        sus,
    })
}

fn su(b: &Block, outer: Option<&Path>) -> Result<Su> {
    let mut o = Obj::new(b, "safSu")?;
    let path = clccli(&mut o, outer);
    let hosted_by = o.required("saAmfSUHostedByNode")?.value.clone();
    let num_components = o.u32_or("saAmfSUNumComponents", 0)?;
    let num_line = o.get("saAmfSUNumComponents").map(|s| s.line);
    let failover = o.bool_or("saAmfSUFailover", true)?;
    let mut comps = Vec::new();
    for c in o.objects("safComp")? {
        comps.push(comp(c, path.as_deref())?);
    }
    let name = o.name();
    o.finish()?;
    if let Some(line) = num_line {
        if num_components as usize != comps.len() {
            return Err((
                line,
                AmfErrorKind::CountMismatch {
                    what: "safSu",
                    name,
                    key: "saAmfSUNumComponents",
                    said: num_components,
                    found: comps.len(),
                },
            ));
        }
    }
    Ok(Su {
        name,
        hosted_by,
        num_components: u32::try_from(comps.len()).unwrap_or(u32::MAX),
        failover,
        comps,
    })
}

fn command(o: &mut Obj<'_>, cmd: &str, argv: &str, path: Option<&Path>) -> Option<ClcCommand> {
    let program = o.get(cmd).map(|s| PathBuf::from(&s.value));
    let args: Vec<String> = o
        .get(argv)
        .map(|s| s.value.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let program = program?;
    let program = match path {
        Some(dir) if program.is_relative() => dir.join(program),
        _ => program,
    };
    Some(ClcCommand { program, args })
}

fn comp(b: &Block, outer: Option<&Path>) -> Result<Comp> {
    let mut o = Obj::new(b, "safComp")?;
    let path = clccli(&mut o, outer);
    let category = o
        .choice(
            "saAmfCompCategory",
            &[
                ("sa_aware", CompCategory::SaAware),
                ("proxy", CompCategory::Proxy),
                ("proxied", CompCategory::Proxied),
                ("local", CompCategory::Local),
            ],
            "sa_aware, proxy, proxied or local",
        )?
        .unwrap_or(CompCategory::SaAware);
    let capability = o
        .choice(
            "saAmfCompCapability",
            &[
                ("x_active_and_y_standby", Capability::XActiveAndYStandby),
                ("x_active_or_y_standby", Capability::XActiveOrYStandby),
                ("one_active_or_y_standby", Capability::OneActiveOrYStandby),
                (
                    "one_active_or_one_standby",
                    Capability::OneActiveOrOneStandby,
                ),
                ("x_active", Capability::XActive),
                ("1_active", Capability::OneActive),
                ("non_preinstantiable", Capability::NonPreInstantiable),
            ],
            "a capability model (x_active_or_y_standby, ...)",
        )?
        .unwrap_or(Capability::XActiveOrYStandby);
    let max_active_csi = o.u32_or("saAmfCompNumMaxActiveCsi", 1)?;
    let max_standby_csi = o.u32_or("saAmfCompNumMaxStandbyCsi", 1)?;
    let clccli_default = o.ms_or("saAmfCompDefaultClcCliTimeout", DEFAULT_CLCCLI_TIMEOUT_MS)?;
    let callback_default = o.ms_or(
        "saAmfCompDefaultCallbackTimeOut",
        DEFAULT_CALLBACK_TIMEOUT_MS,
    )?;
    let instantiate = command(
        &mut o,
        "saAmfCompInstantiateCmd",
        "saAmfCompInstantiateCmdArgv",
        path.as_deref(),
    );
    let terminate = command(
        &mut o,
        "saAmfCompTerminateCmd",
        "saAmfCompTerminateCmdArgv",
        path.as_deref(),
    );
    let cleanup = command(
        &mut o,
        "saAmfCompCleanupCmd",
        "saAmfCompCleanupCmdArgv",
        path.as_deref(),
    );
    let timeouts = CompTimeouts {
        instantiate: o.ms_or("saAmfCompInstantiateTimeout", clccli_default)?,
        terminate: o.ms_or("saAmfCompTerminateTimeout", clccli_default)?,
        cleanup: o.ms_or("saAmfCompCleanupTimeout", clccli_default)?,
        csi_set: o.ms_or("saAmfCompCSISetCallbackTimeout", callback_default)?,
        csi_remove: o.ms_or("saAmfCompCSIRmvCallbackTimeout", callback_default)?,
        terminate_callback: o.ms_or("saAmfCompTerminateCallbackTimeout", callback_default)?,
        quiescing_complete: o.ms_or("saAmfCompQuiescingCompleteTimeout", callback_default)?,
    };
    let max_instantiate_without_delay = o.u32_or(
        "saAmfCompNumMaxInstantiateWithoutDelay",
        DEFAULT_MAX_INSTANTIATE_WITHOUT_DELAY,
    )?;
    let max_instantiate_with_delay = o.u32_or(
        "saAmfCompNumMaxInstantiateWithDelay",
        DEFAULT_MAX_INSTANTIATE_WITH_DELAY,
    )?;
    let delay_between_instantiate_ms = o.ms_or(
        "saAmfCompDelayBetweenInstantiateAttempts",
        DEFAULT_DELAY_BETWEEN_INSTANTIATE_MS,
    )?;
    let disable_restart = o.bool_or("saAmfCompDisableRestart", false)?;
    let recovery = o
        .choice(
            "saAmfCompRecoveryOnError",
            &[
                ("component_restart", Recovery::ComponentRestart),
                ("component_failover", Recovery::ComponentFailover),
                ("node_switchover", Recovery::NodeSwitchover),
                ("node_failover", Recovery::NodeFailover),
                ("node_failfast", Recovery::NodeFailfast),
                ("application_restart", Recovery::ApplicationRestart),
                ("cluster_reset", Recovery::ClusterReset),
            ],
            "a recovery (component_restart, component_failover, ...)",
        )?
        .unwrap_or(Recovery::ComponentRestart);
    let cs_types = o
        .list("saAmfCompCsTypes")?
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    let mut env = Vec::new();
    for (item, line) in o.list("saAmfCompCmdEnv")? {
        match item.split_once('=') {
            Some((var, value))
                if var.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                env.push((var.to_string(), value.to_string()));
            }
            _ => return Err((line, AmfErrorKind::BadEnv(item))),
        }
    }
    let mut healthchecks = Vec::new();
    for h in o.objects("safHealthcheckKey")? {
        let mut ho = Obj::new(h, "safHealthcheckKey")?;
        let key = ho.name();
        let check = Healthcheck {
            period_ms: ho.required("saAmfHealthcheckPeriod").and_then(number)?,
            max_duration_ms: ho
                .required("saAmfHealthcheckMaxDuration")
                .and_then(number)?,
            key,
        };
        if check.key.len() > sa_abi::amf::SA_AMF_HEALTHCHECK_KEY_MAX {
            return Err((h.line, AmfErrorKind::BadObjectName(check.key.clone())));
        }
        ho.finish()?;
        healthchecks.push(check);
    }
    let name = o.name();
    o.finish()?;
    // Only a proxied component is instantiated without a command of its
    // own (its proxy does it).
    if category != CompCategory::Proxied && instantiate.is_none() {
        return Err((b.line, AmfErrorKind::NoInstantiateCmd(name)));
    }
    Ok(Comp {
        name,
        category,
        capability,
        max_active_csi,
        max_standby_csi,
        instantiate,
        terminate,
        cleanup,
        timeouts,
        max_instantiate_without_delay,
        max_instantiate_with_delay,
        delay_between_instantiate_ms,
        disable_restart,
        recovery,
        cs_types,
        env,
        healthchecks,
    })
}

fn si(b: &Block, single_sg: Option<&str>) -> Result<Si> {
    let mut o = Obj::new(b, "safSi")?;
    let name = o.name();
    let protected_by = match o.get("saAmfSIProtectedbySG") {
        Some(s) => s.value.clone(),
        None => match single_sg {
            Some(sg) => sg.to_string(),
            None => return Err((b.line, AmfErrorKind::AmbiguousSg(name))),
        },
    };
    let rank = o.u32_or("saAmfSIRank", 0)?;
    let num_line = o.get("saAmfSINumCSIs").map(|s| s.line);
    let num_csis = o.u32_or("saAmfSINumCSIs", 0)?;
    let mut csis = Vec::new();
    for c in o.objects("safCsi")? {
        let mut co = Obj::new(c, "safCsi")?;
        let cs_type = co.required("saAmfCSTypeName")?.value.clone();
        let mut attrs = Vec::new();
        for a in co.objects("safCSIAttr")? {
            let values = a.items.iter().map(|(v, _)| v.clone()).collect();
            attrs.push((a.name.clone().unwrap_or_default(), values));
        }
        let csi_name = co.name();
        co.finish()?;
        csis.push(Csi {
            name: csi_name,
            cs_type,
            attrs,
        });
    }
    o.finish()?;
    if let Some(line) = num_line {
        if num_csis as usize != csis.len() {
            return Err((
                line,
                AmfErrorKind::CountMismatch {
                    what: "safSi",
                    name,
                    key: "saAmfSINumCSIs",
                    said: num_csis,
                    found: csis.len(),
                },
            ));
        }
    }
    Ok(Si {
        name,
        protected_by,
        rank,
        num_csis: u32::try_from(csis.len()).unwrap_or(u32::MAX),
        csis,
    })
}

/// Every name that refers to another object names one that exists, and
/// every CSI can be taken by some component of its SG (and every
/// component can take some CSI).
fn check_references(model: &AmfModel, app_blocks: &[&Block]) -> Result<()> {
    let c = &model.cluster;
    for (app, ab) in c.apps.iter().zip(app_blocks) {
        let line_of =
            |key: &str, name: &str| -> u32 { find_line(ab, key, name).unwrap_or(ab.line) };
        for si in &app.sis {
            let Some(sg) = app.sgs.iter().find(|g| g.name == si.protected_by) else {
                return Err((
                    line_of("safSi", &si.name),
                    AmfErrorKind::UnknownReference {
                        what: "safSi",
                        name: si.name.clone(),
                        kind: "safSg",
                        target: si.protected_by.clone(),
                    },
                ));
            };
            for csi in &si.csis {
                let line = line_of("safCsi", &csi.name);
                let Some(ct) = app.cs_types.iter().find(|t| t.name == csi.cs_type) else {
                    return Err((
                        line,
                        AmfErrorKind::UnknownReference {
                            what: "safCsi",
                            name: csi.name.clone(),
                            kind: "safCSType",
                            target: csi.cs_type.clone(),
                        },
                    ));
                };
                for (attr, _) in &csi.attrs {
                    if !ct.attr_names.contains(attr) {
                        return Err((
                            line,
                            AmfErrorKind::UnknownAttribute {
                                csi: csi.name.clone(),
                                attr: attr.clone(),
                                cs_type: ct.name.clone(),
                            },
                        ));
                    }
                }
                let takers = sg
                    .sus
                    .iter()
                    .flat_map(|su| &su.comps)
                    .any(|comp| comp.cs_types.contains(&csi.cs_type));
                if !takers {
                    return Err((
                        line,
                        AmfErrorKind::NoComponentForCsType {
                            csi: csi.name.clone(),
                            sg: sg.name.clone(),
                            cs_type: csi.cs_type.clone(),
                        },
                    ));
                }
            }
        }
        for sg in &app.sgs {
            for su in &sg.sus {
                if !c.nodes.iter().any(|n| n.name == su.hosted_by) {
                    return Err((
                        line_of("safSu", &su.name),
                        AmfErrorKind::UnknownReference {
                            what: "safSu",
                            name: su.name.clone(),
                            kind: "safAmfNode",
                            target: su.hosted_by.clone(),
                        },
                    ));
                }
                for comp in &su.comps {
                    for t in &comp.cs_types {
                        if !app.cs_types.iter().any(|ct| &ct.name == t) {
                            return Err((
                                line_of("safComp", &comp.name),
                                AmfErrorKind::UnknownReference {
                                    what: "safComp",
                                    name: comp.name.clone(),
                                    kind: "safCSType",
                                    target: t.clone(),
                                },
                            ));
                        }
                    }
                    let used = app
                        .sis
                        .iter()
                        .filter(|si| si.protected_by == sg.name)
                        .any(|si| {
                            si.csis
                                .iter()
                                .any(|csi| comp.cs_types.contains(&csi.cs_type))
                        });
                    if !used {
                        return Err((
                            line_of("safComp", &comp.name),
                            AmfErrorKind::ComponentWithoutCsi(comp.name.clone()),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The line of the first object `key = name` under `block`, at any depth.
fn find_line(block: &Block, key: &str, name: &str) -> Option<u32> {
    for b in &block.blocks {
        if b.key == key && b.name.as_deref() == Some(name) {
            return Some(b.line);
        }
        if let Some(l) = find_line(b, key, name) {
            return Some(l);
        }
    }
    None
}

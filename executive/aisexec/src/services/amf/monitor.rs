//! What the node hosting a component watches for it, on local timers:
//! healthchecks (AMF- or component-invoked), passive monitoring of its
//! processes and their descendants, and the protection group tracks of this node's
//! connections. None of it is replicated: a missed healthcheck or a dead
//! process becomes the same `FAILED` exec message (a fault, recovered
//! from by `recovery.rs`) an error report is, and protection groups are
//! read from the replicated assignments, which every node holds.

use std::collections::BTreeMap;

use log::info;
use sa_abi::ais::{SA_AIS_ERR_EXIST, SA_AIS_ERR_NOT_EXIST, SA_AIS_OK, SA_TRACK_CHANGES_ONLY};
use sa_abi::amf::{
    SA_AMF_HA_STANDBY, SA_AMF_HEALTHCHECK_AMF_INVOKED, SA_AMF_PM_ABNORMAL_END,
    SA_AMF_PM_ALL_PROCESSES, SA_AMF_PM_NON_ZERO_EXIT, SA_AMF_PM_PROC_AND_DESCENDENTS,
    SA_AMF_PM_ZERO_EXIT, SA_AMF_PRESENCE_RESTARTING, SA_AMF_PROTECTION_GROUP_ADDED,
    SA_AMF_PROTECTION_GROUP_NO_CHANGE, SA_AMF_PROTECTION_GROUP_REMOVED,
    SA_AMF_PROTECTION_GROUP_STATE_CHANGE,
};
use sa_ipc::codec::Name;
use sa_ipc::proto::amf::{
    kind, HealthcheckCallback, HealthcheckConfirm, HealthcheckStart, HealthcheckStop, PgMember,
    PgTrack, PgTrackCallback, PgTrackReply, PmStart, PmStop, PG_CURRENT_AS_CALLBACK,
    PG_CURRENT_IN_REPLY,
};
use sa_ipc::proto::Payload;

use super::recovery::FaultSource;
use super::Amf;
use crate::ipc::ConnId;
use crate::service::{Context, Request};

/// Timer tokens (see `mod.rs`): a healthcheck's deadline, the process
/// poll.
pub(super) const TOKEN_HEALTHCHECK: u64 = 5 << 48;
pub(super) const TOKEN_PM: u64 = 6 << 48;

/// How often monitored processes are looked at.
const PM_POLL_NS: i64 = 100_000_000;

/// Bounds per node: started healthchecks, monitored processes, tracks.
const MAX_HEALTHCHECKS: usize = 4096;
const MAX_MONITORS: usize = 4096;
const MAX_TRACKS: usize = 4096;

/// A started healthcheck of a local component.
#[derive(Debug, Clone)]
pub(super) struct Healthcheck {
    id: u64,
    conn: ConnId,
    amf_invoked: bool,
    period_ns: i64,
    max_duration_ns: i64,
    recovery: u32,
    /// AMF-invoked: the callback invocation awaiting its saAmfResponse.
    awaiting: Option<u64>,
}

/// A process of a local component under passive monitoring.
#[derive(Debug, Clone)]
pub(super) struct Monitor {
    comp: usize,
    conn: ConnId,
    pid: i32,
    /// The process's start time (/proc stat field 22): a reused pid is
    /// another process.
    start_time: u64,
    errors: u32,
    recovery: u32,
    /// How many generations of its descendants are watched too (-1:
    /// all; 0: none), saAmfPmStart's descendentsTreeDepth.
    depth: i32,
    /// The process saAmfPmStart named (itself, or its ancestor).
    root: i32,
}

/// Local watch state of the AMF service.
#[derive(Debug, Default)]
pub(super) struct Watch {
    /// (component, key) -> the started healthcheck.
    healthchecks: BTreeMap<(usize, Vec<u8>), Healthcheck>,
    next_id: u64,
    monitors: Vec<Monitor>,
    /// (connection, SI, CSI) -> SA_TRACK_CHANGES or SA_TRACK_CHANGES_ONLY.
    tracks: BTreeMap<(ConnId, usize, usize), u8>,
    /// The members each tracked CSI had when last looked at.
    groups: BTreeMap<(usize, usize), Vec<PgMember>>,
}

fn ms_to_ns(ms: u64) -> i64 {
    i64::try_from(ms.saturating_mul(1_000_000)).unwrap_or(i64::MAX)
}

/// How a monitored process ended, as far as this node can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ProcEnd {
    Exited(i32),
    Signaled,
    /// Gone and already reaped by its parent: its status is not known.
    Unknown,
}

/// The start time of `pid` and, for a zombie, how it ended; `None` when
/// there is no such process.
fn proc_stat(pid: i32) -> Option<(u64, Option<ProcEnd>)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold anything.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state); field n is fields[n - 3].
    let start_time = fields.get(19)?.parse().ok()?;
    if fields[0] != "Z" && fields[0] != "X" {
        return Some((start_time, None));
    }
    // Field 52, exit_code (Linux 3.5), in waitpid's encoding.
    let end = match fields.get(49).and_then(|s| s.parse::<i32>().ok()) {
        Some(status) if status & 0x7f == 0 => ProcEnd::Exited((status >> 8) & 0xff),
        Some(_) => ProcEnd::Signaled,
        None => ProcEnd::Unknown,
    };
    Some((start_time, Some(end)))
}

/// The children of `pid` (every thread's, from
/// /proc/<pid>/task/<tid>/children); none when it is gone.
pub(super) fn children(pid: i32) -> Vec<i32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for task in tasks.flatten() {
        let path = task.path().join("children");
        if let Ok(text) = std::fs::read_to_string(path) {
            out.extend(
                text.split_whitespace()
                    .filter_map(|p| p.parse::<i32>().ok()),
            );
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether the end of a process is among the errors watched for. An
/// unknown status counts as an abnormal end.
fn watched(errors: u32, end: ProcEnd) -> bool {
    let bit = match end {
        ProcEnd::Exited(0) => SA_AMF_PM_ZERO_EXIT,
        ProcEnd::Exited(_) => SA_AMF_PM_NON_ZERO_EXIT,
        ProcEnd::Signaled | ProcEnd::Unknown => SA_AMF_PM_NON_ZERO_EXIT | SA_AMF_PM_ABNORMAL_END,
    };
    errors & bit != 0
}

pub(super) fn recovery_name(r: u32) -> &'static str {
    match r {
        1 => "no recommendation",
        2 => "component restart",
        3 => "component failover",
        4 => "node switchover",
        5 => "node failover",
        6 => "node failfast",
        7 => "cluster reset",
        8 => "application restart",
        _ => "unknown",
    }
}

impl Amf {
    /// The local component named `name`, if any.
    fn local_comp(&self, name: &Name) -> Option<usize> {
        self.entities
            .comp_by_dn(name.as_bytes())
            .filter(|&c| self.is_local(c))
    }

    /// A watched failure of `comp`: a fault with the recommended
    /// recovery its healthcheck or monitor was started with.
    fn watch_failed(
        &mut self,
        ctx: &mut Context<'_>,
        comp: usize,
        source: FaultSource,
        what: String,
        recovery: u32,
    ) {
        self.mcast_fault(ctx, comp, source, recovery, what);
    }

    /// The instance of `comp` ends (restart, failover): its healthchecks
    /// and monitored processes end with it.
    pub(super) fn watch_forget_comp(&mut self, ctx: &mut Context<'_>, comp: usize) {
        let gone: Vec<(usize, Vec<u8>)> = self
            .watch
            .healthchecks
            .keys()
            .filter(|(c, _)| *c == comp)
            .cloned()
            .collect();
        for key in gone {
            if let Some(h) = self.watch.healthchecks.remove(&key) {
                ctx.cancel_timer(TOKEN_HEALTHCHECK | h.id);
            }
        }
        self.watch.monitors.retain(|m| m.comp != comp);
        if self.watch.monitors.is_empty() {
            ctx.cancel_timer(TOKEN_PM);
        }
    }

    pub(super) fn healthcheck_start(
        &mut self,
        ctx: &mut Context<'_>,
        req: &Request<'_>,
        r: HealthcheckStart,
    ) {
        let error = self.try_healthcheck_start(ctx, req.conn, r);
        ctx.respond(req, error, Vec::new());
    }

    fn try_healthcheck_start(
        &mut self,
        ctx: &mut Context<'_>,
        conn: ConnId,
        r: HealthcheckStart,
    ) -> u32 {
        let Some(comp) = self.local_comp(&r.comp) else {
            return SA_AIS_ERR_NOT_EXIST;
        };
        let Some(conf) = self.entities.comps[comp]
            .healthchecks
            .iter()
            .find(|h| h.key.as_bytes() == r.key.as_slice())
        else {
            return SA_AIS_ERR_NOT_EXIST;
        };
        let key = (comp, r.key.clone());
        if self.watch.healthchecks.contains_key(&key) {
            return SA_AIS_ERR_EXIST;
        }
        if self.watch.healthchecks.len() >= MAX_HEALTHCHECKS {
            return sa_abi::ais::SA_AIS_ERR_NO_RESOURCES;
        }
        let id = self.watch.next_id & !super::TOKEN_MASK;
        self.watch.next_id = self.watch.next_id.wrapping_add(1);
        let h = Healthcheck {
            id,
            conn,
            amf_invoked: r.invocation_type == SA_AMF_HEALTHCHECK_AMF_INVOKED,
            period_ns: ms_to_ns(conf.period_ms),
            max_duration_ns: ms_to_ns(conf.max_duration_ms),
            recovery: r.recovery,
            awaiting: None,
        };
        info!(target: "AMF", "{}: healthcheck {} started ({})", self.entities.comps[comp].dn,
            String::from_utf8_lossy(&r.key),
            if h.amf_invoked { "AMF invoked" } else { "component invoked" });
        // AMF-invoked: the first callback after a period; component
        // invoked: a confirmation is due within a period.
        ctx.set_timer(
            TOKEN_HEALTHCHECK | id,
            ctx.now_ns().saturating_add(h.period_ns),
        );
        self.watch.healthchecks.insert(key, h);
        SA_AIS_OK
    }

    pub(super) fn healthcheck_confirm(
        &mut self,
        ctx: &mut Context<'_>,
        req: &Request<'_>,
        r: HealthcheckConfirm,
    ) {
        let Some(comp) = self.local_comp(&r.comp) else {
            ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new());
            return;
        };
        let key = (comp, r.key);
        let Some(h) = self.watch.healthchecks.get(&key) else {
            ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new());
            return;
        };
        let (id, period, recovery, amf_invoked) = (h.id, h.period_ns, h.recovery, h.amf_invoked);
        if r.result != SA_AIS_OK {
            self.watch.healthchecks.remove(&key);
            ctx.cancel_timer(TOKEN_HEALTHCHECK | id);
            let what = format!(
                "key {} confirmed with error {}",
                String::from_utf8_lossy(&key.1),
                r.result
            );
            self.watch_failed(ctx, comp, FaultSource::HealthcheckFailed, what, recovery);
        } else if !amf_invoked {
            ctx.set_timer(TOKEN_HEALTHCHECK | id, ctx.now_ns().saturating_add(period));
        }
        ctx.respond(req, SA_AIS_OK, Vec::new());
    }

    pub(super) fn healthcheck_stop(
        &mut self,
        ctx: &mut Context<'_>,
        req: &Request<'_>,
        r: HealthcheckStop,
    ) {
        let removed = self
            .local_comp(&r.comp)
            .and_then(|comp| self.watch.healthchecks.remove(&(comp, r.key)));
        match removed {
            Some(h) => {
                ctx.cancel_timer(TOKEN_HEALTHCHECK | h.id);
                ctx.respond(req, SA_AIS_OK, Vec::new());
            }
            None => ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new()),
        }
    }

    /// saAmfResponse to a healthcheck callback: `true` when `invocation`
    /// was one (answered here).
    pub(super) fn healthcheck_response(
        &mut self,
        ctx: &mut Context<'_>,
        conn: ConnId,
        invocation: u64,
        error: u32,
    ) -> bool {
        let Some((key, h)) = self
            .watch
            .healthchecks
            .iter_mut()
            .find(|(_, h)| h.conn == conn && h.awaiting == Some(invocation))
        else {
            return false;
        };
        let (comp, id, recovery) = (key.0, h.id, h.recovery);
        if error == SA_AIS_OK {
            h.awaiting = None;
            ctx.set_timer(
                TOKEN_HEALTHCHECK | id,
                ctx.now_ns().saturating_add(h.period_ns),
            );
        } else {
            let key = key.clone();
            self.watch.healthchecks.remove(&key);
            ctx.cancel_timer(TOKEN_HEALTHCHECK | id);
            let what = format!(
                "key {} answered with error {error}",
                String::from_utf8_lossy(&key.1)
            );
            self.watch_failed(ctx, comp, FaultSource::HealthcheckFailed, what, recovery);
        }
        true
    }

    /// A healthcheck's timer: an AMF-invoked one is due (callback) or
    /// was not answered in time; a component-invoked one was not
    /// confirmed within its period.
    pub(super) fn healthcheck_timer(&mut self, ctx: &mut Context<'_>, id: u64) {
        let Some((key, h)) = self.watch.healthchecks.iter_mut().find(|(_, h)| h.id == id) else {
            return;
        };
        let key = key.clone();
        if h.amf_invoked && h.awaiting.is_none() {
            let invocation = self.next_invocation;
            self.next_invocation = (self.next_invocation + 1) & 0xFFFF_FFFF_FFFF;
            h.awaiting = Some(invocation);
            let conn = h.conn;
            ctx.set_timer(
                TOKEN_HEALTHCHECK | id,
                ctx.now_ns().saturating_add(h.max_duration_ns),
            );
            let cb = HealthcheckCallback {
                invocation,
                comp: self.comp_name(key.0),
                key: key.1,
            };
            ctx.callback(conn, kind::HEALTHCHECK_CALLBACK, SA_AIS_OK, cb.to_payload());
            return;
        }
        let recovery = h.recovery;
        let what = if h.amf_invoked {
            "not answered within saAmfHealthcheckMaxDuration"
        } else {
            "not confirmed within saAmfHealthcheckPeriod"
        };
        let what = format!("key {}: {what}", String::from_utf8_lossy(&key.1));
        self.watch.healthchecks.remove(&key);
        self.watch_failed(ctx, key.0, FaultSource::HealthcheckMissed, what, recovery);
    }

    pub(super) fn pm_start(&mut self, ctx: &mut Context<'_>, req: &Request<'_>, r: PmStart) {
        let error = self.try_pm_start(ctx, req.conn, &r);
        ctx.respond(req, error, Vec::new());
    }

    fn try_pm_start(&mut self, ctx: &mut Context<'_>, conn: ConnId, r: &PmStart) -> u32 {
        let Some(comp) = self.local_comp(&r.comp) else {
            return SA_AIS_ERR_NOT_EXIST;
        };
        let Ok(pid) = i32::try_from(r.pid) else {
            return SA_AIS_ERR_NOT_EXIST;
        };
        // Only a live process can be watched.
        let Some((start_time, None)) = proc_stat(pid) else {
            return SA_AIS_ERR_NOT_EXIST;
        };
        if let Some(m) = self
            .watch
            .monitors
            .iter_mut()
            .find(|m| m.comp == comp && m.pid == pid && m.start_time == start_time)
        {
            if m.errors & r.errors == r.errors {
                return SA_AIS_ERR_EXIST;
            }
            // More errors watched for on a process already monitored.
            m.errors |= r.errors;
            m.recovery = r.recovery;
            return SA_AIS_OK;
        }
        if self.watch.monitors.len() >= MAX_MONITORS {
            return sa_abi::ais::SA_AIS_ERR_NO_RESOURCES;
        }
        info!(target: "AMF", "{}: passive monitoring of process {pid} started (descendants: {})",
            self.entities.comps[comp].dn,
            if r.depth < 0 { "all".to_string() } else { r.depth.to_string() });
        self.watch.monitors.push(Monitor {
            comp,
            conn,
            pid,
            start_time,
            errors: r.errors,
            recovery: r.recovery,
            depth: r.depth.max(-1),
            root: pid,
        });
        let first = self.watch.monitors.len() == 1;
        self.adopt_descendants();
        if first {
            ctx.set_timer(TOKEN_PM, ctx.now_ns().saturating_add(PM_POLL_NS));
        }
        SA_AIS_OK
    }

    pub(super) fn pm_stop(&mut self, ctx: &mut Context<'_>, req: &Request<'_>, r: PmStop) {
        let Some(comp) = self.local_comp(&r.comp) else {
            ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new());
            return;
        };
        let mut matched = false;
        for m in &mut self.watch.monitors {
            let chosen = match r.qualifier {
                SA_AMF_PM_ALL_PROCESSES => true,
                SA_AMF_PM_PROC_AND_DESCENDENTS => i64::from(m.root) == r.pid,
                _ => i64::from(m.pid) == r.pid,
            };
            if m.comp == comp && chosen && m.errors & r.errors != 0 {
                matched = true;
                m.errors &= !r.errors;
            }
        }
        self.watch.monitors.retain(|m| m.errors != 0);
        if self.watch.monitors.is_empty() {
            ctx.cancel_timer(TOKEN_PM);
        }
        let error = if matched {
            SA_AIS_OK
        } else {
            SA_AIS_ERR_NOT_EXIST
        };
        ctx.respond(req, error, Vec::new());
    }

    /// Adds the descendants of monitored processes, to their depth, as
    /// monitors of their own (a process found once stays watched; the
    /// number of monitors stays bounded).
    fn adopt_descendants(&mut self) {
        let mut i = 0;
        while i < self.watch.monitors.len() {
            let m = self.watch.monitors[i].clone();
            i += 1;
            if m.depth == 0 {
                continue;
            }
            for child in children(m.pid) {
                let Some((start_time, None)) = proc_stat(child) else {
                    continue;
                };
                let known = self
                    .watch
                    .monitors
                    .iter()
                    .any(|o| o.comp == m.comp && o.pid == child && o.start_time == start_time);
                if known || self.watch.monitors.len() >= MAX_MONITORS {
                    continue;
                }
                info!(target: "AMF", "{}: passive monitoring of process {child}, a descendant of {}",
                    self.entities.comps[m.comp].dn, m.pid);
                self.watch.monitors.push(Monitor {
                    pid: child,
                    start_time,
                    depth: if m.depth < 0 { -1 } else { m.depth - 1 },
                    ..m.clone()
                });
            }
        }
    }

    /// Looks at every monitored process (and takes in new descendants);
    /// a dead one whose end is watched for is a failure of its
    /// component.
    pub(super) fn pm_poll(&mut self, ctx: &mut Context<'_>) {
        self.adopt_descendants();
        let mut ended = Vec::new();
        self.watch.monitors.retain(|m| {
            let end = match proc_stat(m.pid) {
                Some((start, None)) if start == m.start_time => return true,
                Some((start, Some(end))) if start == m.start_time => end,
                _ => ProcEnd::Unknown,
            };
            ended.push((m.clone(), end));
            false
        });
        for (m, end) in ended {
            if watched(m.errors, end) {
                let what = format!("process {} ended ({end:?})", m.pid);
                self.watch_failed(ctx, m.comp, FaultSource::ProcessDeath, what, m.recovery);
            } else {
                info!(target: "AMF", "{}: monitored process {} ended ({end:?}), not an error watched for",
                    self.entities.comps[m.comp].dn, m.pid);
            }
        }
        if !self.watch.monitors.is_empty() {
            ctx.set_timer(TOKEN_PM, ctx.now_ns().saturating_add(PM_POLL_NS));
        }
    }

    /// The protection group of CSI `csi` of SI `si`: the components
    /// assigned it, with their HA state (changes left NO_CHANGE); a
    /// component restarting leaves it and comes back.
    fn group(&self, si: usize, csi: usize) -> Vec<PgMember> {
        let e = &self.entities;
        let mut standby = 0;
        self.state
            .assignments
            .iter()
            .filter(|a| a.si == si)
            .filter_map(|a| {
                let comp = e.comp_for_csi(a.su, si, csi)?;
                // A restarting component holds none of its CSIs until it
                // is given them again.
                if self.state.comps[comp].presence == SA_AMF_PRESENCE_RESTARTING {
                    return None;
                }
                let rank = if a.ha == SA_AMF_HA_STANDBY {
                    standby += 1;
                    standby
                } else {
                    0
                };
                Some(PgMember {
                    comp: self.comp_name(comp),
                    ha_state: a.ha,
                    rank,
                    change: SA_AMF_PROTECTION_GROUP_NO_CHANGE,
                })
            })
            .collect()
    }

    pub(super) fn pg_track(&mut self, ctx: &mut Context<'_>, req: &Request<'_>, r: PgTrack) {
        let Some((si, csi)) = self.entities.csi_by_dn(r.csi.as_bytes()) else {
            ctx.respond(req, SA_AIS_ERR_NOT_EXIST, Vec::new());
            return;
        };
        let members = self.group(si, csi);
        if r.changes != 0 {
            let key = (req.conn, si, csi);
            if !self.watch.tracks.contains_key(&key) && self.watch.tracks.len() >= MAX_TRACKS {
                ctx.respond(req, sa_abi::ais::SA_AIS_ERR_NO_RESOURCES, Vec::new());
                return;
            }
            self.watch.tracks.insert(key, r.changes);
            self.watch
                .groups
                .entry((si, csi))
                .or_insert_with(|| members.clone());
        }
        match r.current {
            PG_CURRENT_IN_REPLY => {
                ctx.respond(req, SA_AIS_OK, PgTrackReply { members }.to_payload());
            }
            PG_CURRENT_AS_CALLBACK => {
                let cb = PgTrackCallback {
                    csi: r.csi,
                    number_of_members: u32::try_from(members.len()).unwrap_or(u32::MAX),
                    members,
                };
                ctx.respond(
                    req,
                    SA_AIS_OK,
                    PgTrackReply {
                        members: Vec::new(),
                    }
                    .to_payload(),
                );
                ctx.callback(
                    req.conn,
                    kind::PG_TRACK_CALLBACK,
                    SA_AIS_OK,
                    cb.to_payload(),
                );
            }
            _ => ctx.respond(
                req,
                SA_AIS_OK,
                PgTrackReply {
                    members: Vec::new(),
                }
                .to_payload(),
            ),
        }
    }

    pub(super) fn pg_track_stop(&mut self, ctx: &mut Context<'_>, req: &Request<'_>, csi: &Name) {
        let removed = self
            .entities
            .csi_by_dn(csi.as_bytes())
            .and_then(|(si, csi)| self.watch.tracks.remove(&(req.conn, si, csi)));
        self.forget_untracked_groups();
        let error = if removed.is_some() {
            SA_AIS_OK
        } else {
            SA_AIS_ERR_NOT_EXIST
        };
        ctx.respond(req, error, Vec::new());
    }

    fn forget_untracked_groups(&mut self) {
        let tracks = &self.watch.tracks;
        self.watch
            .groups
            .retain(|&(si, csi), _| tracks.keys().any(|&(_, s, c)| (s, c) == (si, csi)));
    }

    /// After a change of the assignments: each tracked protection group
    /// that changed is sent to the connections tracking it.
    pub(super) fn pg_notify(&mut self, ctx: &mut Context<'_>) {
        let keys: Vec<(usize, usize)> = self.watch.groups.keys().copied().collect();
        for (si, csi) in keys {
            let now = self.group(si, csi);
            let before = &self.watch.groups[&(si, csi)];
            if *before == now {
                continue;
            }
            let mut all = Vec::new();
            for m in &now {
                let change = match before.iter().find(|b| b.comp == m.comp) {
                    None => SA_AMF_PROTECTION_GROUP_ADDED,
                    Some(b) if b.ha_state != m.ha_state || b.rank != m.rank => {
                        SA_AMF_PROTECTION_GROUP_STATE_CHANGE
                    }
                    Some(_) => SA_AMF_PROTECTION_GROUP_NO_CHANGE,
                };
                all.push(PgMember {
                    change,
                    ..m.clone()
                });
            }
            for b in before {
                if !now.iter().any(|m| m.comp == b.comp) {
                    all.push(PgMember {
                        change: SA_AMF_PROTECTION_GROUP_REMOVED,
                        ..b.clone()
                    });
                }
            }
            let number_of_members = u32::try_from(now.len()).unwrap_or(u32::MAX);
            let csi_name =
                Name::new(self.entities.sis[si].csis[csi].dn.as_bytes()).unwrap_or_default();
            let trackers: Vec<(ConnId, u8)> = self
                .watch
                .tracks
                .iter()
                .filter(|(&(_, s, c), _)| (s, c) == (si, csi))
                .map(|(&(conn, _, _), &flags)| (conn, flags))
                .collect();
            for (conn, flags) in trackers {
                let members = if flags == SA_TRACK_CHANGES_ONLY {
                    all.iter()
                        .filter(|m| m.change != SA_AMF_PROTECTION_GROUP_NO_CHANGE)
                        .cloned()
                        .collect()
                } else {
                    all.clone()
                };
                let cb = PgTrackCallback {
                    csi: csi_name.clone(),
                    members,
                    number_of_members,
                };
                ctx.callback(conn, kind::PG_TRACK_CALLBACK, SA_AIS_OK, cb.to_payload());
            }
            self.watch.groups.insert((si, csi), now);
        }
    }

    /// A connection closed: what it started ends with it.
    pub(super) fn watch_conn_exit(&mut self, ctx: &mut Context<'_>, conn: ConnId) {
        let gone: Vec<(usize, Vec<u8>)> = self
            .watch
            .healthchecks
            .iter()
            .filter(|(_, h)| h.conn == conn)
            .map(|(k, _)| k.clone())
            .collect();
        for key in gone {
            if let Some(h) = self.watch.healthchecks.remove(&key) {
                ctx.cancel_timer(TOKEN_HEALTHCHECK | h.id);
            }
        }
        self.watch.monitors.retain(|m| m.conn != conn);
        if self.watch.monitors.is_empty() {
            ctx.cancel_timer(TOKEN_PM);
        }
        let before = self.watch.tracks.len();
        self.watch.tracks.retain(|&(c, _, _), _| c != conn);
        if self.watch.tracks.len() != before {
            self.forget_untracked_groups();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_that_exited_is_seen_with_its_status() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "exit 3"])
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        // Not reaped yet: a zombie with its exit status, once it exited.
        let mut seen = None;
        for _ in 0..200 {
            if let Some((_, Some(end))) = proc_stat(pid) {
                seen = Some(end);
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(seen, Some(ProcEnd::Exited(3)));
        child.wait().unwrap();
        assert_eq!(proc_stat(pid), None);
        assert!(watched(SA_AMF_PM_NON_ZERO_EXIT, ProcEnd::Exited(3)));
        assert!(!watched(SA_AMF_PM_ZERO_EXIT, ProcEnd::Exited(3)));
        assert!(watched(SA_AMF_PM_ZERO_EXIT, ProcEnd::Exited(0)));
        let me = std::process::id() as i32;
        assert!(matches!(proc_stat(me), Some((_, None))));
    }

    #[test]
    fn children_are_found_through_proc() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let me = std::process::id() as i32;
        assert!(children(me).contains(&(child.id() as i32)));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!children(me).contains(&(child.id() as i32)));
        assert!(children(-1).is_empty());
    }
}

//! CPG flow control as the library sees it (cpg_flow_control_state_get).
//!
//! A multicast refused with CPG_ERR_TRY_AGAIN (the ordering layer full or
//! reconfiguring, or a sync running) turns the library's flow control
//! state on. openais's executive told its libraries when multicasts were
//! taken again; so does this one: every connection that was refused is
//! remembered, and once a multicast would be taken (no sync of this
//! service running and room in the ordering layer) it gets one
//! FLOW_CONTROL callback with the state off. A program that waits for
//! the state to clear before it sends (openais's cpgbench) therefore
//! resumes after a pause of the cluster instead of waiting forever.
//! Until then the recorded connections are looked at on a timer.

use std::collections::BTreeSet;

use sa_abi::cpg::CPG_OK;
use sa_ipc::proto::cpg::{kind, FlowControlCallback};
use sa_ipc::proto::Payload;

use crate::ipc::ConnId;
use crate::service::Context;

/// The service timer token that looks at the refused connections again.
pub const TOKEN: u64 = 1;

/// How often the refused connections are looked at while multicasts
/// cannot go (nanoseconds): a rotation of an idle ring is well below it.
const RECHECK_NS: i64 = 20_000_000;

/// Connections of this node whose last multicast was refused and that
/// have not been told yet that multicasts are taken again. At most one
/// entry per open connection.
#[derive(Debug, Default)]
pub struct FlowControl {
    refused: BTreeSet<ConnId>,
}

impl FlowControl {
    /// `conn`'s multicast was refused: it is told when multicasts go again.
    pub fn refused(&mut self, ctx: &mut Context<'_>, conn: ConnId) {
        if self.refused.is_empty() {
            arm(ctx);
        }
        self.refused.insert(conn);
    }

    /// `conn` closed.
    pub fn forget(&mut self, conn: ConnId) {
        self.refused.remove(&conn);
    }

    /// Tells every refused connection that multicasts are taken again,
    /// when they are (`syncing`: this service's sync runs, requests are
    /// refused); otherwise looks again on the timer.
    pub fn release(&mut self, ctx: &mut Context<'_>, syncing: bool) {
        if self.refused.is_empty() {
            return;
        }
        if syncing || ctx.queue_full() {
            arm(ctx);
            return;
        }
        let payload = FlowControlCallback { enabled: false }.to_payload();
        for conn in std::mem::take(&mut self.refused) {
            ctx.callback(conn, kind::FLOW_CONTROL_CALLBACK, CPG_OK, payload.clone());
        }
        ctx.cancel_timer(TOKEN);
    }
}

fn arm(ctx: &mut Context<'_>) {
    let at = ctx.now_ns().saturating_add(RECHECK_NS);
    ctx.set_timer(TOKEN, at);
}

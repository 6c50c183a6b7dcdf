//! Proxied components: a process that knows nothing of AMF, managed
//! through a proxy component. The proxy registers it
//! (saAmfComponentRegister with proxyCompName) through its own
//! connection, so every callback for the proxied component (CSI set and
//! remove, terminate, healthchecks) goes to the proxy, and the proxy's
//! end (its connection closes) is a fault of every component it
//! registered. To instantiate or clean up a proxied component (a
//! restart, a retry) the node asks the proxy that registered it last
//! with the external component instantiate / cleanup callbacks; the
//! proxied component counts as instantiated once the proxy registers it
//! again within saAmfCompInstantiateTimeout, as an SA-aware one does.

use log::{info, warn};
use sa_abi::ais::{SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NOT_EXIST, SA_AIS_OK};
use sa_ipc::codec::Name;
use sa_ipc::proto::amf::{kind, ProxiedCallback, RegisterProxied};
use sa_ipc::proto::Payload;

use super::{Amf, Phase, TOKEN_INSTANTIATE};
use crate::config::amf::CompCategory;
use crate::ipc::ConnId;
use crate::service::{Context, Request};

impl Amf {
    /// Checks a proxied registration: `comp` is a proxied component of
    /// this node and `proxy` is registered through the asking
    /// connection. Returns (component, proxy), or answers the request.
    pub(super) fn check_proxied(
        &self,
        ctx: &mut Context<'_>,
        req: &Request<'_>,
        r: &RegisterProxied,
    ) -> Option<(usize, usize)> {
        let comp = self
            .entities
            .comp_by_dn(r.comp.as_bytes())
            .filter(|&c| self.is_local(c));
        let proxy = self
            .entities
            .comp_by_dn(r.proxy.as_bytes())
            .filter(|&p| self.state.comps[p].registered == Some((self.local, req.conn)));
        let error = match (comp, proxy) {
            (Some(c), Some(p)) if self.entities.comps[c].category == CompCategory::Proxied => {
                return Some((c, p));
            }
            (Some(_), Some(_)) => SA_AIS_ERR_INVALID_PARAM,
            _ => SA_AIS_ERR_NOT_EXIST,
        };
        ctx.respond(req, error, Vec::new());
        None
    }

    /// The connection of the proxy that registered `comp` last, if that
    /// proxy is registered on this node now.
    fn proxy_conn(&self, comp: usize) -> Option<(usize, ConnId)> {
        let proxy = *self.proxy_of.get(&comp)?;
        match self.state.comps[proxy].registered {
            Some((node, conn)) if node == self.local => Some((proxy, conn)),
            _ => None,
        }
    }

    /// Asks the proxy to instantiate proxied component `comp`; without a
    /// proxy there is nobody to ask: it waits for one to register it.
    pub(super) fn proxied_instantiate(&mut self, ctx: &mut Context<'_>, comp: usize) {
        let Some((proxy, conn)) = self.proxy_conn(comp) else {
            return;
        };
        self.attempts[comp] = self.attempts[comp].saturating_add(1);
        let dn = self.entities.comps[comp].dn.clone();
        info!(target: "AMF", "instantiating {dn} (attempt {}) through its proxy {}",
            self.attempts[comp], self.entities.comps[proxy].dn);
        let invocation = self.invocation(conn, comp, None, ctx);
        let cb = ProxiedCallback {
            invocation,
            comp: Name::new(dn.as_bytes()).unwrap_or_default(),
        };
        ctx.callback(
            conn,
            kind::PROXIED_INSTANTIATE_CALLBACK,
            SA_AIS_OK,
            cb.to_payload(),
        );
        self.phases[comp] = Phase::Instantiating;
        let ms = self.entities.comps[comp].timeouts.instantiate;
        let ns = i64::try_from(ms.saturating_mul(1_000_000)).unwrap_or(i64::MAX);
        ctx.set_timer(
            TOKEN_INSTANTIATE | comp as u64,
            ctx.now_ns().saturating_add(ns),
        );
    }

    /// Asks the proxy to clean up proxied component `comp`.
    pub(super) fn proxied_cleanup(&mut self, ctx: &mut Context<'_>, comp: usize) {
        let dn = self.entities.comps[comp].dn.clone();
        let Some((proxy, conn)) = self.proxy_conn(comp) else {
            warn!(target: "AMF", "{dn}: no proxy registered to clean it up");
            return;
        };
        info!(target: "AMF", "{dn}: cleanup through its proxy {}", self.entities.comps[proxy].dn);
        let invocation = self.invocation(conn, comp, None, ctx);
        let cb = ProxiedCallback {
            invocation,
            comp: Name::new(dn.as_bytes()).unwrap_or_default(),
        };
        ctx.callback(
            conn,
            kind::PROXIED_CLEANUP_CALLBACK,
            SA_AIS_OK,
            cb.to_payload(),
        );
    }
}

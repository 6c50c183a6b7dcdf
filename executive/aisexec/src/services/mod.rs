//! The executive's services. Adding one is a folder beside `clm/` with a
//! type implementing [`crate::service::Service`], and one line in
//! [`all`].

pub mod amf;
pub mod cfg;
pub mod ckpt;
pub mod clm;
pub mod cpg;
pub mod evs;
pub mod evt;
pub mod lck;
pub mod msg;

use std::net::IpAddr;

use crate::config::Config;
use crate::ordering::NodeId;
use crate::service::Service;

/// What every service may need to know about this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEnv {
    pub node_id: NodeId,
    /// The address the ordering layer is bound to.
    pub address: IpAddr,
    /// This host's name.
    pub hostname: String,
    /// When this host booted, in nanoseconds since the epoch.
    pub boot_timestamp: i64,
    /// The whole configuration (`event { }`, `amf { }` ...).
    pub config: Config,
    /// The AMF configuration (amf.conf), read at start when `amf { mode:
    /// enabled }`; `None` otherwise.
    pub amf: Option<std::sync::Arc<crate::config::amf::AmfModel>>,
}

/// Every service of the executive.
pub fn all(env: &ServiceEnv) -> Vec<Box<dyn Service>> {
    vec![
        Box::new(clm::Clm::new(env)),
        Box::new(ckpt::Ckpt::new(env)),
        Box::new(evs::Evs::new(env)),
        Box::new(cpg::Cpg::new(env)),
        Box::new(evt::Evt::new(env)),
        Box::new(msg::Msg::new(env)),
        Box::new(lck::Lck::new(env)),
        Box::new(amf::Amf::new(env)),
    ]
}

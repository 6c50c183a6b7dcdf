//! AMF questions the cluster tests ask an executive over the wire
//! protocol: a component's HA state for a CSI, and the operator view.

use sa_ipc::client::Connection;
use sa_ipc::codec::Name;
use sa_ipc::proto::amf::{HaStateGet, Status};
use sa_ipc::proto::service;

use super::{Node, WAIT};

pub fn name(s: &str) -> Name {
    Name::new(s.as_bytes()).unwrap()
}

/// The HA state of `comp` for `csi` as `node` knows it; `None` when
/// there is none (or the node does not answer).
pub fn ha(node: &Node, comp: &str, csi: &str) -> Option<u32> {
    let conn = Connection::connect_to(&node.address(), service::AMF).ok()?;
    let q = HaStateGet {
        comp: name(comp),
        csi: name(csi),
    };
    conn.call_within(&q, WAIT).ok().map(|r| r.ha_state)
}

/// The operator view (`openais-cfgtool -a`) of `node`, a line each;
/// empty when the node does not answer.
pub fn view(node: &Node) -> String {
    let Ok(conn) = Connection::connect_to(&node.address(), service::AMF) else {
        return String::new();
    };
    conn.call_within(&Status, WAIT)
        .map(|r| {
            r.lines
                .iter()
                .map(|l| String::from_utf8_lossy(l).into_owned() + "\n")
                .collect()
        })
        .unwrap_or_default()
}

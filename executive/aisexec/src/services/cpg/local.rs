//! This node's CPG library connections: each one's process and the group
//! it is in (as far as this node has asked the cluster), and the exec
//! messages this node still has to send for them.

use std::collections::HashMap;

use sa_ipc::proto::cpg::GroupName;

use super::message::MemberOp;
use crate::ipc::ConnId;

/// One library connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalConn {
    pub pid: u32,
    /// The group whose JOIN this node multicast, until its LEAVE is
    /// multicast: a connection is in at most one group.
    pub group: Option<GroupName>,
}

impl LocalConn {
    /// The exec message payload that names this connection in `group`.
    pub fn op(&self, conn: ConnId, group: &GroupName) -> MemberOp {
        MemberOp {
            group: group.clone(),
            conn: conn.0,
            pid: self.pid,
        }
    }
}

/// Every open connection of this node.
#[derive(Debug, Default)]
pub struct LocalConns {
    conns: HashMap<ConnId, LocalConn>,
}

impl LocalConns {
    pub fn open(&mut self, conn: ConnId, pid: u32) {
        self.conns.insert(conn, LocalConn { pid, group: None });
    }

    /// Forgets a closed connection and returns what it was.
    pub fn close(&mut self, conn: ConnId) -> Option<LocalConn> {
        self.conns.remove(&conn)
    }

    pub fn get(&self, conn: ConnId) -> Option<&LocalConn> {
        self.conns.get(&conn)
    }

    pub fn get_mut(&mut self, conn: ConnId) -> Option<&mut LocalConn> {
        self.conns.get_mut(&conn)
    }

    pub fn is_open(&self, conn: ConnId) -> bool {
        self.conns.contains_key(&conn)
    }

    /// Every connection in a group, with its group.
    pub fn in_groups(&self) -> impl Iterator<Item = (ConnId, &LocalConn, &GroupName)> {
        self.conns
            .iter()
            .filter_map(|(id, c)| c.group.as_ref().map(|g| (*id, c, g)))
    }
}

//! Who is at the other end of a library connection, and whether they may
//! use the executive.

use std::fmt;

/// The credentials of the process that connected, as the kernel reports
/// them (SO_PEERCRED): fixed at connect time, unforgeable by the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerCred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

impl PeerCred {
    /// The credentials of a tokio unix stream's peer.
    pub fn of(stream: &tokio::net::UnixStream) -> std::io::Result<PeerCred> {
        let c = stream.peer_cred()?;
        Ok(PeerCred {
            pid: c.pid().unwrap_or(0),
            uid: c.uid(),
            gid: c.gid(),
        })
    }
}

impl fmt::Display for PeerCred {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "uid {} gid {} pid {}", self.uid, self.gid, self.pid)
    }
}

/// Who may connect: root, and processes whose group is the configured
/// `aisexec { group }`. When that group does not exist on this host,
/// `group_gid` is `None` and only root is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessPolicy {
    pub group_gid: Option<u32>,
}

impl AccessPolicy {
    pub fn allows(&self, cred: &PeerCred) -> bool {
        cred.uid == 0 || Some(cred.gid) == self.group_gid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cred(uid: u32, gid: u32) -> PeerCred {
        PeerCred { pid: 1, uid, gid }
    }

    #[test]
    fn root_and_the_group_are_allowed() {
        let p = AccessPolicy {
            group_gid: Some(120),
        };
        assert!(p.allows(&cred(0, 0)));
        assert!(p.allows(&cred(0, 999)));
        assert!(p.allows(&cred(1000, 120)));
        assert!(!p.allows(&cred(1000, 1000)));
        assert!(!p.allows(&cred(65534, 65534)));
    }

    #[test]
    fn without_a_group_only_root() {
        let p = AccessPolicy { group_gid: None };
        assert!(p.allows(&cred(0, 5)));
        assert!(!p.allows(&cred(1000, 0)));
    }
}

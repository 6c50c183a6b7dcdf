//! Who may use the executive: `aisexec { user group }` resolved against
//! the system's user and group databases.
//!
//! Library connections are accepted from uid 0 and from processes whose
//! group is `group`. A group that does not exist is not fatal (openais
//! crashed on it): the executive logs an error and accepts root only.
//! `user` plays no part in the check; a user that does not exist is
//! reported as a warning.

use log::{error, info, warn};
use nix::unistd::{Group, User};

use crate::config::AisexecConfig;
use crate::ipc::AccessPolicy;

/// The access policy `aisexec { }` describes on this host.
pub fn policy(config: &AisexecConfig) -> AccessPolicy {
    match User::from_name(&config.user) {
        Ok(Some(_)) => {}
        Ok(None) => warn!(target: "MAIN", "aisexec {{ user: {} }}: no such user", config.user),
        Err(e) => {
            warn!(target: "MAIN", "aisexec {{ user: {} }}: cannot look it up: {e}", config.user)
        }
    }
    let group_gid = match Group::from_name(&config.group) {
        Ok(Some(g)) => {
            info!(target: "MAIN", "library connections accepted from root and group {} (gid {})",
                config.group, g.gid);
            Some(g.gid.as_raw())
        }
        Ok(None) => {
            error!(target: "MAIN",
                "aisexec {{ group: {} }}: no such group; only root may use the executive",
                config.group);
            None
        }
        Err(e) => {
            error!(target: "MAIN",
                "aisexec {{ group: {} }}: cannot look it up ({e}); only root may use the executive",
                config.group);
            None
        }
    };
    AccessPolicy { group_gid }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_and_missing_groups() {
        let root = policy(&AisexecConfig {
            user: "root".into(),
            group: "root".into(),
            ..AisexecConfig::default()
        });
        assert_eq!(root.group_gid, Some(0));
        let missing = policy(&AisexecConfig {
            user: "no-such-user-aisexec".into(),
            group: "no-such-group-aisexec".into(),
            ..AisexecConfig::default()
        });
        assert_eq!(missing.group_gid, None);
    }
}

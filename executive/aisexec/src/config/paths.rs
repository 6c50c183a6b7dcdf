//! The files and sockets the executive uses, from the environment as in
//! openais.

use std::ffi::OsString;
use std::path::PathBuf;

/// `OPENAIS_MAIN_CONFIG_FILE`: the main configuration file.
pub const ENV_MAIN_CONFIG: &str = "OPENAIS_MAIN_CONFIG_FILE";
/// `OPENAIS_AMF_CONFIG_FILE`: the AMF configuration file.
pub const ENV_AMF_CONFIG: &str = "OPENAIS_AMF_CONFIG_FILE";
/// `OPENAIS_TOTEM_AUTHKEY_FILE`: the authentication key file.
pub const ENV_AUTHKEY: &str = "OPENAIS_TOTEM_AUTHKEY_FILE";
/// `OPENAIS_IPC_SOCKET`: the library socket (shared with the libraries).
pub const ENV_IPC_SOCKET: &str = "OPENAIS_IPC_SOCKET";
/// `OPENAIS_RUN_DIR`: the executive's working directory.
pub const ENV_RUN_DIR: &str = "OPENAIS_RUN_DIR";

pub const DEFAULT_MAIN_CONFIG: &str = "/etc/ais/openais.conf";
pub const DEFAULT_AMF_CONFIG: &str = "/etc/ais/amf.conf";
pub const DEFAULT_AUTHKEY: &str = "/etc/ais/authkey";
pub const DEFAULT_IPC_SOCKET: &str = "@libais.socket";
pub const DEFAULT_RUN_DIR: &str = "/var/lib/openais";

/// Where everything is. An unset or empty variable gives the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub main_config: PathBuf,
    pub amf_config: PathBuf,
    /// The authkey read when `totem { }` names neither `keyfile` nor `key`.
    pub authkey: PathBuf,
    /// A filesystem path, or `@name` for the abstract namespace.
    pub ipc_socket: OsString,
    /// Working directory (created 0700 by the executive); holds the ring
    /// sequence number files.
    pub run_dir: PathBuf,
}

impl Paths {
    /// From the process environment.
    pub fn from_env() -> Paths {
        Paths::from_lookup(|name| std::env::var_os(name))
    }

    /// From any source of variables: `lookup(name)` is the variable's value.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Paths {
        let get = |name: &str, default: &str| -> OsString {
            lookup(name)
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| OsString::from(default))
        };
        Paths {
            main_config: get(ENV_MAIN_CONFIG, DEFAULT_MAIN_CONFIG).into(),
            amf_config: get(ENV_AMF_CONFIG, DEFAULT_AMF_CONFIG).into(),
            authkey: get(ENV_AUTHKEY, DEFAULT_AUTHKEY).into(),
            ipc_socket: get(ENV_IPC_SOCKET, DEFAULT_IPC_SOCKET),
            run_dir: get(ENV_RUN_DIR, DEFAULT_RUN_DIR).into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_unset_or_empty() {
        let p = Paths::from_lookup(|name| (name == ENV_RUN_DIR).then(OsString::new));
        assert_eq!(p.main_config, PathBuf::from("/etc/ais/openais.conf"));
        assert_eq!(p.amf_config, PathBuf::from("/etc/ais/amf.conf"));
        assert_eq!(p.authkey, PathBuf::from("/etc/ais/authkey"));
        assert_eq!(p.ipc_socket, OsString::from("@libais.socket"));
        assert_eq!(p.run_dir, PathBuf::from("/var/lib/openais"));
    }

    #[test]
    fn variables_override() {
        let p = Paths::from_lookup(|name| {
            Some(OsString::from(match name {
                ENV_MAIN_CONFIG => "/tmp/a.conf",
                ENV_AMF_CONFIG => "/tmp/amf.conf",
                ENV_AUTHKEY => "/tmp/key",
                ENV_IPC_SOCKET => "@node2.socket",
                ENV_RUN_DIR => "/tmp/run",
                _ => return None,
            }))
        });
        assert_eq!(p.main_config, PathBuf::from("/tmp/a.conf"));
        assert_eq!(p.amf_config, PathBuf::from("/tmp/amf.conf"));
        assert_eq!(p.authkey, PathBuf::from("/tmp/key"));
        assert_eq!(p.ipc_socket, OsString::from("@node2.socket"));
        assert_eq!(p.run_dir, PathBuf::from("/tmp/run"));
    }
}

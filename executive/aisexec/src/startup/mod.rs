//! From `aisexec [-f]` to a serving executive: command line, configuration,
//! logging, daemonizing, run directory, privileges, then the runtime.

mod access;
mod args;
mod boot_time;
mod daemon;
mod notify;
mod realtime;
mod run_dir;

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use log::{error, info};
use tokio::signal::unix::{signal, SignalKind};

pub use self::args::{ArgsError, Options, USAGE};
pub use self::daemon::{DaemonError, Readiness};
pub use self::notify::{notify, NotifyError, ENV_NOTIFY_SOCKET};
pub use self::run_dir::RunDirError;

use crate::config::{self, ConfigError, Paths};
use crate::executive::{Executive, RunError};
use crate::ipc::{EndpointError, IpcLimits, IpcServer, SocketName};
use crate::logging::{self, LoggingError};
use crate::net::{self, KeyLoadError, NetConfig, NetError, NetStatus, RingStatus, TotemOrdering};
use crate::ordering::{IdentityError, LocalNode, RingStore, RingStoreError};
use crate::service::{DuplicateService, ServiceManager};
use crate::services::{self, ServiceEnv};

/// Why the executive could not start, or stopped on its own.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// Printed as it is: `file:line: what is wrong`.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// Printed as it is: `file:line: what is wrong` of amf.conf.
    #[error("{0}")]
    AmfConfig(#[from] crate::config::amf::AmfConfigError),
    #[error("logging: {0}")]
    Logging(#[from] LoggingError),
    #[error("node identity: {0}")]
    Identity(#[from] IdentityError),
    #[error("totem: {0}")]
    Key(#[from] KeyLoadError),
    #[error("totem: {0}")]
    Net(#[from] NetError),
    #[error("OPENAIS_IPC_SOCKET is not valid UTF-8: {0:?}")]
    SocketNotUtf8(OsString),
    #[error(transparent)]
    Socket(#[from] EndpointError),
    #[error("daemonizing: {0}")]
    Daemon(#[from] DaemonError),
    #[error(transparent)]
    RunDir(#[from] RunDirError),
    #[error("ring sequence number: {0}")]
    RingStore(#[from] RingStoreError),
    #[error(transparent)]
    Services(#[from] DuplicateService),
    #[error("runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("signal handlers: {0}")]
    Signals(#[source] std::io::Error),
    #[error(transparent)]
    Run(#[from] RunError),
}

/// The whole program: parses `args` (without the program name), runs the
/// executive until SIGINT or SIGTERM, and gives the exit status.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let options = match Options::parse(args) {
        Ok(o) => o,
        // Written without `print!`, which panics on a closed stdout/stderr.
        Err(ArgsError::Help) => {
            let _ = writeln!(io::stdout(), "{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = writeln!(io::stderr(), "aisexec: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    logging::init_early();
    let mut readiness = None;
    match start(options, &mut readiness) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let text = match &e {
                // The one line a user must see to fix the file, unadorned.
                StartupError::Config(e) => e.to_string(),
                StartupError::AmfConfig(e) => e.to_string(),
                e => format!("aisexec: {e}"),
            };
            error!(target: "MAIN", "{text}");
            match readiness.take() {
                Some(r) => r.failed(&text),
                None if matches!(e, StartupError::Config(_) | StartupError::AmfConfig(_)) => {
                    let _ = writeln!(io::stderr(), "{text}");
                }
                None => {}
            }
            ExitCode::FAILURE
        }
    }
}

/// How long a starting executive holds requests back while it looks for
/// the running cluster (see [`ServiceManager::settle_until`]): the time a
/// merge with reachable members takes at most: a token loss, a
/// consensus, a join round and a merge detection. `None` when no other node can
/// exist: `udpu` whose only member is this node.
fn settle_time(totem: &config::TotemConfig, local: std::net::IpAddr) -> Option<Duration> {
    if totem.transport == config::Transport::Udpu && totem.members.iter().all(|m| *m == local) {
        return None;
    }
    let t = &totem.timeouts;
    let round = t.token + t.consensus + t.join + t.merge;
    Some(Duration::from_millis(round))
}

/// Starts and runs the executive. Once daemonized, `readiness` holds the
/// pipe to the waiting parent until the executive serves (or fails).
fn start(options: Options, readiness: &mut Option<Readiness>) -> Result<(), StartupError> {
    let paths = Paths::from_env();
    let config = config::load(&paths.main_config)?;
    // A broken amf.conf stops the executive like a broken openais.conf.
    let amf = match config.amf.mode {
        config::AmfMode::Enabled => Some(std::sync::Arc::new(config::amf::AmfModel::load(
            &paths.amf_config,
        )?)),
        config::AmfMode::Disabled => None,
    };
    let node = LocalNode::of_this_host(&config.totem)?;
    let security = net::load_security(&config.totem, &paths.authkey)?;
    let socket_text = paths
        .ipc_socket
        .to_str()
        .ok_or_else(|| StartupError::SocketNotUtf8(paths.ipc_socket.clone()))?;
    let socket_name = SocketName::parse(socket_text)?;

    if !options.foreground {
        *readiness = Some(daemon::daemonize()?);
    }
    let listener = socket_name.bind()?;
    logging::apply(&config.logging)?;
    info!(target: "MAIN", "openais-rs aisexec {} starting: node id {} ({})",
        env!("CARGO_PKG_VERSION"), node.id, node.address);
    config.totem.log_in_force();
    run_dir::enter(&paths.run_dir)?;
    realtime::apply();
    let policy = access::policy(&config.aisexec);
    let ipc_limits = IpcLimits::from_config(&config.aisexec);
    warn_if_descriptors_short(ipc_limits.max_connections);
    let ring_seq = match RingStore::new(&paths.run_dir, node.address).load() {
        Ok(seq) => seq,
        // A number no correct processor reaches: starting from it would
        // number every ring at the end of the space. Start afresh, as a
        // node whose run directory is new does; the file is overwritten by
        // the first ring.
        Err(e @ RingStoreError::Implausible { .. }) => {
            error!(target: "MAIN", "{e}: starting from ring sequence 0");
            0
        }
        Err(e) => return Err(e.into()),
    };
    let net_config = NetConfig::new(&config.totem, &node, ring_seq)?;

    let env = ServiceEnv {
        node_id: node.id,
        address: node.address,
        hostname: nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_else(|_| node.address.to_string()),
        boot_timestamp: boot_time::host_boot_ns(),
        config,
        amf,
    };
    let net_status = NetStatus::new(RingStatus::new(node.id, node.address));
    let mut service_list = services::all(&env);
    let names: Vec<&str> = service_list.iter().map(|s| s.name()).collect();
    let cluster_info = services::cfg::cluster_info(&names, &env.config.totem);
    service_list.push(Box::new(services::cfg::Cfg::new(
        net_status.clone(),
        cluster_info,
    )));
    let mut manager = ServiceManager::new(service_list)?;
    manager.set_quorum(env.config.quorum);
    info!(target: "SERV", "services: {}", manager.service_names().join(" "));
    if let Some(settle) = settle_time(&env.config.totem, node.address) {
        let settle_ns = i64::try_from(settle.as_nanos()).unwrap_or(i64::MAX);
        manager.settle_until(now_ns().saturating_add(settle_ns));
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(StartupError::Runtime)?;
    runtime.block_on(async move {
        let shutdown = shutdown_signal()?;
        reopen_log_on_hangup()?;
        let services = manager.service_ids().into_iter().collect();
        let (ipc, events) = IpcServer::start(socket_name, listener, policy, services, ipc_limits)?;
        let ordering = TotemOrdering::start(
            net_config,
            security,
            RingStore::new(&paths.run_dir, node.address),
            net_status,
        )?;
        // Serving: release the parent waiting in the shell (daemon), and
        // tell systemd (Type=notify, `aisexec -f`).
        if let Some(r) = readiness.take() {
            r.ready();
        }
        if let Err(e) = notify::notify("READY=1") {
            log::warn!(target: "MAIN", "{e}");
        }
        let shutdown = async move {
            shutdown.await;
            let _ = notify::notify("STOPPING=1");
        };
        Executive::new(ordering, ipc, events, manager)
            .run(shutdown)
            .await?;
        info!(target: "MAIN", "aisexec exiting");
        Ok(())
    })
}

/// Each library connection is two sockets: with fewer descriptors than
/// that, set-ups below `max_connections` would fail at accept instead of
/// being refused with a code. Worth a warning, not a refusal to start.
fn warn_if_descriptors_short(max_connections: usize) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit(2) writes only into the rlimit it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return;
    }
    // Totem's sockets, the log file, the listener and some slack.
    let needed = 2 * max_connections as u64 + 64;
    if lim.rlim_cur != libc::RLIM_INFINITY && lim.rlim_cur < needed {
        log::warn!(target: "MAIN",
            "open files limit {} is below the {needed} that max_connections {max_connections} needs; \
             raise it (ulimit -n) or lower max_connections",
            lim.rlim_cur);
    }
}

/// Completes on the first SIGINT or SIGTERM.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, StartupError> {
    let mut interrupt = signal(SignalKind::interrupt()).map_err(StartupError::Signals)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(StartupError::Signals)?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => info!(target: "MAIN", "SIGINT received"),
            _ = terminate.recv() => info!(target: "MAIN", "SIGTERM received"),
        }
    })
}

/// On every SIGHUP, opens the log file again at its path (logrotate
/// moved it away): a task of the executive's runtime.
fn reopen_log_on_hangup() -> Result<(), StartupError> {
    let mut hangup = signal(SignalKind::hangup()).map_err(StartupError::Signals)?;
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            match logging::reopen() {
                Ok(()) => info!(target: "MAIN", "SIGHUP received: log file reopened"),
                Err(e) => {
                    error!(target: "MAIN", "SIGHUP received: {e}; still logging to the old file")
                }
            }
        }
    });
    Ok(())
}

/// Nanoseconds since the epoch (SaTimeT).
fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

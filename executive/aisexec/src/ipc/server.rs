//! The IPC server: accepts library sockets, authenticates them, pairs each
//! request socket with its dispatch socket, and turns what the sockets
//! carry into [`ConnEvent`]s for the service manager.
//!
//! The server lives in the executive's task and is driven by
//! [`IpcServer::handle`] with the [`IpcEvent`]s its socket tasks report;
//! it never waits for a client. Everything a client can get wrong (a bad
//! frame, a bad hello, no dispatch socket, not reading its callbacks) ends
//! that client's connection only.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use log::{debug, info, warn};
use sa_abi::ais::{
    SA_AIS_ERR_LIBRARY, SA_AIS_ERR_NOT_SUPPORTED, SA_AIS_ERR_NO_RESOURCES, SA_AIS_ERR_SECURITY,
    SA_AIS_ERR_VERSION, SA_AIS_OK,
};
use sa_ipc::frame::{Frame, FrameError, KIND_HELLO, MAX_FRAME};
use sa_ipc::hello::{Hello, HelloReply, Role, MAX_HELLO_FRAME, PROTOCOL_VERSION};
use sa_ipc::proto::{service, Payload};
use tokio::io::AsyncWriteExt;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::endpoint::{EndpointError, SocketName};
use super::peer::{AccessPolicy, PeerCred};
use super::rate_limit::RateLimit;
use super::socket::{
    read_frame_limited, spawn_reader, spawn_writer, ConnId, IpcEvent, Outbox, OutboxError,
    QueueBudget, SocketId,
};
use super::stats::{IpcStats, IpcStatsSnapshot};
use crate::service::{ConnInfo, LibraryLink};

/// Limits of the IPC server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpcLimits {
    /// How long a new socket may take to send its hello, and a request
    /// socket to be joined by its dispatch socket.
    pub setup_timeout: Duration,
    /// Bytes queued for one socket that its client has not read yet; past
    /// this the client is dropped.
    pub queue_limit: usize,
    /// Events the socket tasks may queue for the executive before they
    /// wait (back-pressure on reading clients).
    pub event_queue: usize,
    /// Library connections (established, or a request socket waiting for
    /// its dispatch socket) served at once; the next request socket's
    /// set-up is refused with `SA_AIS_ERR_NO_RESOURCES`.
    pub max_connections: usize,
    /// Bytes queued for all sockets together that their clients have not
    /// read; past this the connection with the most is dropped.
    pub total_queue_limit: usize,
}

impl Default for IpcLimits {
    fn default() -> Self {
        IpcLimits {
            setup_timeout: Duration::from_secs(5),
            queue_limit: 8 * sa_ipc::frame::MAX_FRAME,
            event_queue: 256,
            max_connections: crate::config::DEFAULT_MAX_CONNECTIONS as usize,
            total_queue_limit: queue_budget(crate::config::DEFAULT_MAX_QUEUED_BYTES),
        }
    }
}

/// What the clients' queues together may hold under `aisexec {
/// max_queued_bytes }`: the cap is the memory the clients' backlog may
/// cost the executive, so the queues get 7/8 of it and the rest is
/// headroom for what is on its way into them (a delivery being copied to
/// each member, the frame being encoded) and the allocator's slack. At
/// least one frame of the largest size, as the configuration guarantees.
fn queue_budget(max_queued_bytes: u64) -> usize {
    let cap = usize::try_from(max_queued_bytes).unwrap_or(usize::MAX);
    (cap - cap / 8).max(MAX_FRAME).min(cap)
}

impl IpcLimits {
    /// The defaults with the bounds `aisexec { }` sets.
    pub fn from_config(config: &crate::config::AisexecConfig) -> IpcLimits {
        IpcLimits {
            max_connections: config.max_connections as usize,
            total_queue_limit: queue_budget(config.max_queued_bytes),
            ..IpcLimits::default()
        }
    }
}

/// What happened to library connections, for the service manager.
#[derive(Debug)]
pub enum ConnEvent {
    /// Both sockets are there: the connection is open.
    Opened { service: u16, info: ConnInfo },
    /// A request frame (its service is the connection's).
    Request {
        service: u16,
        conn: ConnId,
        frame: Frame,
    },
    /// The connection ended; it will carry nothing more.
    Closed { service: u16, conn: ConnId },
}

/// One socket's tasks and queue; dropping it stops both tasks, which
/// closes the socket.
#[derive(Debug)]
struct Half {
    outbox: Outbox,
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

impl Drop for Half {
    fn drop(&mut self) {
        self.reader.abort();
        self.writer.abort();
    }
}

/// A request socket waiting for its dispatch socket.
#[derive(Debug)]
struct Pending {
    service: u16,
    cred: PeerCred,
    request: Half,
    since: Instant,
}

/// An established library connection.
#[derive(Debug)]
struct Connection {
    service: u16,
    cred: PeerCred,
    request: Half,
    dispatch: Half,
}

/// Why the server ends a connection.
#[derive(Debug)]
enum DropReason {
    /// The client closed a socket.
    ClientClosed,
    /// The client broke the protocol.
    Protocol(String),
    /// The client left more than the limit unread.
    Overflow(String),
    /// The services or the executive asked for it.
    Requested,
}

/// The library-facing side of the executive.
#[derive(Debug)]
pub struct IpcServer {
    name: SocketName,
    policy: AccessPolicy,
    services: BTreeSet<u16>,
    limits: IpcLimits,
    events: mpsc::Sender<IpcEvent>,
    pending: HashMap<ConnId, Pending>,
    conns: HashMap<ConnId, Connection>,
    out: VecDeque<ConnEvent>,
    stats: Arc<IpcStats>,
    budget: Arc<QueueBudget>,
    protocol_log: RateLimit,
    refusal_log: RateLimit,
    accept: JoinHandle<()>,
}

impl IpcServer {
    /// Starts accepting on `listener` (bound from `name` by
    /// [`SocketName::bind`]). The receiver yields the events to feed to
    /// [`IpcServer::handle`]. Must run inside the tokio runtime.
    pub fn start(
        name: SocketName,
        listener: std::os::unix::net::UnixListener,
        policy: AccessPolicy,
        services: BTreeSet<u16>,
        limits: IpcLimits,
    ) -> Result<(IpcServer, mpsc::Receiver<IpcEvent>), EndpointError> {
        let listener = UnixListener::from_std(listener).map_err(|source| EndpointError::Io {
            name: name.to_string(),
            source,
        })?;
        let (events, rx) = mpsc::channel(limits.event_queue.max(1));
        let stats = Arc::new(IpcStats::default());
        let accept = tokio::spawn(accept_loop(
            listener,
            events.clone(),
            stats.clone(),
            limits.setup_timeout,
        ));
        info!(target: "IPC", "listening for library connections on {name}");
        let server = IpcServer {
            name,
            policy,
            services,
            limits,
            events,
            pending: HashMap::new(),
            conns: HashMap::new(),
            out: VecDeque::new(),
            stats,
            budget: QueueBudget::new(limits.total_queue_limit),
            protocol_log: RateLimit::new(Duration::from_secs(10), 10),
            refusal_log: RateLimit::new(Duration::from_secs(10), 10),
            accept,
        };
        Ok((server, rx))
    }

    /// The next connection event, once [`IpcServer::handle`] (or a
    /// disconnect) produced one.
    pub fn next_event(&mut self) -> Option<ConnEvent> {
        self.out.pop_front()
    }

    pub fn stats(&self) -> IpcStatsSnapshot {
        self.stats.snapshot()
    }

    /// Established connections.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// Bytes queued for all clients and not yet written.
    pub fn queued_bytes(&self) -> usize {
        self.budget.total()
    }

    /// Processes one event of the socket tasks.
    pub fn handle(&mut self, event: IpcEvent) {
        match event {
            IpcEvent::Hello {
                stream,
                cred,
                frame,
            } => self.hello(stream, cred, frame),
            IpcEvent::SetupFailed { cred, error } => self.setup_failed(cred, error),
            IpcEvent::Frame { socket, frame } => self.frame(socket, frame),
            IpcEvent::Closed { socket, error } => {
                let reason = match error {
                    None => DropReason::ClientClosed,
                    Some(FrameError::Io(e)) => {
                        debug!(target: "IPC", "connection {}: {e}", socket.conn);
                        DropReason::ClientClosed
                    }
                    Some(e) => DropReason::Protocol(e.to_string()),
                };
                self.drop_conn(socket.conn, reason);
            }
        }
    }

    /// Drops request sockets whose dispatch socket did not come in time.
    pub fn expire_pending(&mut self, now: Instant) {
        let timeout = self.limits.setup_timeout;
        let late: Vec<ConnId> = self
            .pending
            .iter()
            .filter(|(_, p)| now.duration_since(p.since) >= timeout)
            .map(|(id, _)| *id)
            .collect();
        for conn in late {
            let reason = format!("no dispatch connection within {timeout:?}");
            self.drop_conn(conn, DropReason::Protocol(reason));
        }
    }

    /// Ends every connection (each established one reports `Closed`) and
    /// stops listening.
    pub fn close_all(&mut self) {
        self.accept.abort();
        self.pending.clear();
        let conns: Vec<ConnId> = self.conns.keys().copied().collect();
        for conn in conns {
            self.drop_conn(conn, DropReason::Requested);
        }
        self.name.unlink();
    }

    fn hello(&mut self, stream: UnixStream, cred: PeerCred, frame: Frame) {
        if frame.kind != KIND_HELLO {
            return self.setup_protocol_error(&cred, "first frame is not a hello");
        }
        let hello = match Hello::from_payload(&frame.payload) {
            Ok(h) => h,
            Err(e) => return self.setup_protocol_error(&cred, &format!("bad hello: {e}")),
        };
        if hello.service != frame.service {
            return self.setup_protocol_error(&cred, "hello service differs from its frame's");
        }
        if hello.version != PROTOCOL_VERSION {
            self.refuse(stream, &frame, SA_AIS_ERR_VERSION);
            return self.log_refusal(&cred, &format!("protocol version {}", hello.version));
        }
        if !self.services.contains(&hello.service) {
            self.refuse(stream, &frame, SA_AIS_ERR_NOT_SUPPORTED);
            return self.log_refusal(&cred, &format!("no service {}", hello.service));
        }
        if !self.policy.allows(&cred) {
            self.refuse(stream, &frame, SA_AIS_ERR_SECURITY);
            let why = match self.policy.group_gid {
                Some(gid) => format!("neither root nor group {gid}"),
                None => "not root (the configured group does not exist)".to_string(),
            };
            return self.log_refusal(&cred, &why);
        }
        match hello.role {
            Role::Request => self.request_hello(stream, cred, &frame, hello),
            Role::Dispatch => self.dispatch_hello(stream, cred, &frame, hello),
        }
    }

    fn request_hello(&mut self, stream: UnixStream, cred: PeerCred, frame: &Frame, hello: Hello) {
        // Counted at the request socket: a dispatch socket only completes
        // a connection already counted.
        let limit = self.limits.max_connections;
        if self.conns.len() + self.pending.len() >= limit {
            self.refuse(stream, frame, SA_AIS_ERR_NO_RESOURCES);
            return self.log_refusal(&cred, &format!("connection limit {limit} reached"));
        }
        let conn = self.fresh_conn_id();
        let request = self.start_half(
            SocketId {
                conn,
                role: Role::Request,
            },
            stream,
        );
        let reply = hello_answer(
            frame,
            SA_AIS_OK,
            HelloReply { conn_id: conn.0 }.to_payload(),
        );
        if let Err(e) = request.outbox.push(&reply) {
            // The clients' total is full: answerable again once the
            // largest non-reader is dropped.
            return self.log_refusal(&cred, &format!("cannot answer its hello: {e}"));
        }
        debug!(target: "IPC", "request connection {conn} for {} from {cred}",
            service::name(hello.service));
        self.pending.insert(
            conn,
            Pending {
                service: hello.service,
                cred,
                request,
                since: Instant::now(),
            },
        );
    }

    fn dispatch_hello(&mut self, stream: UnixStream, cred: PeerCred, frame: &Frame, hello: Hello) {
        let conn = ConnId(hello.conn_id);
        let Some(pending) = self.pending.get(&conn) else {
            self.refuse(stream, frame, SA_AIS_ERR_LIBRARY);
            return self.log_refusal(
                &cred,
                "dispatch connection for no pending request connection",
            );
        };
        if pending.cred != cred {
            self.refuse(stream, frame, SA_AIS_ERR_SECURITY);
            let owner = pending.cred;
            return self.log_refusal(
                &cred,
                &format!("dispatch connection from another process than its request connection ({owner})"),
            );
        }
        if pending.service != hello.service {
            self.refuse(stream, frame, SA_AIS_ERR_LIBRARY);
            return self.log_refusal(&cred, "dispatch connection for another service");
        }
        let Some(pending) = self.pending.remove(&conn) else {
            return;
        };
        let dispatch = self.start_half(
            SocketId {
                conn,
                role: Role::Dispatch,
            },
            stream,
        );
        let ok = hello_answer(frame, SA_AIS_OK, Vec::new());
        if let Err(e) = dispatch.outbox.push(&ok) {
            return self.log_refusal(&cred, &format!("cannot answer its dispatch hello: {e}"));
        }
        IpcStats::bump(&self.stats.established);
        debug!(target: "IPC", "connection {conn} for {} established ({cred})",
            service::name(pending.service));
        let service = pending.service;
        self.conns.insert(
            conn,
            Connection {
                service,
                cred,
                request: pending.request,
                dispatch,
            },
        );
        self.out.push_back(ConnEvent::Opened {
            service,
            info: ConnInfo { conn, cred },
        });
    }

    fn frame(&mut self, socket: SocketId, frame: Frame) {
        let conn = socket.conn;
        if self.pending.contains_key(&conn) {
            return self.drop_conn(
                conn,
                DropReason::Protocol("request before the dispatch connection".into()),
            );
        }
        let Some(c) = self.conns.get(&conn) else {
            IpcStats::bump(&self.stats.dropped_frames);
            return;
        };
        let problem = if socket.role == Role::Dispatch {
            Some("a frame on the dispatch socket")
        } else if frame.kind == KIND_HELLO {
            Some("a second hello")
        } else if frame.service != c.service {
            Some("a frame for another service")
        } else {
            None
        };
        if let Some(problem) = problem {
            return self.drop_conn(conn, DropReason::Protocol(problem.into()));
        }
        let service = c.service;
        self.out.push_back(ConnEvent::Request {
            service,
            conn,
            frame,
        });
    }

    /// A request frame was not understood (unknown kind, bad payload).
    pub fn protocol_error(&mut self, conn: ConnId, what: &str) {
        self.drop_conn(conn, DropReason::Protocol(what.to_string()));
    }

    fn drop_conn(&mut self, conn: ConnId, reason: DropReason) {
        let (service, cred, established) = if let Some(p) = self.pending.remove(&conn) {
            (p.service, p.cred, false)
        } else if let Some(c) = self.conns.remove(&conn) {
            (c.service, c.cred, true)
        } else {
            return;
        };
        match &reason {
            DropReason::ClientClosed | DropReason::Requested => {
                debug!(target: "IPC", "connection {conn} for {} closed ({cred})",
                    service::name(service));
            }
            DropReason::Protocol(what) => {
                IpcStats::bump(&self.stats.protocol_errors);
                IpcStats::bump(&self.stats.dropped_frames);
                if let Some(suppressed) = self.protocol_log.check(Instant::now()) {
                    warn!(target: "IPC", "dropping connection {conn} of {cred}: protocol error: {what}{}",
                        suppressed_note(suppressed));
                }
            }
            DropReason::Overflow(what) => {
                IpcStats::bump(&self.stats.overflows);
                IpcStats::bump(&self.stats.dropped_frames);
                if let Some(suppressed) = self.protocol_log.check(Instant::now()) {
                    warn!(target: "IPC", "dropping connection {conn} of {cred}: it does not read: {what}{}",
                        suppressed_note(suppressed));
                }
            }
        }
        if established {
            self.out.push_back(ConnEvent::Closed { service, conn });
        }
    }

    fn setup_failed(&mut self, cred: Option<PeerCred>, error: FrameError) {
        let who = cred.map_or_else(|| "unknown peer".to_string(), |c| c.to_string());
        match error {
            // Connected and went away without a word: nothing wrong.
            FrameError::Closed => debug!(target: "IPC", "{who} closed before its hello"),
            FrameError::TimedOut => self.log_setup_error(&who, "no hello in time"),
            e => self.log_setup_error(&who, &e.to_string()),
        }
    }

    fn setup_protocol_error(&mut self, cred: &PeerCred, what: &str) {
        self.log_setup_error(&cred.to_string(), what);
    }

    fn log_setup_error(&mut self, who: &str, what: &str) {
        IpcStats::bump(&self.stats.protocol_errors);
        if let Some(suppressed) = self.protocol_log.check(Instant::now()) {
            warn!(target: "IPC", "dropping new connection of {who}: protocol error: {what}{}",
                suppressed_note(suppressed));
        }
    }

    fn log_refusal(&mut self, cred: &PeerCred, why: &str) {
        IpcStats::bump(&self.stats.refused);
        if let Some(suppressed) = self.refusal_log.check(Instant::now()) {
            warn!(target: "IPC", "refused connection from {cred}: {why}{}",
                suppressed_note(suppressed));
        }
    }

    /// Answers a hello with an error and closes the socket, without ever
    /// waiting for the client in the executive's task.
    fn refuse(&self, mut stream: UnixStream, hello: &Frame, error: u32) {
        let reply = hello_answer(hello, error, Vec::new());
        let timeout = self.limits.setup_timeout;
        tokio::spawn(async move {
            if let Ok(bytes) = reply.to_bytes() {
                let _ = tokio::time::timeout(timeout, stream.write_all(&bytes)).await;
            }
        });
    }

    fn start_half(&self, socket: SocketId, stream: UnixStream) -> Half {
        let (read, write) = stream.into_split();
        let reader = spawn_reader(socket, read, self.events.clone());
        let (outbox, writer) = spawn_writer(
            socket,
            write,
            self.limits.queue_limit,
            self.budget.clone(),
            self.events.clone(),
        );
        Half {
            outbox,
            reader,
            writer,
        }
    }

    fn fresh_conn_id(&self) -> ConnId {
        loop {
            // The kernel's CSPRNG, or (should it fail) a randomly keyed
            // hash: either way a value, so the loop cannot spin for ever.
            let id = ConnId(sa_ipc::random_u64());
            if id.0 != 0 && !self.conns.contains_key(&id) && !self.pending.contains_key(&id) {
                return id;
            }
        }
    }

    fn queue(&mut self, conn: ConnId, role: Role, frame: Frame) {
        let error = loop {
            let Some(half) = self.half(conn, role) else {
                IpcStats::bump(&self.stats.dropped_frames);
                return;
            };
            match half.outbox.push(&frame) {
                Ok(()) => return,
                Err(OutboxError::TotalOverflow { total, limit }) => {
                    if !self.drop_largest(conn, total, limit) {
                        return;
                    }
                    // Room was made by dropping another: try again.
                }
                Err(e) => break e,
            }
        };
        match error {
            OutboxError::Overflow { queued, limit } => {
                let what = format!("{queued} bytes unread on its {role:?} socket, limit {limit}");
                self.drop_conn(conn, DropReason::Overflow(what));
            }
            OutboxError::Frame(e) => {
                // A service built a frame past MAX_FRAME: a bug of ours,
                // not of the client. Answer a request anyway so the call
                // returns; a callback is lost.
                IpcStats::bump(&self.stats.dropped_frames);
                log::error!(target: "IPC", "{} frame {} for connection {conn} not sent: {e}",
                    service::name(frame.service), frame.kind);
                if role == Role::Request {
                    let mut substitute = frame;
                    substitute.error = SA_AIS_ERR_NO_RESOURCES;
                    substitute.payload.clear();
                    // Should the clients' total be full, the call ends
                    // in the library's timeout instead.
                    if let Some(half) = self.half(conn, role) {
                        let _ = half.outbox.push(&substitute);
                    }
                }
            }
            OutboxError::Closed | OutboxError::TotalOverflow { .. } => {
                // The writer stopped; its Closed event is on its way.
                IpcStats::bump(&self.stats.dropped_frames);
            }
        }
    }

    fn half(&self, conn: ConnId, role: Role) -> Option<&Half> {
        let c = self.conns.get(&conn)?;
        Some(match role {
            Role::Request => &c.request,
            Role::Dispatch => &c.dispatch,
        })
    }

    /// All clients' unread bytes reached their limit while queueing for
    /// `conn`: drops the connection with the most unread bytes, the one
    /// most likely not reading at all and whose drop frees the most.
    /// Dropping the connection being queued for instead would punish a
    /// client that reads for the others' backlog (a multicast reaches
    /// readers and non-readers alike). The search is linear in the
    /// connections, and each drop frees at least the average backlog.
    /// `false` when the one dropped is `conn` itself.
    fn drop_largest(&mut self, conn: ConnId, total: usize, limit: usize) -> bool {
        let unread = |c: &Connection| c.request.outbox.queued() + c.dispatch.outbox.queued();
        let (bytes, victim) = self
            .conns
            .iter()
            .map(|(id, c)| (unread(c), *id))
            .max()
            .filter(|&(bytes, _)| bytes > 0)
            .unwrap_or((0, conn));
        let what = format!(
            "{bytes} bytes unread, the most of any connection, while all clients \
             together have {total} unread, limit {limit}"
        );
        self.drop_conn(victim, DropReason::Overflow(what));
        victim != conn
    }
}

impl LibraryLink for IpcServer {
    fn send_response(&mut self, conn: ConnId, frame: Frame) {
        self.queue(conn, Role::Request, frame);
    }

    fn send_callback(&mut self, conn: ConnId, frame: Frame) {
        self.queue(conn, Role::Dispatch, frame);
    }

    fn disconnect(&mut self, conn: ConnId) {
        self.drop_conn(conn, DropReason::Requested);
    }
}

impl Drop for IpcServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// The executive's answer to a hello frame.
fn hello_answer(hello: &Frame, error: u32, payload: Vec<u8>) -> Frame {
    Frame {
        service: hello.service,
        kind: KIND_HELLO,
        error,
        seq: hello.seq,
        payload,
    }
}

fn suppressed_note(n: u64) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" ({n} similar messages suppressed)")
    }
}

async fn accept_loop(
    listener: UnixListener,
    events: mpsc::Sender<IpcEvent>,
    stats: Arc<IpcStats>,
    setup_timeout: Duration,
) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                IpcStats::bump(&stats.accepted);
                tokio::spawn(setup(stream, events.clone(), setup_timeout));
            }
            Err(e) => {
                // Out of descriptors or memory: back off instead of spinning.
                warn!(target: "IPC", "accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Reads a new socket's first frame, bounded in time.
async fn setup(mut stream: UnixStream, events: mpsc::Sender<IpcEvent>, timeout: Duration) {
    let cred = match PeerCred::of(&stream) {
        Ok(c) => c,
        Err(e) => {
            let error = FrameError::Io(e);
            let _ = events
                .send(IpcEvent::SetupFailed { cred: None, error })
                .await;
            return;
        }
    };
    // Nothing is known of the peer yet but its credentials: it may make the
    // executive buffer one hello, not a frame of the largest size.
    let hello = read_frame_limited(&mut stream, MAX_HELLO_FRAME);
    let event = match tokio::time::timeout(timeout, hello).await {
        Ok(Ok(frame)) => IpcEvent::Hello {
            stream,
            cred,
            frame,
        },
        Ok(Err(error)) => IpcEvent::SetupFailed {
            cred: Some(cred),
            error,
        },
        Err(_) => IpcEvent::SetupFailed {
            cred: Some(cred),
            error: FrameError::TimedOut,
        },
    };
    let _ = events.send(event).await;
}

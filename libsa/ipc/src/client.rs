//! The library side of one library handle's connection to the executive:
//! a request socket (requests and their responses, one at a time) and a
//! dispatch socket (callbacks only; its fd is the SA selection object).
//!
//! Every wait is bounded: an executive that died is noticed at once (EOF,
//! EPIPE), one that hangs after the request's timeout (or, while
//! connecting, after [`SETUP_TIMEOUT`], even when it stopped accepting
//! and its listen backlog is full). A response that arrives after its
//! request timed out is recognised by its seq and discarded, so the
//! connection stays usable.
//!
//! Errors map to SaAisErrorT with [`IpcError::to_ais`]; in particular no
//! executive listening (or none accepting) gives SA_AIS_ERR_TRY_AGAIN, as
//! openais does and as B.01.01 describes it ("the service cannot be
//! provided at this time"): the conformance suite's `CF_RETRY` retries
//! exactly that code.

use std::collections::{HashMap, HashSet};
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use sa_abi::ais::{
    SaAisErrorT, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_LIBRARY, SA_AIS_ERR_TIMEOUT,
    SA_AIS_ERR_TRY_AGAIN, SA_AIS_OK,
};

use crate::address::SocketAddress;
use crate::callbacks::CallbackBuffer;
use crate::codec::DecodeError;
use crate::ffi::lock;
use crate::frame::{read_frame, Frame, FrameError, KIND_HELLO};
use crate::hello::{Hello, HelloReply, Role, PROTOCOL_VERSION};
use crate::proto::{Payload, Request};
use crate::sys::{poll_readable, send_all};

/// Bound on connection set-up (each connect + hello exchange).
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Bound on a request whose API call has no timeout argument. Long enough
/// for a request ordered through Totem while the ring re-forms (the
/// executive answers SA_AIS_ERR_TRY_AGAIN during a sync rather than
/// holding a request).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Bound on receiving the rest of a frame once its first bytes arrived;
/// the executive writes whole frames, so only a hung executive hits it.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(5);

/// What went wrong on a library connection.
#[derive(Debug, thiserror::Error)]
pub enum IpcError {
    /// Nothing listens at the socket (executive not running) or the
    /// connection could not be made.
    #[error("cannot connect to the executive at {addr}: {source}")]
    Connect {
        addr: String,
        #[source]
        source: io::Error,
    },
    /// The executive answered the set-up with this SaAisErrorT (e.g.
    /// SA_AIS_ERR_SECURITY for a peer outside the configured group).
    #[error("the executive refused the connection with SaAisErrorT {0}")]
    Refused(SaAisErrorT),
    /// The executive closed the connection.
    #[error("the executive closed the connection")]
    Closed,
    /// No answer within the time allowed.
    #[error("no answer from the executive in time")]
    Timeout,
    /// The library shut the connection down (its handle was finalized)
    /// while the call was waiting.
    #[error("connection shut down by finalize")]
    Shutdown,
    /// A frame that violates the protocol.
    #[error("protocol error: {0}")]
    Frame(#[source] FrameError),
    /// A payload that does not decode.
    #[error("protocol error: {0}")]
    Decode(#[from] DecodeError),
    /// A response for another service or kind than the request's.
    #[error("protocol error: unexpected frame (service {service}, kind {kind})")]
    Unexpected { service: u16, kind: u16 },
    /// Any other socket failure.
    #[error("i/o error: {0}")]
    Io(#[source] io::Error),
}

impl From<FrameError> for IpcError {
    fn from(e: FrameError) -> Self {
        match e {
            FrameError::Closed | FrameError::Truncated { .. } => IpcError::Closed,
            FrameError::TimedOut => IpcError::Timeout,
            FrameError::Io(e) => IpcError::from(e),
            other => IpcError::Frame(other),
        }
    }
}

impl From<io::Error> for IpcError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::UnexpectedEof => IpcError::Closed,
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => IpcError::Timeout,
            _ => IpcError::Io(e),
        }
    }
}

impl IpcError {
    /// The SaAisErrorT a C caller gets for this failure.
    pub fn to_ais(&self) -> SaAisErrorT {
        match self {
            IpcError::Connect { .. } => SA_AIS_ERR_TRY_AGAIN,
            IpcError::Refused(code) => *code,
            IpcError::Timeout => SA_AIS_ERR_TIMEOUT,
            IpcError::Shutdown => SA_AIS_ERR_BAD_HANDLE,
            IpcError::Closed
            | IpcError::Frame(_)
            | IpcError::Decode(_)
            | IpcError::Unexpected { .. }
            | IpcError::Io(_) => SA_AIS_ERR_LIBRARY,
        }
    }
}

/// A typed call failed: either the executive answered with an error code
/// or the connection failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("the executive answered SaAisErrorT {0}")]
    Ais(SaAisErrorT),
    #[error(transparent)]
    Ipc(#[from] IpcError),
}

impl CallError {
    /// The SaAisErrorT a C caller gets.
    pub fn to_ais(&self) -> SaAisErrorT {
        match self {
            CallError::Ais(code) => *code,
            CallError::Ipc(e) => e.to_ais(),
        }
    }
}

#[derive(Debug)]
struct RequestState {
    next_seq: u32,
    /// A frame was cut in the middle: the stream is out of step.
    broken: bool,
}

/// The responses of the request socket, shared by the threads waiting
/// for them.
#[derive(Debug, Default)]
struct ResponseState {
    /// Seqs of the requests whose callers still wait.
    waiting: HashSet<u32>,
    /// Responses read for a waiter that has not taken them yet.
    arrived: HashMap<u32, Frame>,
    /// A thread is reading the socket.
    reading: bool,
    /// A read failed inside a frame, or a response did not match its
    /// request: the stream is out of step.
    broken: bool,
}

/// One library handle's pair of connections to the executive.
/// `Send + Sync`: requests of several threads may be outstanding at
/// once, callbacks can be read from several threads.
#[derive(Debug)]
pub struct Connection {
    service: u16,
    conn_id: u64,
    request: UnixStream,
    dispatch: UnixStream,
    request_state: Mutex<RequestState>,
    responses: Mutex<ResponseState>,
    responses_changed: Condvar,
    dispatch_state: Mutex<DispatchState>,
    shut: AtomicBool,
}

/// The dispatch socket's reading side, shared by the threads that
/// dispatch.
#[derive(Debug, Default)]
struct DispatchState {
    /// A read failed inside a frame: the stream is out of step.
    broken: bool,
    buffer: CallbackBuffer,
}

/// Sends a whole frame on a socket without SIGPIPE.
fn send_frame(stream: &UnixStream, frame: &Frame) -> Result<(), IpcError> {
    let bytes = frame.to_bytes().map_err(IpcError::Frame)?;
    send_all(stream.as_raw_fd(), &bytes).map_err(IpcError::from)
}

/// Waits up to `timeout` for a frame and reads it.
fn recv_frame_within(stream: &UnixStream, timeout: Duration) -> Result<Frame, IpcError> {
    if !poll_readable(stream.as_raw_fd(), Some(timeout)).map_err(IpcError::from)? {
        return Err(IpcError::Timeout);
    }
    Ok(read_frame(&mut &*stream)?)
}

/// Connects one half and exchanges the hello; returns the reply frame.
fn open_half(addr: &SocketAddress, hello: Hello) -> Result<(UnixStream, Frame), IpcError> {
    // The write timeout is SETUP_TIMEOUT from the connect on.
    let stream = addr
        .connect_within(SETUP_TIMEOUT)
        .map_err(|source| IpcError::Connect {
            addr: addr.to_string(),
            source,
        })?;
    stream
        .set_read_timeout(Some(FRAME_TIMEOUT))
        .map_err(IpcError::Io)?;
    let frame = Frame::request(hello.service, KIND_HELLO, 0, hello.to_payload());
    send_frame(&stream, &frame)?;
    let reply = recv_frame_within(&stream, SETUP_TIMEOUT)?;
    if reply.service != hello.service || reply.kind != KIND_HELLO {
        return Err(IpcError::Unexpected {
            service: reply.service,
            kind: reply.kind,
        });
    }
    if reply.error != SA_AIS_OK {
        return Err(IpcError::Refused(reply.error));
    }
    Ok((stream, reply))
}

impl Connection {
    /// Connects to the executive named by `OPENAIS_IPC_SOCKET` for `service`.
    pub fn connect(service: u16) -> Result<Connection, IpcError> {
        Connection::connect_to(&SocketAddress::from_env(), service)
    }

    /// Connects to the executive at `addr` for `service`: the request
    /// connection, then the dispatch connection paired with it.
    pub fn connect_to(addr: &SocketAddress, service: u16) -> Result<Connection, IpcError> {
        let (request, reply) = open_half(
            addr,
            Hello {
                role: Role::Request,
                service,
                version: PROTOCOL_VERSION,
                conn_id: 0,
            },
        )?;
        let conn_id = HelloReply::from_payload(&reply.payload)?.conn_id;
        let (dispatch, reply) = open_half(
            addr,
            Hello {
                role: Role::Dispatch,
                service,
                version: PROTOCOL_VERSION,
                conn_id,
            },
        )?;
        if !reply.payload.is_empty() {
            return Err(DecodeError::TrailingBytes(reply.payload.len()).into());
        }
        request
            .set_write_timeout(Some(DEFAULT_REQUEST_TIMEOUT))
            .map_err(IpcError::Io)?;
        log::debug!(
            "connected to {} for service {} (connection {conn_id:#x})",
            addr,
            crate::proto::service::name(service)
        );
        Ok(Connection {
            service,
            conn_id,
            request,
            dispatch,
            request_state: Mutex::new(RequestState {
                next_seq: 1,
                broken: false,
            }),
            responses: Mutex::new(ResponseState::default()),
            responses_changed: Condvar::new(),
            dispatch_state: Mutex::new(DispatchState::default()),
            shut: AtomicBool::new(false),
        })
    }

    /// The service this connection talks to.
    pub fn service(&self) -> u16 {
        self.service
    }

    /// The executive's id of this connection.
    pub fn conn_id(&self) -> u64 {
        self.conn_id
    }

    /// The dispatch socket's fd: the SA selection object. Readable exactly
    /// when a callback frame is pending (or the connection ended).
    pub fn dispatch_fd(&self) -> RawFd {
        self.dispatch.as_raw_fd()
    }

    /// Whether [`Connection::shutdown`] was called.
    pub fn is_shut_down(&self) -> bool {
        self.shut.load(Ordering::Acquire)
    }

    /// Ends both connections (the executive runs its exit hook for this
    /// client) and wakes every thread waiting on them; their calls return
    /// [`IpcError::Shutdown`]. The fds stay open until the `Connection` is
    /// dropped, so no other thread can see a recycled fd.
    pub fn shutdown(&self) {
        self.shut.store(true, Ordering::Release);
        let _ = self.request.shutdown(std::net::Shutdown::Both);
        let _ = self.dispatch.shutdown(std::net::Shutdown::Both);
        // Waiters without a reader notice at once.
        let _guard = lock(&self.responses);
        self.responses_changed.notify_all();
    }

    fn closed_error(&self) -> IpcError {
        if self.is_shut_down() {
            IpcError::Shutdown
        } else {
            IpcError::Closed
        }
    }

    /// Sends one request and waits up to `timeout` for its response;
    /// returns the response's error code and payload. Thread-safe, and
    /// requests of several threads may be outstanding at once (a
    /// saMsgMessageGet blocked in one thread while another cancels it):
    /// each waits for the response with its own seq. Whichever waiter
    /// finds nobody reading becomes the reader and files every response
    /// it reads for its waiter; the others wait on a condition variable.
    pub fn request(
        &self,
        kind: u16,
        payload: Vec<u8>,
        timeout: Duration,
    ) -> Result<(SaAisErrorT, Vec<u8>), IpcError> {
        if self.is_shut_down() {
            return Err(IpcError::Shutdown);
        }
        let seq = {
            let mut state = lock(&self.request_state);
            if state.broken || lock(&self.responses).broken {
                return Err(self.closed_error());
            }
            let seq = state.next_seq;
            state.next_seq = match state.next_seq.wrapping_add(1) {
                0 => 1,
                n => n,
            };
            // Registered before sending: the reader may be another thread.
            lock(&self.responses).waiting.insert(seq);
            let frame = Frame::request(self.service, kind, seq, payload);
            if let Err(e) = send_frame(&self.request, &frame) {
                lock(&self.responses).waiting.remove(&seq);
                // A send cut short leaves a partial frame behind.
                state.broken = !matches!(e, IpcError::Frame(FrameError::TooLarge(_)));
                return Err(match e {
                    IpcError::Closed => self.closed_error(),
                    e => e,
                });
            }
            seq
        };
        let response = self.await_response(seq, timeout)?;
        if response.service != self.service || response.kind != kind {
            lock(&self.responses).broken = true;
            return Err(IpcError::Unexpected {
                service: response.service,
                kind: response.kind,
            });
        }
        Ok((response.error, response.payload))
    }

    /// Waits up to `timeout` for the response to request `seq`.
    fn await_response(&self, seq: u32, timeout: Duration) -> Result<Frame, IpcError> {
        // A timeout too large for the clock (SA_TIME_END) waits for the
        // response or the end of the connection.
        let deadline = Instant::now().checked_add(timeout);
        let mut state = lock(&self.responses);
        loop {
            if let Some(frame) = state.arrived.remove(&seq) {
                state.waiting.remove(&seq);
                return Ok(frame);
            }
            if state.broken || self.is_shut_down() {
                state.waiting.remove(&seq);
                return Err(self.closed_error());
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l.is_zero()) {
                // A late response will be recognised by its seq.
                state.waiting.remove(&seq);
                return Err(IpcError::Timeout);
            }
            if state.reading {
                state = match left {
                    Some(l) => {
                        self.responses_changed
                            .wait_timeout(state, l)
                            .unwrap_or_else(|p| p.into_inner())
                            .0
                    }
                    None => self
                        .responses_changed
                        .wait(state)
                        .unwrap_or_else(|p| p.into_inner()),
                };
                continue;
            }
            // This thread reads, without the lock, so that other waiters
            // can check for their responses meanwhile.
            state.reading = true;
            drop(state);
            let read = match poll_readable(self.request.as_raw_fd(), left) {
                Ok(true) => read_frame(&mut &self.request)
                    .map(Some)
                    .map_err(IpcError::from),
                Ok(false) => Ok(None),
                Err(e) => Err(IpcError::from(e)),
            };
            state = lock(&self.responses);
            state.reading = false;
            match read {
                Ok(Some(frame)) => {
                    if state.waiting.contains(&frame.seq) {
                        state.arrived.insert(frame.seq, frame);
                    } else {
                        log::debug!(
                            "discarding response seq {} (kind {}) to a request that timed out",
                            frame.seq,
                            frame.kind
                        );
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    state.broken = true;
                    state.waiting.remove(&seq);
                    self.responses_changed.notify_all();
                    return Err(match e {
                        IpcError::Closed => self.closed_error(),
                        e => e,
                    });
                }
            }
            self.responses_changed.notify_all();
        }
    }

    /// Sends a typed request and decodes its reply; an error code other
    /// than SA_AIS_OK is [`CallError::Ais`].
    pub fn call_within<Q: Request>(
        &self,
        request: &Q,
        timeout: Duration,
    ) -> Result<Q::Reply, CallError> {
        if Q::SERVICE != self.service {
            return Err(IpcError::Unexpected {
                service: Q::SERVICE,
                kind: Q::KIND,
            }
            .into());
        }
        let (error, payload) = self.request(Q::KIND, request.to_payload(), timeout)?;
        if error != SA_AIS_OK {
            return Err(CallError::Ais(error));
        }
        Ok(Q::Reply::from_payload(&payload).map_err(IpcError::Decode)?)
    }

    /// [`Connection::call_within`] with [`DEFAULT_REQUEST_TIMEOUT`].
    pub fn call<Q: Request>(&self, request: &Q) -> Result<Q::Reply, CallError> {
        self.call_within(request, DEFAULT_REQUEST_TIMEOUT)
    }

    /// Reads the next callback frame from the dispatch socket, waiting up
    /// to `wait` (`Some(Duration::ZERO)`: only one already pending;
    /// `None`: until one arrives or the connection ends). `Ok(None)`:
    /// nothing arrived in time. `bulk`: the caller goes on reading until
    /// nothing is pending (DISPATCH_ALL, BLOCKING), so the socket may be
    /// read ahead (see [`crate::callbacks`]). Several threads may call
    /// this at once; each frame goes to exactly one of them.
    pub fn recv_callback(
        &self,
        wait: Option<Duration>,
        bulk: bool,
    ) -> Result<Option<Frame>, IpcError> {
        // A wait too large for the clock is a wait without limit.
        let deadline = wait.and_then(|w| Instant::now().checked_add(w));
        let fd = self.dispatch.as_raw_fd();
        loop {
            if self.is_shut_down() {
                return Err(IpcError::Shutdown);
            }
            if let Some(frame) = self.buffered_callback()? {
                return Ok(Some(frame));
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            // Waiting happens without the lock, so a blocked dispatcher
            // does not hold up others (nor Finalize).
            if !poll_readable(fd, left)? {
                if left.is_some_and(|l| l.is_zero()) {
                    return Ok(None);
                }
                continue;
            }
            let mut state = lock(&self.dispatch_state);
            if self.is_shut_down() {
                return Err(IpcError::Shutdown);
            }
            if state.broken {
                return Err(IpcError::Closed);
            }
            // Another thread may have read ahead meanwhile, or taken the
            // bytes that woke us.
            if state.buffer.pending_frame() {
                continue;
            }
            let filled = if bulk {
                state.buffer.fill_bulk(&self.dispatch)
            } else if poll_readable(fd, Some(Duration::ZERO))? {
                state.buffer.fill_one(&self.dispatch).map(|()| true)
            } else {
                Ok(false)
            };
            match filled {
                Ok(true) => {}
                Ok(false) => {
                    if left.is_some_and(|l| l.is_zero()) {
                        return Ok(None);
                    }
                }
                Err(FrameError::Closed) => return Err(self.closed_error()),
                Err(e) => {
                    state.broken = true;
                    return Err(match IpcError::from(e) {
                        IpcError::Closed => self.closed_error(),
                        e => e,
                    });
                }
            }
        }
    }

    /// A whole callback frame read ahead earlier, if there is one.
    fn buffered_callback(&self) -> Result<Option<Frame>, IpcError> {
        let mut state = lock(&self.dispatch_state);
        if state.broken {
            return Err(IpcError::Closed);
        }
        match state.buffer.take_frame() {
            Ok(frame) => Ok(frame),
            Err(e) => {
                state.broken = true;
                Err(e.into())
            }
        }
    }
}

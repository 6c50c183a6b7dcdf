//! The tasks that move frames between a socket and the executive: one
//! reader and one writer per socket. They own no state of the executive;
//! everything they learn goes to it as an [`IpcEvent`].

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use sa_ipc::frame::{Frame, FrameError, Header, HEADER_LEN, MAX_FRAME};
use sa_ipc::hello::Role;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;

use super::peer::PeerCred;

/// A library connection's id: the random, unguessable `conn_id` of the
/// hello exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// One socket of a library connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketId {
    pub conn: ConnId,
    pub role: Role,
}

/// What the socket tasks report to the executive.
#[derive(Debug)]
pub enum IpcEvent {
    /// A new socket sent its first frame.
    Hello {
        stream: UnixStream,
        cred: PeerCred,
        frame: Frame,
    },
    /// A new socket failed before its first frame was complete.
    SetupFailed {
        cred: Option<PeerCred>,
        error: FrameError,
    },
    /// A frame arrived on an established socket.
    Frame { socket: SocketId, frame: Frame },
    /// An established socket ended: `None` for a clean end of stream, else
    /// what went wrong (bad frame, I/O error).
    Closed {
        socket: SocketId,
        error: Option<FrameError>,
    },
}

/// Reads one whole frame; never allocates past what the size-checked
/// header announces.
pub async fn read_frame<R: AsyncRead + Unpin>(r: &mut R) -> Result<Frame, FrameError> {
    read_frame_limited(r, MAX_FRAME).await
}

/// [`read_frame`] for frames of at most `limit` bytes (header included):
/// a header announcing more is refused before any payload is read.
pub async fn read_frame_limited<R: AsyncRead + Unpin>(
    r: &mut R,
    limit: usize,
) -> Result<Frame, FrameError> {
    let mut head = [0u8; HEADER_LEN];
    let got = read_full(r, &mut head).await?;
    if got == 0 {
        return Err(FrameError::Closed);
    }
    if got < HEADER_LEN {
        return Err(FrameError::Truncated {
            got,
            want: HEADER_LEN,
        });
    }
    let header = Header::parse(&head)?;
    if header.size as usize > limit {
        return Err(FrameError::TooLarge(header.size as usize));
    }
    let mut payload = vec![0u8; header.payload_len()];
    let got = read_full(r, &mut payload).await?;
    if got < payload.len() {
        return Err(FrameError::Truncated {
            got: HEADER_LEN + got,
            want: header.size as usize,
        });
    }
    Ok(Frame::from_parts(header, payload))
}

async fn read_full<R: AsyncRead + Unpin>(r: &mut R, buf: &mut [u8]) -> Result<usize, FrameError> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]).await {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(got)
}

/// The most a socket's reader asks the kernel for at once, unless a frame
/// being read is larger: a frame's header and payload, and frames a client
/// wrote back to back, in one read.
pub(crate) const READ_BUFFER: usize = 64 * 1024;
/// What a socket's reader asks for first; doubled up to [`READ_BUFFER`]
/// while reads fill the buffer, halved while they use little of it.
const MIN_READ: usize = 4 * 1024;
/// Most bytes a socket's writer gathers from its queue into one write.
const WRITE_BATCH: usize = 64 * 1024;

/// The read buffer of one socket. It holds memory only while there is
/// something to read: it grows on demand (up to the frame being read,
/// [`MAX_FRAME`] at most) and is released whenever it is drained and the
/// socket has nothing more, so an idle connection costs no buffer.
#[derive(Debug)]
pub struct FrameReader {
    buf: Vec<u8>,
    /// Where the unparsed bytes of `buf` start.
    start: usize,
    /// How much the next read asks for (adapted to the client's pace).
    hint: usize,
    /// Whether the last read filled all it asked for: more is probably
    /// waiting, so the buffer is kept.
    busy: bool,
}

impl Default for FrameReader {
    fn default() -> Self {
        FrameReader {
            buf: Vec::new(),
            start: 0,
            hint: MIN_READ,
            busy: false,
        }
    }
}

impl FrameReader {
    /// Bytes allocated for reading now.
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// The next whole frame from `read`; `Err(FrameError::Closed)` at a
    /// clean end of stream (between frames). Cancel-safe: everything read
    /// is kept in `self` across awaits.
    pub async fn next(&mut self, read: &OwnedReadHalf) -> Result<Frame, FrameError> {
        loop {
            if let Some(frame) = self.parse()? {
                return Ok(frame);
            }
            if self.start == self.buf.len() && !self.busy {
                // Nothing buffered and nothing waiting: hold no memory
                // while the client is idle.
                self.buf = Vec::new();
                self.start = 0;
            }
            read.readable().await?;
            let asked = self.prepare();
            match read.try_read_buf(&mut self.buf) {
                Ok(0) => {
                    let left = self.buf.len() - self.start;
                    self.busy = false;
                    return Err(if left == 0 {
                        FrameError::Closed
                    } else {
                        FrameError::Truncated {
                            got: left,
                            want: self.needed(),
                        }
                    });
                }
                Ok(n) => self.adapt(n, asked),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
                    ) =>
                {
                    self.busy = false;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// A whole frame from the buffer, if one is there.
    fn parse(&mut self) -> Result<Option<Frame>, FrameError> {
        let Some((frame, used)) = Frame::parse(&self.buf[self.start..])? else {
            return Ok(None);
        };
        self.start += used;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        Ok(Some(frame))
    }

    /// Bytes the frame being read needs in all (its header's size, or a
    /// header's length while the header is incomplete).
    fn needed(&self) -> usize {
        self.buf[self.start..]
            .first_chunk::<HEADER_LEN>()
            .and_then(|h| Header::parse(h).ok())
            .map_or(HEADER_LEN, |h| h.size as usize)
    }

    /// Makes room for the next read and says how many bytes it asks for:
    /// the whole frame being read (so header and payload come in one
    /// read), and at least `hint` (so frames written back to back do).
    fn prepare(&mut self) -> usize {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let goal = self.needed().max(self.hint);
        if self.buf.capacity() > 2 * goal {
            // A large frame went through; what is left is small.
            self.buf.shrink_to(goal);
        }
        if self.buf.capacity() < goal {
            self.buf.reserve_exact(goal - self.buf.len());
        }
        self.buf.capacity() - self.buf.len()
    }

    fn adapt(&mut self, got: usize, asked: usize) {
        self.busy = got == asked;
        if self.busy {
            self.hint = (self.hint * 2).min(READ_BUFFER);
        } else if got < asked / 4 {
            self.hint = (self.hint / 2).max(MIN_READ);
        }
    }
}

/// Forwards every frame read from `read` until the stream ends or fails.
pub fn spawn_reader(
    socket: SocketId,
    read: OwnedReadHalf,
    events: mpsc::Sender<IpcEvent>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut reader = FrameReader::default();
        loop {
            match reader.next(&read).await {
                Ok(frame) => {
                    if events
                        .send(IpcEvent::Frame { socket, frame })
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                Err(e) => {
                    let error = match e {
                        FrameError::Closed => None,
                        e => Some(e),
                    };
                    let _ = events.send(IpcEvent::Closed { socket, error }).await;
                    return;
                }
            }
        }
    })
}

/// Why a frame could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("{queued} bytes already queued, limit {limit}")]
    Overflow { queued: usize, limit: usize },
    /// The bytes queued for all clients together would pass their limit.
    #[error("{total} bytes queued for all clients, limit {limit}")]
    TotalOverflow { total: usize, limit: usize },
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("the socket's writer has stopped")]
    Closed,
}

/// The bytes queued for all clients together, and their limit. Shared by
/// every [`Outbox`].
#[derive(Debug)]
pub struct QueueBudget {
    total: AtomicUsize,
    limit: usize,
}

impl QueueBudget {
    pub fn new(limit: usize) -> Arc<QueueBudget> {
        Arc::new(QueueBudget {
            total: AtomicUsize::new(0),
            limit,
        })
    }

    /// Bytes queued and not yet written, all sockets together.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    fn try_add(&self, n: usize) -> Result<(), OutboxError> {
        self.total
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                (t + n <= self.limit).then_some(t + n)
            })
            .map(|_| ())
            .map_err(|total| OutboxError::TotalOverflow {
                total,
                limit: self.limit,
            })
    }
}

/// The frames queued for one socket, shared by its [`Outbox`] (which
/// pushes) and its writer task (which takes). The executive's side can
/// empty it at once when it drops the connection, so the bytes the
/// budget gives back are bytes actually freed, not bytes that a
/// cancelled task will free later.
#[derive(Debug)]
struct Queue {
    frames: Mutex<Frames>,
    /// Wakes the writer when frames arrive or the queue closes.
    ready: Notify,
    /// Bytes queued and not yet written: the frames in `frames` and the
    /// batch the writer is writing.
    queued: AtomicUsize,
    budget: Arc<QueueBudget>,
}

#[derive(Debug, Default)]
struct Frames {
    queue: VecDeque<Vec<u8>>,
    closed: bool,
}

impl Queue {
    fn frames(&self) -> std::sync::MutexGuard<'_, Frames> {
        // A panic while holding the lock leaves plain data behind.
        self.frames.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `n` bytes left the queue (written, or freed).
    fn sub(&self, n: usize) {
        self.queued.fetch_sub(n, Ordering::Relaxed);
        self.budget.total.fetch_sub(n, Ordering::Relaxed);
    }

    /// Takes the next frames to write: the first one with the frames
    /// behind it appended to its own buffer, up to [`WRITE_BATCH`] bytes,
    /// so that a writer blocked on a client that does not read holds its
    /// bytes once, never a copy beside the originals.
    fn take_batch(&self) -> Option<Vec<u8>> {
        let mut frames = self.frames();
        let mut batch = frames.queue.pop_front()?;
        while batch.len() < WRITE_BATCH {
            match frames.queue.pop_front() {
                Some(more) => batch.extend_from_slice(&more),
                None => break,
            }
        }
        Some(batch)
    }

    /// The socket is gone: its queued frames are freed now and no longer
    /// count; the batch its writer holds counts until the writer task is
    /// dropped with it (see [`WriterBatch`]).
    fn close(&self) {
        let freed: usize = {
            let mut frames = self.frames();
            frames.closed = true;
            let freed = frames.queue.iter().map(Vec::len).sum();
            frames.queue = VecDeque::new();
            freed
        };
        self.sub(freed);
        self.ready.notify_one();
    }
}

/// The batch a writer task is writing, counted in its queue until it is
/// written or the task is dropped (a cancelled writer frees it only then).
struct WriterBatch<'a> {
    queue: &'a Queue,
    bytes: Vec<u8>,
}

impl Drop for WriterBatch<'_> {
    fn drop(&mut self) {
        self.queue.sub(self.bytes.len());
    }
}

/// The bounded outbound queue of one socket. The executive never waits
/// for a client: it queues, and the socket's writer task drains the queue
/// as fast as the client reads. A client that stops reading makes the
/// queue grow up to `limit` bytes, and no further; all queues together
/// grow up to their [`QueueBudget`].
#[derive(Debug)]
pub struct Outbox {
    queue: Arc<Queue>,
    limit: usize,
}

impl Outbox {
    /// Queues `frame`. On `Err` nothing was queued.
    pub fn push(&self, frame: &Frame) -> Result<(), OutboxError> {
        let bytes = frame.to_bytes()?;
        let n = bytes.len();
        let queued = self.queued();
        if queued + n > self.limit {
            return Err(OutboxError::Overflow {
                queued,
                limit: self.limit,
            });
        }
        let mut frames = self.queue.frames();
        if frames.closed {
            return Err(OutboxError::Closed);
        }
        self.queue.budget.try_add(n)?;
        self.queue.queued.fetch_add(n, Ordering::Relaxed);
        frames.queue.push_back(bytes);
        drop(frames);
        self.queue.ready.notify_one();
        Ok(())
    }

    /// Bytes queued and not yet written.
    pub fn queued(&self) -> usize {
        self.queue.queued.load(Ordering::Relaxed)
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.queue.close();
    }
}

/// Starts the writer task of a socket and returns its queue. A write
/// failure is reported as the socket's end.
pub fn spawn_writer(
    socket: SocketId,
    mut write: OwnedWriteHalf,
    limit: usize,
    budget: Arc<QueueBudget>,
    events: mpsc::Sender<IpcEvent>,
) -> (Outbox, JoinHandle<()>) {
    let queue = Arc::new(Queue {
        frames: Mutex::new(Frames::default()),
        ready: Notify::new(),
        queued: AtomicUsize::new(0),
        budget,
    });
    let outbox = Outbox {
        queue: queue.clone(),
        limit,
    };
    let task = tokio::spawn(async move {
        loop {
            // Frames queued while the previous write was under way go out
            // together: one system call, one wake-up of the client.
            let Some(bytes) = queue.take_batch() else {
                if queue.frames().closed {
                    return;
                }
                // A push or close in between left a permit: no wake-up
                // is lost.
                queue.ready.notified().await;
                continue;
            };
            let batch = WriterBatch {
                queue: &queue,
                bytes,
            };
            if let Err(e) = write.write_all(&batch.bytes).await {
                // Nothing more is written: later pushes are refused and
                // what waits is freed now.
                queue.close();
                let error = Some(FrameError::from(e));
                let _ = events.send(IpcEvent::Closed { socket, error }).await;
                return;
            }
        }
    });
    (outbox, task)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn reads_frames_and_rejects_bad_sizes() {
        let f = Frame::request(1, 2, 3, b"abc".to_vec());
        let mut wire = f.to_bytes().unwrap();
        wire.extend_from_slice(&Frame::request(1, 4, 5, vec![]).to_bytes().unwrap());
        let mut r = wire.as_slice();
        assert_eq!(read_frame(&mut r).await.unwrap(), f);
        assert_eq!(read_frame(&mut r).await.unwrap().kind, 4);
        assert!(matches!(read_frame(&mut r).await, Err(FrameError::Closed)));

        let mut huge = f.to_bytes().unwrap();
        huge[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            read_frame(&mut huge.as_slice()).await,
            Err(FrameError::TooLarge(_))
        ));
        let whole = f.to_bytes().unwrap();
        assert!(matches!(
            read_frame(&mut &whole[..whole.len() - 1]).await,
            Err(FrameError::Truncated { .. })
        ));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_limited_read_refuses_larger_frames_before_their_payload() {
        let big = Frame::request(1, 2, 3, vec![9; 100]);
        let bytes = big.to_bytes().unwrap();
        // Only the header is there: the refusal must not wait for more.
        let mut head_only = &bytes[..HEADER_LEN];
        assert!(matches!(
            read_frame_limited(&mut head_only, 64).await,
            Err(FrameError::TooLarge(116))
        ));
        let small = Frame::request(1, 2, 3, vec![9; 48]);
        let bytes = small.to_bytes().unwrap();
        assert_eq!(
            read_frame_limited(&mut bytes.as_slice(), 64).await.unwrap(),
            small
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn outbox_is_bounded_and_drains() {
        let (a, b) = UnixStream::pair().unwrap();
        let (_ra, wa) = a.into_split();
        let (events, _rx) = mpsc::channel(4);
        let socket = SocketId {
            conn: ConnId(1),
            role: Role::Dispatch,
        };
        let frame = Frame::callback(1, 0x81, 1, vec![7; 100]);
        let size = frame.to_bytes().unwrap().len();
        let (outbox, task) = spawn_writer(socket, wa, size * 3, QueueBudget::new(1 << 30), events);
        for _ in 0..3 {
            outbox.push(&frame).unwrap();
        }
        assert!(matches!(
            outbox.push(&frame),
            Err(OutboxError::Overflow { .. })
        ));
        let mut b = b;
        for _ in 0..3 {
            assert_eq!(read_frame(&mut b).await.unwrap(), frame);
        }
        // the writer has accounted for what it wrote: room again
        tokio::task::yield_now().await;
        assert_eq!(outbox.queued(), 0);
        outbox.push(&frame).unwrap();
        assert_eq!(read_frame(&mut b).await.unwrap(), frame);
        task.abort();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn dropping_an_outbox_frees_its_queue_at_once_and_its_batch_with_the_writer() {
        // A client that never reads: the kernel's buffer fills, the
        // writer blocks holding one batch, the rest waits in the queue.
        let (a, _b) = UnixStream::pair().unwrap();
        let (_ra, wa) = a.into_split();
        let (events, _rx) = mpsc::channel(4);
        let socket = SocketId {
            conn: ConnId(1),
            role: Role::Dispatch,
        };
        let budget = QueueBudget::new(1 << 30);
        let (outbox, task) = spawn_writer(socket, wa, 1 << 30, budget.clone(), events);
        let frame = Frame::callback(1, 0x81, 1, vec![7; 60_000]);
        for _ in 0..100 {
            outbox.push(&frame).unwrap();
            tokio::task::yield_now().await;
        }
        let queued = outbox.queued();
        assert!(queued > WRITE_BATCH * 2, "{queued} bytes still queued");
        drop(outbox);
        // only the blocked writer's batch is still counted (and held)
        assert!(budget.total() > 0 && budget.total() <= WRITE_BATCH + 60_016);
        task.abort();
        let _ = task.await;
        assert_eq!(budget.total(), 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn frames_queued_together_arrive_whole_and_in_order() {
        let (a, mut b) = UnixStream::pair().unwrap();
        let (_ra, wa) = a.into_split();
        let (events, _rx) = mpsc::channel(4);
        let socket = SocketId {
            conn: ConnId(1),
            role: Role::Dispatch,
        };
        let (outbox, task) = spawn_writer(socket, wa, 1 << 24, QueueBudget::new(1 << 30), events);
        // Queued before the writer runs: written in batches of at most
        // WRITE_BATCH bytes, some frames larger than a batch.
        let frames: Vec<Frame> = (0..300u32)
            .map(|i| Frame::callback(1, 0x81, i, vec![i as u8; (i as usize * 37) % 3000]))
            .chain([Frame::callback(1, 0x82, 0, vec![1; WRITE_BATCH * 2])])
            .collect();
        for f in &frames {
            outbox.push(f).unwrap();
        }
        for f in &frames {
            assert_eq!(&read_frame(&mut b).await.unwrap(), f);
        }
        tokio::task::yield_now().await;
        assert_eq!(outbox.queued(), 0);
        task.abort();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_read_buffer_grows_for_a_frame_and_is_released_when_idle() {
        use std::time::Duration;
        use tokio::time::timeout;
        let idle = Duration::from_millis(50);
        let (a, mut b) = UnixStream::pair().unwrap();
        let (ra, _wa) = a.into_split();
        let mut reader = FrameReader::default();
        assert_eq!(reader.capacity(), 0);

        // a frame larger than a read: the buffer grows to hold it whole
        let big = Frame::request(1, 2, 3, vec![7; 100_000]);
        b.write_all(&big.to_bytes().unwrap()).await.unwrap();
        assert_eq!(reader.next(&ra).await.unwrap(), big);
        assert!(reader.capacity() >= 100_000 + HEADER_LEN);
        // drained, nothing more: nothing held while waiting
        assert!(timeout(idle, reader.next(&ra)).await.is_err());
        assert_eq!(reader.capacity(), 0);

        // frames written back to back: small buffer, every frame
        let small: Vec<Frame> = (0..50)
            .map(|i| Frame::request(1, 2, i, vec![i as u8; 100]))
            .collect();
        let wire: Vec<u8> = small.iter().flat_map(|f| f.to_bytes().unwrap()).collect();
        b.write_all(&wire).await.unwrap();
        for f in &small {
            assert_eq!(&reader.next(&ra).await.unwrap(), f);
            assert!(reader.capacity() <= READ_BUFFER);
        }
        assert!(timeout(idle, reader.next(&ra)).await.is_err());
        assert_eq!(reader.capacity(), 0);

        // half a frame: kept while waiting for the rest, and no more room
        // than the frame needs
        let half = Frame::request(1, 2, 3, vec![9; 50_000]);
        let bytes = half.to_bytes().unwrap();
        b.write_all(&bytes[..25_000]).await.unwrap();
        assert!(timeout(idle, reader.next(&ra)).await.is_err());
        assert!(reader.capacity() >= 25_000 && reader.capacity() <= READ_BUFFER);
        b.write_all(&bytes[25_000..]).await.unwrap();
        assert_eq!(reader.next(&ra).await.unwrap(), half);

        // the end of the stream: clean between frames, truncated within
        b.write_all(&bytes[..10]).await.unwrap();
        drop(b);
        assert!(matches!(
            reader.next(&ra).await,
            Err(FrameError::Truncated { got: 10, .. })
        ));
        let (a, b) = UnixStream::pair().unwrap();
        let (ra, _wa) = a.into_split();
        drop(b);
        assert!(matches!(
            FrameReader::default().next(&ra).await,
            Err(FrameError::Closed)
        ));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_frame_past_the_maximum_is_refused_before_its_payload() {
        let (a, mut b) = UnixStream::pair().unwrap();
        let (ra, _wa) = a.into_split();
        let mut head = Frame::request(1, 2, 3, vec![]).to_bytes().unwrap();
        head[0..4].copy_from_slice(&((MAX_FRAME + 1) as u32).to_le_bytes());
        b.write_all(&head).await.unwrap();
        let mut reader = FrameReader::default();
        assert!(matches!(
            reader.next(&ra).await,
            Err(FrameError::TooLarge(_))
        ));
        assert!(reader.capacity() <= READ_BUFFER);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn all_queues_together_are_bounded_and_a_dropped_one_frees_its_share() {
        let frame = Frame::callback(1, 0x81, 1, vec![7; 100]);
        let size = frame.to_bytes().unwrap().len();
        let budget = QueueBudget::new(size * 3);
        let (events, _rx) = mpsc::channel(4);
        // Peers that never read; the writers do not run before this task
        // yields, so what is pushed stays queued.
        let mut peers = Vec::new();
        let mut open = |conn| {
            let (a, b) = UnixStream::pair().unwrap();
            peers.push(b);
            let (_r, w) = a.into_split();
            let socket = SocketId {
                conn: ConnId(conn),
                role: Role::Dispatch,
            };
            spawn_writer(socket, w, size * 10, budget.clone(), events.clone())
        };
        let (first, first_task) = open(1);
        let (second, second_task) = open(2);
        first.push(&frame).unwrap();
        first.push(&frame).unwrap();
        second.push(&frame).unwrap();
        assert_eq!(budget.total(), size * 3);
        assert!(matches!(
            second.push(&frame),
            Err(OutboxError::TotalOverflow { total, limit }) if total == size * 3 && limit == size * 3
        ));
        assert_eq!(second.queued(), size, "a refused frame is not counted");
        // the first socket goes: its bytes leave the total at once
        first_task.abort();
        drop(first);
        assert_eq!(budget.total(), size);
        second.push(&frame).unwrap();
        assert_eq!(budget.total(), size * 2);
        // written to the peer: nothing counted any more
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        assert_eq!(second.queued(), 0);
        assert_eq!(budget.total(), 0);
        second_task.abort();
    }
}

//! The tasks that move frames between a socket and the executive: one
//! reader and one writer per socket. They own no state of the executive;
//! everything they learn goes to it as an [`IpcEvent`].

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sa_ipc::frame::{Frame, FrameError, Header, HEADER_LEN, MAX_FRAME};
use sa_ipc::hello::Role;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio::sync::mpsc;
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

/// Bytes a socket's reader takes from the kernel at once: a frame's header
/// and payload, and frames a client wrote back to back, in one read.
pub(crate) const READ_BUFFER: usize = 64 * 1024;
/// Most bytes a socket's writer gathers from its queue into one write.
const WRITE_BATCH: usize = 64 * 1024;

/// Forwards every frame read from `read` until the stream ends or fails.
pub fn spawn_reader(
    socket: SocketId,
    read: OwnedReadHalf,
    events: mpsc::Sender<IpcEvent>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut read = BufReader::with_capacity(READ_BUFFER, read);
        loop {
            match read_frame(&mut read).await {
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
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("the socket's writer has stopped")]
    Closed,
}

/// The bounded outbound queue of one socket. The executive never waits
/// for a client: it queues, and the socket's writer task drains the queue
/// as fast as the client reads. A client that stops reading makes the
/// queue grow up to `limit` bytes, and no further.
#[derive(Debug)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    queued: Arc<AtomicUsize>,
    limit: usize,
}

impl Outbox {
    /// Queues `frame`. On `Err` nothing was queued.
    pub fn push(&self, frame: &Frame) -> Result<(), OutboxError> {
        let bytes = frame.to_bytes()?;
        let queued = self.queued.load(Ordering::Relaxed);
        if queued + bytes.len() > self.limit {
            return Err(OutboxError::Overflow {
                queued,
                limit: self.limit,
            });
        }
        self.queued.fetch_add(bytes.len(), Ordering::Relaxed);
        self.tx.send(bytes).map_err(|_| OutboxError::Closed)
    }

    /// Bytes queued and not yet written.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }
}

/// Starts the writer task of a socket and returns its queue. A write
/// failure is reported as the socket's end.
pub fn spawn_writer(
    socket: SocketId,
    mut write: OwnedWriteHalf,
    limit: usize,
    events: mpsc::Sender<IpcEvent>,
) -> (Outbox, JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let queued = Arc::new(AtomicUsize::new(0));
    let outbox = Outbox {
        tx,
        queued: queued.clone(),
        limit,
    };
    let task = tokio::spawn(async move {
        let mut batch = Vec::with_capacity(WRITE_BATCH);
        while let Some(first) = rx.recv().await {
            // Frames queued while the previous write was under way go out
            // together: one system call, one wake-up of the client.
            let bytes: &[u8] = match rx.try_recv() {
                Err(_) => &first,
                Ok(next) => {
                    batch.clear();
                    batch.extend_from_slice(&first);
                    batch.extend_from_slice(&next);
                    while batch.len() < WRITE_BATCH {
                        match rx.try_recv() {
                            Ok(more) => batch.extend_from_slice(&more),
                            Err(_) => break,
                        }
                    }
                    &batch
                }
            };
            if let Err(e) = write.write_all(bytes).await {
                let error = Some(FrameError::from(e));
                let _ = events.send(IpcEvent::Closed { socket, error }).await;
                return;
            }
            queued.fetch_sub(bytes.len(), Ordering::Relaxed);
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
        let (outbox, task) = spawn_writer(socket, wa, size * 3, events);
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
    async fn frames_queued_together_arrive_whole_and_in_order() {
        let (a, mut b) = UnixStream::pair().unwrap();
        let (_ra, wa) = a.into_split();
        let (events, _rx) = mpsc::channel(4);
        let socket = SocketId {
            conn: ConnId(1),
            role: Role::Dispatch,
        };
        let (outbox, task) = spawn_writer(socket, wa, 1 << 24, events);
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
}

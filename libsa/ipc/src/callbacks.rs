//! Reading callback frames from the dispatch socket.
//!
//! The dispatch socket's fd is the SA selection object: a program polls it
//! and calls saXxxDispatch when it is readable. SA_DISPATCH_ONE therefore
//! reads exactly one frame and never a byte more, so the fd stays readable
//! while callbacks are pending. SA_DISPATCH_ALL and SA_DISPATCH_BLOCKING
//! run every callback there is anyway; they read in bulk, up to
//! [`BULK_READ`] bytes per system call. What a bulk read leaves unparsed
//! when the dispatch returns is at most the beginning of one frame whose
//! remainder has not arrived yet, so the fd becomes readable again when it
//! does and no callback waits unseen in this buffer.

use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

use crate::frame::{Frame, FrameError, Header, HEADER_LEN};
use crate::sys::recv_now;

/// Most bytes one bulk read takes from the socket.
pub const BULK_READ: usize = 64 * 1024;

/// Bytes read from the dispatch socket and not yet handed out as frames.
/// The storage is zeroed once and reused: reads go to `bytes[end..]`.
#[derive(Debug, Default)]
pub struct CallbackBuffer {
    bytes: Vec<u8>,
    /// Where the unparsed bytes begin.
    start: usize,
    /// Where they end.
    end: usize,
}

impl CallbackBuffer {
    /// The next whole frame in the buffer, if there is one.
    pub fn take_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        match Frame::parse(&self.bytes[self.start..self.end])? {
            Some((frame, used)) => {
                self.start += used;
                if self.start == self.end {
                    self.start = 0;
                    self.end = 0;
                }
                Ok(Some(frame))
            }
            None => Ok(None),
        }
    }

    /// Whether a whole frame is buffered (a header that fails to parse
    /// counts: taking it reports the error).
    pub fn pending_frame(&self) -> bool {
        let rest = &self.bytes[self.start..self.end];
        match rest.first_chunk::<HEADER_LEN>().map(Header::parse) {
            Some(Ok(h)) => rest.len() >= h.size as usize,
            Some(Err(_)) => true,
            None => false,
        }
    }

    fn pending(&self) -> usize {
        self.end - self.start
    }

    /// Moves the unparsed bytes to the front and makes room for `n` more.
    fn make_room(&mut self, n: usize) {
        if self.start > 0 {
            self.bytes.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.bytes.len() < self.end + n {
            self.bytes.resize(self.end + n, 0);
        }
    }

    /// Reads whatever the socket holds now, up to [`BULK_READ`] bytes,
    /// without waiting; `Ok(false)`: it held nothing.
    pub fn fill_bulk(&mut self, stream: &UnixStream) -> Result<bool, FrameError> {
        self.make_room(BULK_READ);
        let room = &mut self.bytes[self.end..self.end + BULK_READ];
        match recv_now(stream.as_raw_fd(), room)? {
            None => Ok(false),
            Some(0) => Err(self.end_of_stream(0)),
            Some(got) => {
                self.end += got;
                Ok(true)
            }
        }
    }

    /// Reads exactly what completes the next frame from a socket that poll
    /// found readable, blocking up to the socket's read timeout for the
    /// rest of a frame whose first bytes arrived.
    pub fn fill_one(&mut self, stream: &UnixStream) -> Result<(), FrameError> {
        if self.pending() < HEADER_LEN {
            self.read_exactly(stream, HEADER_LEN - self.pending())?;
        }
        let head = self.bytes[self.start..self.end]
            .first_chunk::<HEADER_LEN>()
            .ok_or(FrameError::Truncated {
                got: self.pending(),
                want: HEADER_LEN,
            })?;
        let size = Header::parse(head)?.size as usize;
        if self.pending() < size {
            self.read_exactly(stream, size - self.pending())?;
        }
        Ok(())
    }

    /// Appends exactly `n` bytes from the stream.
    fn read_exactly(&mut self, mut stream: &UnixStream, n: usize) -> Result<(), FrameError> {
        self.make_room(n);
        let want = self.end + n;
        while self.end < want {
            match stream.read(&mut self.bytes[self.end..want]) {
                Ok(0) => return Err(self.end_of_stream(want - self.end)),
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The stream ended: cleanly between frames, or inside one that still
    /// lacked `missing` bytes.
    fn end_of_stream(&self, missing: usize) -> FrameError {
        if self.pending() == 0 {
            return FrameError::Closed;
        }
        FrameError::Truncated {
            got: self.pending(),
            want: self.pending() + missing.max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn frames(n: u32) -> Vec<Frame> {
        (0..n)
            .map(|i| Frame::callback(1, 0x81, i, vec![i as u8; (i as usize * 53) % 700]))
            .collect()
    }

    fn wire(frames: &[Frame]) -> Vec<u8> {
        frames.iter().flat_map(|f| f.to_bytes().unwrap()).collect()
    }

    fn readable(s: &UnixStream) -> bool {
        crate::sys::poll_readable(std::os::fd::AsRawFd::as_raw_fd(s), Some(Default::default()))
            .unwrap()
    }

    #[test]
    fn one_at_a_time_reads_no_byte_past_the_frame() {
        let (mut a, b) = UnixStream::pair().unwrap();
        let sent = frames(3);
        a.write_all(&wire(&sent)).unwrap();
        let mut buf = CallbackBuffer::default();
        for f in &sent {
            assert!(readable(&b));
            buf.fill_one(&b).unwrap();
            assert_eq!(buf.take_frame().unwrap().as_ref(), Some(f));
            assert_eq!(buf.pending(), 0);
        }
        assert!(!readable(&b));
    }

    #[test]
    fn bulk_reads_take_many_frames_and_keep_a_partial_one() {
        let (mut a, b) = UnixStream::pair().unwrap();
        let sent = frames(50);
        let bytes = wire(&sent);
        // All but the last 10 bytes: the last frame is incomplete.
        a.write_all(&bytes[..bytes.len() - 10]).unwrap();
        let mut buf = CallbackBuffer::default();
        let mut got = Vec::new();
        while readable(&b) {
            assert!(buf.fill_bulk(&b).unwrap());
            while let Some(f) = buf.take_frame().unwrap() {
                got.push(f);
            }
        }
        assert_eq!(got, sent[..49]);
        assert!(buf.pending() > 0);
        // The rest arrives: the fd is readable again and completes it.
        a.write_all(&bytes[bytes.len() - 10..]).unwrap();
        assert!(readable(&b));
        buf.fill_one(&b).unwrap();
        assert_eq!(buf.take_frame().unwrap().as_ref(), Some(&sent[49]));
    }

    #[test]
    fn the_end_of_the_stream_is_closed_between_frames_and_truncated_inside_one() {
        let (mut a, b) = UnixStream::pair().unwrap();
        let sent = frames(2);
        let bytes = wire(&sent);
        a.write_all(&bytes[..bytes.len() - 1]).unwrap();
        drop(a);
        let mut buf = CallbackBuffer::default();
        assert!(buf.fill_bulk(&b).unwrap());
        assert_eq!(buf.take_frame().unwrap().as_ref(), Some(&sent[0]));
        assert!(matches!(
            buf.fill_bulk(&b),
            Err(FrameError::Truncated { .. })
        ));

        let (a, b) = UnixStream::pair().unwrap();
        drop(a);
        let mut buf = CallbackBuffer::default();
        assert!(matches!(buf.fill_one(&b), Err(FrameError::Closed)));
        assert!(matches!(buf.fill_bulk(&b), Err(FrameError::Closed)));
    }

    #[test]
    fn a_bad_header_is_an_error() {
        let (mut a, b) = UnixStream::pair().unwrap();
        let mut bytes = wire(&frames(1));
        bytes[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
        a.write_all(&bytes).unwrap();
        let mut buf = CallbackBuffer::default();
        assert!(matches!(buf.fill_one(&b), Err(FrameError::TooLarge(_))));
        let (mut a, b) = UnixStream::pair().unwrap();
        a.write_all(&bytes).unwrap();
        let mut buf = CallbackBuffer::default();
        assert!(buf.fill_bulk(&b).unwrap());
        assert!(matches!(buf.take_frame(), Err(FrameError::TooLarge(_))));
    }
}

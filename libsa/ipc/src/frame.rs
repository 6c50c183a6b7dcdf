//! Frames: the unit of everything sent between a library and the executive.
//!
//! A frame is a 16-byte little-endian header followed by its payload:
//!
//! | offset | field     | meaning                                                    |
//! |-------:|-----------|------------------------------------------------------------|
//! | 0      | `size`    | u32, the whole frame in bytes, header included             |
//! | 4      | `service` | u16, service id (see [`crate::proto::service`])            |
//! | 6      | `kind`    | u16, message id within the service ([`KIND_HELLO`] = set-up) |
//! | 8      | `error`   | u32, SaAisErrorT of a response or callback; 0 in requests  |
//! | 12     | `seq`     | u32, request correlation number, echoed in the response    |
//!
//! A frame shorter than the header or longer than [`MAX_FRAME`] is a
//! protocol error; the reader never allocates more than `MAX_FRAME` bytes
//! for one frame, whatever the peer claims.

use std::io::{self, Read, Write};

/// Size of the fixed frame header.
pub const HEADER_LEN: usize = 16;

/// Largest frame (header included) either side accepts: 1 MiB of payload
/// plus 64 KiB of room for message framing.
pub const MAX_FRAME: usize = 1024 * 1024 + 64 * 1024;

/// Largest payload a frame can carry.
pub const MAX_PAYLOAD: usize = MAX_FRAME - HEADER_LEN;

/// `kind` of the connection set-up messages ([`crate::hello`]).
pub const KIND_HELLO: u16 = 0xFFFF;

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The stream ended cleanly before the first byte of a frame.
    #[error("connection closed")]
    Closed,
    /// The stream ended inside a frame.
    #[error("connection closed inside a frame ({got} of {want} bytes)")]
    Truncated { got: usize, want: usize },
    /// The header announces fewer bytes than the header itself.
    #[error("frame size {0} is smaller than the {HEADER_LEN}-byte header")]
    TooSmall(u32),
    /// The header (or a frame to be written) exceeds [`MAX_FRAME`].
    #[error("frame size {0} exceeds the maximum of {MAX_FRAME} bytes")]
    TooLarge(usize),
    /// A read or write timeout expired.
    #[error("timed out")]
    TimedOut,
    /// Any other I/O failure.
    #[error("i/o error: {0}")]
    Io(#[source] io::Error),
}

impl From<io::Error> for FrameError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => FrameError::TimedOut,
            _ => FrameError::Io(e),
        }
    }
}

/// The decoded fixed header of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The whole frame's size in bytes, header included.
    pub size: u32,
    pub service: u16,
    pub kind: u16,
    pub error: u32,
    pub seq: u32,
}

impl Header {
    /// Serialises the header.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0..4].copy_from_slice(&self.size.to_le_bytes());
        b[4..6].copy_from_slice(&self.service.to_le_bytes());
        b[6..8].copy_from_slice(&self.kind.to_le_bytes());
        b[8..12].copy_from_slice(&self.error.to_le_bytes());
        b[12..16].copy_from_slice(&self.seq.to_le_bytes());
        b
    }

    /// Parses a header and checks its size field against the limits.
    pub fn parse(b: &[u8; HEADER_LEN]) -> Result<Header, FrameError> {
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        let header = Header {
            size: u32_at(0),
            service: u16_at(4),
            kind: u16_at(6),
            error: u32_at(8),
            seq: u32_at(12),
        };
        if (header.size as usize) < HEADER_LEN {
            return Err(FrameError::TooSmall(header.size));
        }
        if header.size as usize > MAX_FRAME {
            return Err(FrameError::TooLarge(header.size as usize));
        }
        Ok(header)
    }

    /// Number of payload bytes that follow the header.
    pub fn payload_len(&self) -> usize {
        (self.size as usize).saturating_sub(HEADER_LEN)
    }
}

/// One whole frame: header fields plus payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub service: u16,
    pub kind: u16,
    pub error: u32,
    pub seq: u32,
    pub payload: Vec<u8>,
}

impl Frame {
    /// A request frame (error 0).
    pub fn request(service: u16, kind: u16, seq: u32, payload: Vec<u8>) -> Frame {
        Frame {
            service,
            kind,
            error: 0,
            seq,
            payload,
        }
    }

    /// A response to `request`: same service, kind and seq.
    pub fn response_to(request: &Header, error: u32, payload: Vec<u8>) -> Frame {
        Frame {
            service: request.service,
            kind: request.kind,
            error,
            seq: request.seq,
            payload,
        }
    }

    /// A callback frame (seq 0), sent on a dispatch connection.
    pub fn callback(service: u16, kind: u16, error: u32, payload: Vec<u8>) -> Frame {
        Frame {
            service,
            kind,
            error,
            seq: 0,
            payload,
        }
    }

    /// The header this frame is sent with; fails when the frame is too large.
    pub fn header(&self) -> Result<Header, FrameError> {
        let size = HEADER_LEN + self.payload.len();
        if size > MAX_FRAME {
            return Err(FrameError::TooLarge(size));
        }
        Ok(Header {
            size: size as u32,
            service: self.service,
            kind: self.kind,
            error: self.error,
            seq: self.seq,
        })
    }

    /// The frame as bytes on the wire.
    pub fn to_bytes(&self) -> Result<Vec<u8>, FrameError> {
        let header = self.header()?;
        let mut out = Vec::with_capacity(header.size as usize);
        out.extend_from_slice(&header.to_bytes());
        out.extend_from_slice(&self.payload);
        Ok(out)
    }

    /// Builds a frame from a parsed header and its payload.
    pub fn from_parts(header: Header, payload: Vec<u8>) -> Frame {
        Frame {
            service: header.service,
            kind: header.kind,
            error: header.error,
            seq: header.seq,
            payload,
        }
    }

    /// Parses one frame from the front of `buf` (for buffered, non-blocking
    /// readers). `Ok(None)`: more bytes are needed. `Ok(Some((frame, used)))`:
    /// a whole frame, `used` bytes of `buf` consumed.
    pub fn parse(buf: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
        let Some(head) = buf.first_chunk::<HEADER_LEN>() else {
            return Ok(None);
        };
        let header = Header::parse(head)?;
        let size = header.size as usize;
        if buf.len() < size {
            return Ok(None);
        }
        let payload = buf[HEADER_LEN..size].to_vec();
        Ok(Some((Frame::from_parts(header, payload), size)))
    }
}

/// Writes a whole frame to a blocking stream.
pub fn write_frame<W: Write + ?Sized>(w: &mut W, frame: &Frame) -> Result<(), FrameError> {
    let bytes = frame.to_bytes()?;
    w.write_all(&bytes)?;
    w.flush()?;
    Ok(())
}

/// Reads exactly one frame from a blocking stream, never more bytes than
/// the frame holds (so a readable socket still means "a frame is pending"
/// after the call, when another one follows).
pub fn read_frame<R: Read + ?Sized>(r: &mut R) -> Result<Frame, FrameError> {
    let mut head = [0u8; HEADER_LEN];
    let got = read_full(r, &mut head)?;
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
    let mut payload = vec![0u8; header.payload_len()];
    let got = read_full(r, &mut payload)?;
    if got < payload.len() {
        return Err(FrameError::Truncated {
            got: HEADER_LEN + got,
            want: header.size as usize,
        });
    }
    Ok(Frame::from_parts(header, payload))
}

/// Fills `buf` unless the stream ends first; returns the bytes read.
fn read_full<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> Result<usize, FrameError> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn sample() -> Frame {
        Frame {
            service: 1,
            kind: 3,
            error: 12,
            seq: 0xdead_beef,
            payload: b"hello".to_vec(),
        }
    }

    #[test]
    fn header_layout_is_little_endian() {
        let bytes = sample().to_bytes().unwrap();
        assert_eq!(
            &bytes[..HEADER_LEN],
            &[21, 0, 0, 0, 1, 0, 3, 0, 12, 0, 0, 0, 0xef, 0xbe, 0xad, 0xde]
        );
        assert_eq!(&bytes[HEADER_LEN..], b"hello");
    }

    #[test]
    fn round_trip_through_a_stream() {
        let mut wire = Vec::new();
        write_frame(&mut wire, &sample()).unwrap();
        write_frame(&mut wire, &Frame::callback(8, 1, 1, Vec::new())).unwrap();
        let mut r = Cursor::new(wire);
        assert_eq!(read_frame(&mut r).unwrap(), sample());
        let second = read_frame(&mut r).unwrap();
        assert_eq!((second.service, second.kind, second.seq), (8, 1, 0));
        assert!(second.payload.is_empty());
        assert!(matches!(read_frame(&mut r), Err(FrameError::Closed)));
    }

    #[test]
    fn parse_needs_whole_frame() {
        let bytes = sample().to_bytes().unwrap();
        for cut in 0..bytes.len() {
            assert!(Frame::parse(&bytes[..cut]).unwrap().is_none(), "cut {cut}");
        }
        let mut two = bytes.clone();
        two.extend_from_slice(&bytes);
        let (f, used) = Frame::parse(&two).unwrap().unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(f, sample());
    }

    #[test]
    fn size_limits() {
        let mut small = sample().to_bytes().unwrap();
        small[0..4].copy_from_slice(&15u32.to_le_bytes());
        assert!(matches!(
            Frame::parse(&small),
            Err(FrameError::TooSmall(15))
        ));
        assert!(matches!(
            read_frame(&mut Cursor::new(small)),
            Err(FrameError::TooSmall(15))
        ));

        let mut big = sample().to_bytes().unwrap();
        big[0..4].copy_from_slice(&((MAX_FRAME + 1) as u32).to_le_bytes());
        assert!(matches!(Frame::parse(&big), Err(FrameError::TooLarge(_))));
        big[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            read_frame(&mut Cursor::new(big)),
            Err(FrameError::TooLarge(_))
        ));

        let exact = Frame::callback(1, 1, 1, vec![0; MAX_PAYLOAD]);
        let bytes = exact.to_bytes().unwrap();
        assert_eq!(bytes.len(), MAX_FRAME);
        assert_eq!(read_frame(&mut Cursor::new(bytes)).unwrap(), exact);

        let over = Frame::callback(1, 1, 1, vec![0; MAX_PAYLOAD + 1]);
        assert!(matches!(over.to_bytes(), Err(FrameError::TooLarge(_))));
        assert!(matches!(
            write_frame(&mut Vec::new(), &over),
            Err(FrameError::TooLarge(_))
        ));
    }

    #[test]
    fn truncated_stream() {
        let bytes = sample().to_bytes().unwrap();
        for cut in 1..bytes.len() {
            let r = read_frame(&mut Cursor::new(bytes[..cut].to_vec()));
            assert!(matches!(r, Err(FrameError::Truncated { .. })), "cut {cut}");
        }
    }
}

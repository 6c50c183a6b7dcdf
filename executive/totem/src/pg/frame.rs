//! The layout of one Totem payload as the process-group layer fills it.
//!
//! ```text
//! frame    = version:u8 record+
//! record   = 0x01 len:u32 bytes[len]                        a whole message
//!          | 0x02 msg_id:u32 total:u32 offset:u32 len:u32 bytes[len]
//!                                                           a fragment
//! ```
//!
//! Integers are little-endian. A fragment carries `len` bytes found at
//! `offset` of a message `total` bytes long; `msg_id` is chosen by the
//! sender and identifies the message among that sender's messages.
//! Parsing checks every length against the bytes actually present and
//! returns an error, never panics, on anything else.

use std::fmt;

pub(super) const VERSION: u8 = 1;
pub(super) const FRAME_HEADER: usize = 1;
pub(super) const WHOLE_HEADER: usize = 1 + 4;
pub(super) const FRAGMENT_HEADER: usize = 1 + 4 * 4;

const TAG_WHOLE: u8 = 0x01;
const TAG_FRAGMENT: u8 = 0x02;

/// Where a fragment belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FragmentPos {
    pub(super) msg_id: u32,
    pub(super) total: u32,
    pub(super) offset: u32,
}

/// One record of a parsed frame, borrowing from the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Record<'a> {
    Whole(&'a [u8]),
    Fragment { pos: FragmentPos, chunk: &'a [u8] },
}

/// Why a payload is not a valid frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// No bytes, or a version byte and no record.
    Empty,
    UnsupportedVersion(u8),
    UnknownRecord(u8),
    /// A record claims more bytes than the payload holds.
    Truncated,
    /// A fragment that is empty or reaches past its message's end.
    BadFragment,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Empty => f.write_str("empty payload"),
            FrameError::UnsupportedVersion(v) => write!(f, "unsupported payload version {v}"),
            FrameError::UnknownRecord(tag) => write!(f, "unknown record type {tag:#04x}"),
            FrameError::Truncated => f.write_str("record runs past the end of the payload"),
            FrameError::BadFragment => f.write_str("fragment outside its message"),
        }
    }
}

impl std::error::Error for FrameError {}

pub(super) fn start(frame: &mut Vec<u8>) {
    frame.push(VERSION);
}

/// Appends a whole message. The caller has checked it fits.
pub(super) fn put_whole(frame: &mut Vec<u8>, message: &[u8]) {
    frame.push(TAG_WHOLE);
    frame.extend_from_slice(&len32(message.len()).to_le_bytes());
    frame.extend_from_slice(message);
}

/// Appends a fragment. The caller has checked it fits.
pub(super) fn put_fragment(frame: &mut Vec<u8>, pos: FragmentPos, chunk: &[u8]) {
    frame.push(TAG_FRAGMENT);
    frame.extend_from_slice(&pos.msg_id.to_le_bytes());
    frame.extend_from_slice(&pos.total.to_le_bytes());
    frame.extend_from_slice(&pos.offset.to_le_bytes());
    frame.extend_from_slice(&len32(chunk.len()).to_le_bytes());
    frame.extend_from_slice(chunk);
}

/// Message sizes are bounded by [`super::Limits`], which keeps them below
/// 4 GiB; saturating keeps this total even so.
fn len32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Splits a payload into its records, or says why it is not a frame. The
/// whole payload is checked before anything is returned, so a bad frame
/// is rejected as a unit.
pub(super) fn parse(payload: &[u8]) -> Result<Vec<Record<'_>>, FrameError> {
    let (&version, mut rest) = payload.split_first().ok_or(FrameError::Empty)?;
    if version != VERSION {
        return Err(FrameError::UnsupportedVersion(version));
    }
    let mut records = Vec::new();
    while let Some((&tag, body)) = rest.split_first() {
        rest = body;
        let record = match tag {
            TAG_WHOLE => {
                let len = take_u32(&mut rest)?;
                Record::Whole(take(&mut rest, len)?)
            }
            TAG_FRAGMENT => {
                let pos = FragmentPos {
                    msg_id: take_u32(&mut rest)?,
                    total: take_u32(&mut rest)?,
                    offset: take_u32(&mut rest)?,
                };
                let len = take_u32(&mut rest)?;
                let chunk = take(&mut rest, len)?;
                if chunk.is_empty() || u64::from(pos.offset) + u64::from(len) > u64::from(pos.total)
                {
                    return Err(FrameError::BadFragment);
                }
                Record::Fragment { pos, chunk }
            }
            other => return Err(FrameError::UnknownRecord(other)),
        };
        records.push(record);
    }
    if records.is_empty() {
        return Err(FrameError::Empty);
    }
    Ok(records)
}

fn take<'a>(rest: &mut &'a [u8], len: u32) -> Result<&'a [u8], FrameError> {
    let len = usize::try_from(len).map_err(|_| FrameError::Truncated)?;
    if rest.len() < len {
        return Err(FrameError::Truncated);
    }
    let (taken, remaining) = rest.split_at(len);
    *rest = remaining;
    Ok(taken)
}

fn take_u32(rest: &mut &[u8]) -> Result<u32, FrameError> {
    let bytes = take(rest, 4)?;
    let mut array = [0u8; 4];
    array.copy_from_slice(bytes);
    Ok(u32::from_le_bytes(array))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_of(build: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut frame = Vec::new();
        start(&mut frame);
        build(&mut frame);
        frame
    }

    #[test]
    fn records_round_trip() {
        let pos = FragmentPos {
            msg_id: 7,
            total: 10,
            offset: 4,
        };
        let frame = frame_of(|f| {
            put_whole(f, b"abc");
            put_whole(f, b"");
            put_fragment(f, pos, b"456789");
        });
        assert_eq!(
            frame.len(),
            FRAME_HEADER + 2 * WHOLE_HEADER + 3 + FRAGMENT_HEADER + 6
        );
        assert_eq!(
            parse(&frame).unwrap(),
            vec![
                Record::Whole(b"abc"),
                Record::Whole(b""),
                Record::Fragment {
                    pos,
                    chunk: b"456789"
                },
            ]
        );
    }

    #[test]
    fn bad_frames_are_refused() {
        assert_eq!(parse(&[]), Err(FrameError::Empty));
        assert_eq!(parse(&[VERSION]), Err(FrameError::Empty));
        assert_eq!(
            parse(&[9, 1, 0, 0, 0, 0]),
            Err(FrameError::UnsupportedVersion(9))
        );
        assert_eq!(
            parse(&[VERSION, 0x7f]),
            Err(FrameError::UnknownRecord(0x7f))
        );
        let whole = frame_of(|f| put_whole(f, b"hello"));
        for len in 2..whole.len() {
            assert_eq!(parse(&whole[..len]), Err(FrameError::Truncated), "{len}");
        }
        let past_end = frame_of(|f| {
            put_fragment(
                f,
                FragmentPos {
                    msg_id: 1,
                    total: 5,
                    offset: 3,
                },
                b"abc",
            )
        });
        assert_eq!(parse(&past_end), Err(FrameError::BadFragment));
        let empty_chunk = frame_of(|f| {
            put_fragment(
                f,
                FragmentPos {
                    msg_id: 1,
                    total: 5,
                    offset: 0,
                },
                b"",
            )
        });
        assert_eq!(parse(&empty_chunk), Err(FrameError::BadFragment));
    }

    #[test]
    fn huge_claimed_lengths_do_not_overflow() {
        let mut frame = vec![VERSION, TAG_FRAGMENT];
        for field in [1u32, u32::MAX, u32::MAX, u32::MAX] {
            frame.extend_from_slice(&field.to_le_bytes());
        }
        frame.push(0);
        assert_eq!(parse(&frame), Err(FrameError::Truncated));
    }
}

//! Payload encoding: explicit little-endian fields, written with
//! [`Encoder`] and read back with [`Decoder`].
//!
//! | value          | encoding                                        |
//! |----------------|-------------------------------------------------|
//! | u8 u16 u32 u64 i64 | little-endian, fixed width                  |
//! | bool           | u8, 0 or 1 (anything else is an error)          |
//! | bytes          | u32 length, then the bytes                      |
//! | name (SaNameT) | u16 length (at most 256), then the bytes        |
//! | vector         | u32 count, then the items                       |
//!
//! Decoding never panics and never trusts a length: every count and length
//! is checked against the bytes actually left before anything is allocated.

use crate::frame::MAX_PAYLOAD;

/// Largest SaNameT value (SA_MAX_NAME_LENGTH).
pub const MAX_NAME_LEN: usize = 256;

/// Why a payload could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The payload ended before the field that was being read.
    #[error("payload truncated: {field} needs {needed} bytes, {left} left")]
    Truncated {
        field: &'static str,
        needed: usize,
        left: usize,
    },
    /// A name longer than [`MAX_NAME_LEN`].
    #[error("name of {0} bytes exceeds {MAX_NAME_LEN}")]
    NameTooLong(usize),
    /// A field with a length limit of its own exceeded it.
    #[error("{field} of {len} bytes exceeds its limit of {max}")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    /// A boolean that is neither 0 nor 1.
    #[error("invalid boolean {0}")]
    InvalidBool(u8),
    /// A field whose value is outside the values it may take.
    #[error("invalid value {value} for {field}")]
    InvalidValue { field: &'static str, value: u64 },
    /// Bytes left over after the message was decoded.
    #[error("{0} unexpected trailing bytes")]
    TrailingBytes(usize),
    /// A message kind the receiver does not know for this service.
    #[error("unknown message kind {kind} for service {service}")]
    UnknownKind { service: u16, kind: u16 },
}

/// A name as SaNameT carries it: at most [`MAX_NAME_LEN`] bytes, not
/// necessarily text, not NUL-terminated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Vec<u8>);

/// A name longer than [`MAX_NAME_LEN`] was offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("name of {0} bytes exceeds {MAX_NAME_LEN}")]
pub struct NameTooLong(pub usize);

impl Name {
    /// A name from its bytes; fails when longer than [`MAX_NAME_LEN`].
    pub fn new(bytes: &[u8]) -> Result<Name, NameTooLong> {
        if bytes.len() > MAX_NAME_LEN {
            return Err(NameTooLong(bytes.len()));
        }
        Ok(Name(bytes.to_vec()))
    }

    /// The name's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes (always at most [`MAX_NAME_LEN`]).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the name is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<&str> for Name {
    type Error = NameTooLong;
    fn try_from(s: &str) -> Result<Name, NameTooLong> {
        Name::new(s.as_bytes())
    }
}

/// Writes a payload. Writing cannot fail; the frame layer rejects a payload
/// that grew past [`MAX_PAYLOAD`].
#[derive(Debug, Default, Clone)]
pub struct Encoder {
    buf: Vec<u8>,
}

impl Encoder {
    pub fn new() -> Encoder {
        Encoder { buf: Vec::new() }
    }

    pub fn with_capacity(n: usize) -> Encoder {
        Encoder {
            buf: Vec::with_capacity(n),
        }
    }

    pub fn put_u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }

    pub fn put_u16(&mut self, v: u16) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn put_u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn put_u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn put_i64(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn put_bool(&mut self, v: bool) -> &mut Self {
        self.put_u8(u8::from(v))
    }

    /// u32 length, then the bytes.
    pub fn put_bytes(&mut self, v: &[u8]) -> &mut Self {
        // A slice longer than u32::MAX cannot fit in a frame anyway; the
        // saturated length makes the decoder reject it instead of
        // misreading it.
        self.put_u32(u32::try_from(v.len()).unwrap_or(u32::MAX));
        self.buf.extend_from_slice(v);
        self
    }

    /// u16 length, then the name's bytes.
    pub fn put_name(&mut self, v: &Name) -> &mut Self {
        // Name guarantees len <= 256.
        self.put_u16(v.len() as u16);
        self.buf.extend_from_slice(v.as_bytes());
        self
    }

    /// u32 count, then each item written by `item`.
    pub fn put_vec<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Self, &T)) -> &mut Self {
        self.put_u32(u32::try_from(items.len()).unwrap_or(u32::MAX));
        for it in items {
            item(self, it);
        }
        self
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The encoded payload.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// How many items of a decoded vector of `count` to allocate room for up
/// front: all of them, unless that would take more memory than a frame
/// holds. An item can be much larger in memory than on the wire (a
/// one-byte tag decoding to an enum of a hundred bytes), so a count that
/// fits the payload could still ask for far more memory than the payload;
/// past the bound the vector grows as items actually decode.
fn initial_capacity<T>(count: usize) -> usize {
    count.min(MAX_PAYLOAD / std::mem::size_of::<T>().max(1))
}

/// Reads a payload written by [`Encoder`].
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    pub fn new(buf: &'a [u8]) -> Decoder<'a> {
        Decoder { buf, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let left = self.remaining();
        if n > left {
            return Err(DecodeError::Truncated {
                field,
                needed: n,
                left,
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let s = self.take(N, field)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub fn get_u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>("u8")?[0])
    }

    pub fn get_u16(&mut self) -> Result<u16, DecodeError> {
        self.array("u16").map(u16::from_le_bytes)
    }

    pub fn get_u32(&mut self) -> Result<u32, DecodeError> {
        self.array("u32").map(u32::from_le_bytes)
    }

    pub fn get_u64(&mut self) -> Result<u64, DecodeError> {
        self.array("u64").map(u64::from_le_bytes)
    }

    pub fn get_i64(&mut self) -> Result<i64, DecodeError> {
        self.array("i64").map(i64::from_le_bytes)
    }

    pub fn get_bool(&mut self) -> Result<bool, DecodeError> {
        match self.get_u8()? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(DecodeError::InvalidBool(v)),
        }
    }

    /// u32 length, then that many bytes (borrowed from the payload).
    pub fn get_bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.get_u32()? as usize;
        self.take(len, "bytes")
    }

    /// Like [`Decoder::get_bytes`] with a limit of its own on the length.
    pub fn get_bytes_max(
        &mut self,
        field: &'static str,
        max: usize,
    ) -> Result<&'a [u8], DecodeError> {
        let len = self.get_u32()? as usize;
        if len > max {
            return Err(DecodeError::TooLong { field, len, max });
        }
        self.take(len, field)
    }

    /// u16 length (at most 256), then the name's bytes.
    pub fn get_name(&mut self) -> Result<Name, DecodeError> {
        let len = self.get_u16()? as usize;
        if len > MAX_NAME_LEN {
            return Err(DecodeError::NameTooLong(len));
        }
        let bytes = self.take(len, "name")?;
        Ok(Name(bytes.to_vec()))
    }

    /// u32 count, then each item read by `item`. `min_item_len` is the
    /// fewest bytes one item can take; a count that cannot fit in what is
    /// left is rejected before anything is allocated.
    pub fn get_vec<T>(
        &mut self,
        min_item_len: usize,
        mut item: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let count = self.get_u32()? as usize;
        let needed = count.saturating_mul(min_item_len.max(1));
        if needed > self.remaining() {
            return Err(DecodeError::Truncated {
                field: "vector",
                needed,
                left: self.remaining(),
            });
        }
        let mut out = Vec::with_capacity(initial_capacity::<T>(count));
        for _ in 0..count {
            out.push(item(self)?);
        }
        Ok(out)
    }

    /// Succeeds when every byte was consumed.
    pub fn finish(self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(DecodeError::TrailingBytes(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_round_trip() {
        let mut e = Encoder::new();
        e.put_u8(0xab)
            .put_u16(0xbeef)
            .put_u32(0xdead_beef)
            .put_u64(u64::MAX - 1)
            .put_i64(-5)
            .put_bool(true)
            .put_bool(false);
        let bytes = e.finish();
        assert_eq!(bytes.len(), 1 + 2 + 4 + 8 + 8 + 1 + 1);
        let mut d = Decoder::new(&bytes);
        assert_eq!(d.get_u8().unwrap(), 0xab);
        assert_eq!(d.get_u16().unwrap(), 0xbeef);
        assert_eq!(d.get_u32().unwrap(), 0xdead_beef);
        assert_eq!(d.get_u64().unwrap(), u64::MAX - 1);
        assert_eq!(d.get_i64().unwrap(), -5);
        assert!(d.get_bool().unwrap());
        assert!(!d.get_bool().unwrap());
        d.finish().unwrap();
    }

    #[test]
    fn little_endian_on_the_wire() {
        let mut e = Encoder::new();
        e.put_u32(0x0102_0304).put_u16(0x0506);
        assert_eq!(e.finish(), vec![4, 3, 2, 1, 6, 5]);
    }

    #[test]
    fn bytes_names_vectors_round_trip() {
        let name = Name::new(&[7u8; MAX_NAME_LEN]).unwrap();
        let mut e = Encoder::new();
        e.put_bytes(b"abc")
            .put_name(&name)
            .put_name(&Name::default())
            .put_vec(&[1u32, 2, 3], |e, v| {
                e.put_u32(*v);
            });
        let bytes = e.finish();
        let mut d = Decoder::new(&bytes);
        assert_eq!(d.get_bytes().unwrap(), b"abc");
        assert_eq!(d.get_name().unwrap(), name);
        assert!(d.get_name().unwrap().is_empty());
        assert_eq!(d.get_vec(4, |d| d.get_u32()).unwrap(), vec![1, 2, 3]);
        d.finish().unwrap();
    }

    #[test]
    fn name_limit() {
        assert_eq!(Name::new(&[0; 257]), Err(NameTooLong(257)));
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&257u16.to_le_bytes());
        bytes.extend_from_slice(&[0; 257]);
        assert_eq!(
            Decoder::new(&bytes).get_name(),
            Err(DecodeError::NameTooLong(257))
        );
    }

    #[test]
    fn truncation_is_an_error_everywhere() {
        let mut e = Encoder::new();
        e.put_u64(1)
            .put_bytes(b"xyz")
            .put_name(&Name::try_from("n").unwrap());
        let bytes = e.finish();
        for cut in 0..bytes.len() {
            let mut d = Decoder::new(&bytes[..cut]);
            let r = d
                .get_u64()
                .and_then(|_| d.get_bytes().map(|_| ()))
                .and_then(|_| d.get_name().map(|_| ()));
            assert!(matches!(r, Err(DecodeError::Truncated { .. })), "cut {cut}");
        }
    }

    #[test]
    fn huge_counts_are_rejected_before_allocating() {
        let mut bytes = u32::MAX.to_le_bytes().to_vec();
        bytes.extend_from_slice(&[0; 8]);
        let r = Decoder::new(&bytes).get_vec(1, |d| d.get_u8());
        assert!(matches!(r, Err(DecodeError::Truncated { .. })));
        let r = Decoder::new(&bytes).get_bytes();
        assert!(matches!(r, Err(DecodeError::Truncated { .. })));
    }

    #[test]
    fn room_reserved_for_a_vector_is_bounded_in_bytes() {
        assert_eq!(initial_capacity::<u8>(10), 10);
        assert_eq!(initial_capacity::<u8>(usize::MAX), MAX_PAYLOAD);
        assert_eq!(initial_capacity::<()>(usize::MAX), MAX_PAYLOAD);
        // One byte on the wire may decode to a large value.
        let big = initial_capacity::<[u8; 4096]>(1 << 20);
        assert!(big * 4096 <= MAX_PAYLOAD, "{big}");
        // Many large items that are really there still decode.
        let bytes: Vec<u8> = {
            let mut e = Encoder::new();
            e.put_vec(&[7u8; 1000], |e, v| {
                e.put_u8(*v);
            });
            e.finish()
        };
        let v = Decoder::new(&bytes)
            .get_vec(1, |d| Ok([d.get_u8()?; 4096]))
            .unwrap();
        assert_eq!(v.len(), 1000);
        assert!(v.iter().all(|item| item[4095] == 7));
    }

    #[test]
    fn bad_bool_and_trailing_bytes() {
        assert_eq!(
            Decoder::new(&[2]).get_bool(),
            Err(DecodeError::InvalidBool(2))
        );
        let mut d = Decoder::new(&[1, 2]);
        d.get_u8().unwrap();
        assert_eq!(d.finish(), Err(DecodeError::TrailingBytes(1)));
    }

    #[test]
    fn bytes_max() {
        let mut e = Encoder::new();
        e.put_bytes(&[1; 65]);
        let bytes = e.finish();
        assert!(matches!(
            Decoder::new(&bytes).get_bytes_max("address", 64),
            Err(DecodeError::TooLong { len: 65, .. })
        ));
        assert_eq!(
            Decoder::new(&bytes)
                .get_bytes_max("address", 65)
                .unwrap()
                .len(),
            65
        );
    }

    /// Garbage of every short length and a pseudo-random fill never panics.
    #[test]
    fn garbage_never_panics() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in 0..512 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let mut d = Decoder::new(&bytes);
            let _ = d.get_vec(3, |d| {
                let _ = d.get_name()?;
                let _ = d.get_bytes()?;
                d.get_bool()
            });
        }
    }
}

//! Reading fuzz input: every read succeeds, with zeros past the end, so
//! every byte string is a valid input and a mutation never makes the rest
//! of an input meaningless.

/// A cursor over fuzz input.
#[derive(Debug)]
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Input<'a> {
        Input { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// The next `len` bytes, or as many as are left.
    pub fn bytes(&mut self, len: usize) -> &'a [u8] {
        let (taken, rest) = self.data.split_at(len.min(self.data.len()));
        self.data = rest;
        taken
    }
}

/// Writes what [`Input`] reads: the corpus builder's side.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct Output {
    pub data: Vec<u8>,
}

#[cfg(test)]
impl Output {
    pub fn u8(&mut self, v: u8) -> &mut Output {
        self.data.push(v);
        self
    }

    pub fn u16(&mut self, v: u16) -> &mut Output {
        self.data.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// A u16 length and the bytes.
    pub fn sized(&mut self, bytes: &[u8]) -> &mut Output {
        let len = u16::try_from(bytes.len()).expect("a seed record under 64 KiB");
        self.u16(len);
        self.data.extend_from_slice(bytes);
        self
    }
}

//! Read and write vectors: how the elements of one saCkptCheckpointWrite
//! or saCkptCheckpointRead travel to the executive.
//!
//! A vector whose data fits in one request ([`MAX_DATA_PER_REQUEST`])
//! travels in one, and the executive applies it atomically: every element
//! or none. Larger vectors are split, in element order, into several
//! requests (an element larger than a request into pieces at increasing
//! offsets); each request is atomic on its own, and the first failing one
//! ends the call with the index of the element it failed on.
//!
//! A read element with a NULL buffer asks the library to allocate one:
//! everything from the offset to the end of the section is read (the
//! caller's dataSize is ignored, as B.01.01 says) into memory from
//! `malloc`, which the caller releases with `free`. Bytes read are
//! gathered and reach the caller's buffers only when the whole read
//! succeeded.

use sa_abi::ais::{SaAisErrorT, SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_LIBRARY, SA_AIS_OK};
use sa_ipc::proto::ckpt::{
    ElementError, Read, ReadElement, ReadReply, Write, WriteElement, MAX_DATA_PER_REQUEST,
};
use sa_ipc::proto::{Payload, Request};
use sa_ipc::Connection;

use crate::handles::CheckpointHandle;

/// A failed vector call: its error, and the element it concerns if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VectorError {
    pub(crate) code: SaAisErrorT,
    pub(crate) index: Option<usize>,
}

impl VectorError {
    pub(crate) fn whole(code: SaAisErrorT) -> VectorError {
        VectorError { code, index: None }
    }

    pub(crate) fn at(code: SaAisErrorT, index: usize) -> VectorError {
        VectorError {
            code,
            index: Some(index),
        }
    }
}

/// Sends a Write or Read request; an error reply may name the element it
/// failed on (the request's own element index).
pub(crate) fn call_vector<Q: Request>(
    conn: &Connection,
    request: &Q,
) -> Result<Q::Reply, (SaAisErrorT, Option<u32>)> {
    let (error, payload) = conn
        .request(
            Q::KIND,
            request.to_payload(),
            sa_ipc::client::DEFAULT_REQUEST_TIMEOUT,
        )
        .map_err(|e| (e.to_ais(), None))?;
    if error != SA_AIS_OK {
        let index = if payload.is_empty() {
            None
        } else {
            ElementError::from_payload(&payload).ok().map(|e| e.index)
        };
        return Err((error, index));
    }
    Q::Reply::from_payload(&payload).map_err(|_| (SA_AIS_ERR_LIBRARY, None))
}

/// One element of a write, as the caller gave it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WriteSource<'a> {
    pub(crate) section_id: &'a [u8],
    pub(crate) offset: u64,
    pub(crate) data: &'a [u8],
}

/// Checks a write vector against the section size limit: an element
/// larger than `max_section_size`, or reaching past it, is
/// SA_AIS_ERR_INVALID_PARAM at that element (before anything is sent, so
/// a vector split into several requests is not applied in part).
pub(crate) fn check_write(
    elements: &[WriteSource<'_>],
    max_section_size: u64,
) -> Result<(), VectorError> {
    for (i, el) in elements.iter().enumerate() {
        let end = el.offset.checked_add(el.data.len() as u64);
        if end.is_none_or(|end| end > max_section_size) {
            return Err(VectorError::at(SA_AIS_ERR_INVALID_PARAM, i));
        }
    }
    Ok(())
}

/// Splits a write vector into requests of at most `budget` data bytes;
/// each request element remembers the caller's element index.
pub(crate) fn plan_write(
    open_id: u64,
    elements: &[WriteSource<'_>],
    budget: usize,
) -> Vec<(Write, Vec<usize>)> {
    let budget = budget.max(1);
    let mut plan = Vec::new();
    let mut current = Write {
        open_id,
        elements: Vec::new(),
    };
    let mut origins = Vec::new();
    let mut used = 0usize;
    for (i, el) in elements.iter().enumerate() {
        let mut pieces: Vec<(u64, &[u8])> = Vec::new();
        if el.data.is_empty() {
            pieces.push((el.offset, el.data));
        } else {
            let mut done = 0usize;
            while done < el.data.len() {
                let take = (el.data.len() - done).min(budget);
                pieces.push((el.offset + done as u64, &el.data[done..done + take]));
                done += take;
            }
        }
        for (offset, data) in pieces {
            if used + data.len() > budget && !current.elements.is_empty() {
                plan.push((
                    std::mem::replace(
                        &mut current,
                        Write {
                            open_id,
                            elements: Vec::new(),
                        },
                    ),
                    std::mem::take(&mut origins),
                ));
                used = 0;
            }
            used += data.len();
            current.elements.push(WriteElement {
                section_id: el.section_id.to_vec(),
                offset,
                data: data.to_vec(),
            });
            origins.push(i);
        }
    }
    if !current.elements.is_empty() {
        plan.push((current, origins));
    }
    plan
}

/// Writes a vector through `send` (one call per planned request).
pub(crate) fn write_vector(
    open_id: u64,
    elements: &[WriteSource<'_>],
    max_section_size: u64,
    budget: usize,
    mut send: impl FnMut(&Write) -> Result<(), (SaAisErrorT, Option<u32>)>,
) -> Result<(), VectorError> {
    check_write(elements, max_section_size)?;
    for (request, origins) in plan_write(open_id, elements, budget) {
        if let Err((code, index)) = send(&request) {
            let index = index.and_then(|j| origins.get(j as usize).copied());
            return Err(VectorError { code, index });
        }
    }
    Ok(())
}

/// One element of a read and its progress. The bytes are gathered here
/// and copied to the caller's buffer only when the whole read succeeded.
#[derive(Debug)]
pub(crate) struct ReadTarget {
    pub(crate) section_id: Vec<u8>,
    pub(crate) offset: u64,
    /// The caller's buffer size, or `None` for a buffer the library
    /// allocates (everything up to the section's end).
    pub(crate) capacity: Option<u64>,
    /// The bytes read so far (their count is the element's readSize).
    pub(crate) data: Vec<u8>,
    /// The element was asked for at least once.
    started: bool,
    /// The section ended or the buffer is full.
    done: bool,
}

impl ReadTarget {
    pub(crate) fn new(section_id: Vec<u8>, offset: u64, capacity: Option<u64>) -> ReadTarget {
        ReadTarget {
            section_id,
            offset,
            capacity,
            data: Vec::new(),
            started: false,
            done: false,
        }
    }

    fn read(&self) -> u64 {
        self.data.len() as u64
    }

    /// Bytes still wanted.
    fn wanted(&self, max_section_size: u64) -> u64 {
        match self.capacity {
            Some(c) => c.saturating_sub(self.read()),
            None => max_section_size
                .saturating_sub(self.offset)
                .saturating_sub(self.read()),
        }
    }
}

/// Checks a read vector against the section size limit: a caller buffer
/// larger than `max_section_size`, or an offset past it, is
/// SA_AIS_ERR_INVALID_PARAM at that element.
pub(crate) fn check_read(targets: &[ReadTarget], max_section_size: u64) -> Result<(), VectorError> {
    for (i, t) in targets.iter().enumerate() {
        let too_big = t.capacity.is_some_and(|c| c > max_section_size);
        if too_big || t.offset > max_section_size {
            return Err(VectorError::at(SA_AIS_ERR_INVALID_PARAM, i));
        }
    }
    Ok(())
}

/// Reads a vector through `send`, in requests asking for at most `budget`
/// bytes, until every element's buffer is full or its section ended.
pub(crate) fn read_vector(
    open_id: u64,
    targets: &mut [ReadTarget],
    max_section_size: u64,
    budget: usize,
    mut send: impl FnMut(&Read) -> Result<ReadReply, (SaAisErrorT, Option<u32>)>,
) -> Result<(), VectorError> {
    check_read(targets, max_section_size)?;
    let budget = budget.max(1) as u64;
    loop {
        let mut request = Read {
            open_id,
            elements: Vec::new(),
        };
        let mut origins = Vec::new();
        let mut left = budget;
        for (i, t) in targets.iter().enumerate() {
            if t.done {
                continue;
            }
            let take = t.wanted(max_section_size).min(left);
            // An element asks at least once (even for nothing: its section
            // must exist); afterwards only while it has room.
            if take == 0 && t.started {
                continue;
            }
            if take == 0 && left == 0 {
                break;
            }
            request.elements.push(ReadElement {
                section_id: t.section_id.clone(),
                offset: t.offset + t.read(),
                size: take,
            });
            origins.push(i);
            left -= take;
        }
        if request.elements.is_empty() {
            return Ok(());
        }
        let reply = send(&request).map_err(|(code, index)| VectorError {
            code,
            index: index.and_then(|j| origins.get(j as usize).copied()),
        })?;
        if reply.data.len() != request.elements.len() {
            return Err(VectorError::whole(SA_AIS_ERR_LIBRARY));
        }
        for ((&i, asked), bytes) in origins.iter().zip(&request.elements).zip(&reply.data) {
            let t = &mut targets[i];
            if bytes.len() as u64 > asked.size {
                return Err(VectorError::whole(SA_AIS_ERR_LIBRARY));
            }
            t.started = true;
            t.data.extend_from_slice(bytes);
            if (bytes.len() as u64) < asked.size || t.wanted(max_section_size) == 0 {
                t.done = true;
            }
        }
    }
}

/// [`MAX_DATA_PER_REQUEST`] as the default budget of a request.
pub(crate) const BUDGET: usize = MAX_DATA_PER_REQUEST;

/// Vectors through one opening of a checkpoint, within its section size.
impl CheckpointHandle {
    /// Writes `elements`, in as many requests as it takes.
    pub(crate) fn write(&self, elements: &[WriteSource<'_>]) -> Result<(), VectorError> {
        write_vector(
            self.open_id,
            elements,
            self.attributes.max_section_size,
            BUDGET,
            |w| call_vector(&self.instance.conn, w),
        )
    }

    /// Writes what a section create or overwrite request had no room for:
    /// `rest`, the section's data from `offset` on.
    pub(crate) fn write_rest(
        &self,
        section_id: &[u8],
        offset: usize,
        rest: &[u8],
    ) -> Result<(), SaAisErrorT> {
        if rest.is_empty() {
            return Ok(());
        }
        let source = [WriteSource {
            section_id,
            offset: offset as u64,
            data: rest,
        }];
        self.write(&source).map_err(|e| e.code)
    }

    /// Reads `targets`, in as many requests as it takes.
    pub(crate) fn read(&self, targets: &mut [ReadTarget]) -> Result<(), VectorError> {
        read_vector(
            self.open_id,
            targets,
            self.attributes.max_section_size,
            BUDGET,
            |r| call_vector(&self.instance.conn, r),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sa_abi::ais::SA_AIS_ERR_NOT_EXIST;
    use std::collections::HashMap;

    /// Sections of a stand-in checkpoint.
    struct Store(HashMap<Vec<u8>, Vec<u8>>);

    impl Store {
        fn write(&mut self, w: &Write) -> Result<(), (SaAisErrorT, Option<u32>)> {
            for (j, el) in w.elements.iter().enumerate() {
                if !self.0.contains_key(&el.section_id) {
                    return Err((SA_AIS_ERR_NOT_EXIST, Some(j as u32)));
                }
            }
            for el in &w.elements {
                let s = self.0.get_mut(&el.section_id).unwrap();
                let end = el.offset as usize + el.data.len();
                if s.len() < end {
                    s.resize(end, 0);
                }
                s[el.offset as usize..end].copy_from_slice(&el.data);
            }
            Ok(())
        }

        fn read(&self, r: &Read) -> Result<ReadReply, (SaAisErrorT, Option<u32>)> {
            let mut data = Vec::new();
            for (j, el) in r.elements.iter().enumerate() {
                let Some(s) = self.0.get(&el.section_id) else {
                    return Err((SA_AIS_ERR_NOT_EXIST, Some(j as u32)));
                };
                let from = (el.offset as usize).min(s.len());
                let to = (from + el.size as usize).min(s.len());
                data.push(s[from..to].to_vec());
            }
            Ok(ReadReply { data })
        }
    }

    fn store() -> Store {
        Store(HashMap::from([
            (b"a".to_vec(), Vec::new()),
            (b"b".to_vec(), Vec::new()),
        ]))
    }

    #[test]
    fn small_vectors_travel_in_one_request() {
        let src = [
            WriteSource {
                section_id: b"a",
                offset: 0,
                data: b"xyz",
            },
            WriteSource {
                section_id: b"b",
                offset: 2,
                data: b"",
            },
        ];
        let plan = plan_write(9, &src, 100);
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].1, vec![0, 1]);
        assert_eq!(plan[0].0.open_id, 9);
    }

    #[test]
    fn large_writes_are_split_in_order() {
        let big = vec![7u8; 25];
        let src = [
            WriteSource {
                section_id: b"a",
                offset: 5,
                data: &big,
            },
            WriteSource {
                section_id: b"b",
                offset: 0,
                data: b"tail",
            },
        ];
        let plan = plan_write(1, &src, 10);
        let pieces: Vec<(u64, usize, usize)> = plan
            .iter()
            .flat_map(|(w, o)| {
                w.elements
                    .iter()
                    .zip(o)
                    .map(|(e, &i)| (e.offset, e.data.len(), i))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(pieces, vec![(5, 10, 0), (15, 10, 0), (25, 5, 0), (0, 4, 1)]);
        for (w, _) in &plan {
            assert!(w.elements.iter().map(|e| e.data.len()).sum::<usize>() <= 10);
        }
        let mut s = store();
        write_vector(1, &src, 100, 10, |w| s.write(w)).unwrap();
        assert_eq!(&s.0[&b"a".to_vec()][5..], &big[..]);
        assert_eq!(s.0[&b"b".to_vec()], b"tail");
    }

    #[test]
    fn write_errors_name_the_caller_element() {
        let src = [
            WriteSource {
                section_id: b"a",
                offset: 0,
                data: b"0123456789",
            },
            WriteSource {
                section_id: b"missing",
                offset: 0,
                data: b"x",
            },
        ];
        let mut s = store();
        // split into two requests: the error of the second names element 1
        let e = write_vector(1, &src, 100, 10, |w| s.write(w)).unwrap_err();
        assert_eq!(e, VectorError::at(SA_AIS_ERR_NOT_EXIST, 1));
        // limits are checked before anything is sent
        let mut sent = 0;
        let e = write_vector(1, &src, 5, 100, |_| {
            sent += 1;
            Ok(())
        })
        .unwrap_err();
        assert_eq!(e, VectorError::at(SA_AIS_ERR_INVALID_PARAM, 0));
        assert_eq!(sent, 0);
        let past = [WriteSource {
            section_id: b"a",
            offset: u64::MAX,
            data: b"x",
        }];
        assert_eq!(
            check_write(&past, u64::MAX),
            Err(VectorError::at(SA_AIS_ERR_INVALID_PARAM, 0))
        );
    }

    #[test]
    fn reads_fill_buffers_across_requests() {
        let mut s = store();
        s.0.insert(b"a".to_vec(), (0..40u8).collect());
        s.0.insert(b"b".to_vec(), b"bb".to_vec());
        let mut targets = vec![
            ReadTarget::new(b"a".to_vec(), 4, Some(30)),
            ReadTarget::new(b"b".to_vec(), 0, None),
            ReadTarget::new(b"a".to_vec(), 0, None),
        ];
        let mut requests = 0;
        read_vector(1, &mut targets, 100, 8, |r| {
            requests += 1;
            assert!(r.elements.iter().map(|e| e.size).sum::<u64>() <= 8);
            s.read(r)
        })
        .unwrap();
        assert!(requests > 3);
        assert_eq!(targets[0].data.len(), 30);
        assert_eq!(targets[0].data[0], 4);
        assert_eq!(targets[0].data[29], 33);
        assert_eq!(targets[1].data, b"bb");
        assert_eq!(targets[2].data.len(), 40);
    }

    #[test]
    fn read_errors_and_limits() {
        let s = store();
        let mut targets = vec![
            ReadTarget::new(b"a".to_vec(), 0, Some(4)),
            ReadTarget::new(b"nosuch".to_vec(), 0, Some(4)),
        ];
        let e = read_vector(1, &mut targets, 100, 100, |r| s.read(r)).unwrap_err();
        assert_eq!(e, VectorError::at(SA_AIS_ERR_NOT_EXIST, 1));

        let t = vec![ReadTarget::new(b"a".to_vec(), 0, Some(11))];
        assert_eq!(
            check_read(&t, 10),
            Err(VectorError::at(SA_AIS_ERR_INVALID_PARAM, 0))
        );
        assert!(check_read(&[ReadTarget::new(b"a".to_vec(), 10, None)], 10).is_ok());
        let t2 = vec![ReadTarget::new(b"a".to_vec(), 11, Some(1))];
        assert_eq!(
            check_read(&t2, 10),
            Err(VectorError::at(SA_AIS_ERR_INVALID_PARAM, 0))
        );
    }

    #[test]
    fn empty_buffers_still_check_the_section() {
        let s = store();
        let mut targets = vec![ReadTarget::new(b"nosuch".to_vec(), 0, Some(0))];
        let e = read_vector(1, &mut targets, 100, 100, |r| s.read(r)).unwrap_err();
        assert_eq!(e.code, SA_AIS_ERR_NOT_EXIST);
    }
}

//! One checkpoint: its attributes, its sections and the rules of section
//! operations (B.01.01 limits: maxSections, maxSectionSize,
//! maxSectionIdSize, checkpointSize; the default section of a checkpoint
//! created with maxSections 1).
//!
//! Everything here is deterministic: times come from the messages that
//! carry the operations, so every replica computes the same state.

use std::collections::BTreeMap;

use sa_abi::ais::SA_TIME_END;
use sa_abi::ckpt::{
    SA_CKPT_SECTIONS_ANY, SA_CKPT_SECTIONS_CORRUPTED, SA_CKPT_SECTIONS_FOREVER,
    SA_CKPT_SECTIONS_GEQ_EXPIRATION_TIME, SA_CKPT_SECTIONS_LEQ_EXPIRATION_TIME,
    SA_CKPT_SECTION_VALID,
};
use sa_ipc::proto::ckpt::{CreationAttributes, ReadElement, SectionDescriptor, WriteElement};
use sa_ipc::Name;

use super::error::{CkptError, VectorFailure};
use crate::ordering::NodeId;

/// Cluster-wide id of a checkpoint (distinct from its name: an unlinked
/// checkpoint still open keeps its id while a new one takes the name).
pub type CkptId = u64;

/// The default section's id: empty.
pub const DEFAULT_SECTION: &[u8] = &[];

/// How many bytes of section data a checkpoint may hold in this node's
/// memory at most, besides what its own checkpointSize allows. The
/// creation attributes are the client's numbers (`~0` is legal there);
/// this bound comes from the executive, so no client can make every
/// replica allocate what it asks for. Sections are dense: a write at
/// offset N makes the section N bytes long and holds them.
pub type Room = u64;

/// The most room any checkpoint gets, whatever it is given: 1 TiB, within
/// the address space of every node, so a length below it always fits a
/// `Vec`.
pub const MAX_ROOM: Room = 1 << 40;

/// One section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub data: Vec<u8>,
    /// Absolute SaTimeT; SA_TIME_END: never.
    pub expiration: i64,
    /// SaTimeT of the last change.
    pub last_update: i64,
    /// Created or changed since this replica's last completed sync (in
    /// its partition, since the partition formed): what a merge after a
    /// partition keeps of this copy where the other side did not change
    /// the section (see `sync`).
    pub changed: bool,
}

/// One checkpoint replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub id: CkptId,
    pub name: Name,
    /// Whether `name` still refers to this checkpoint (not unlinked).
    pub linked: bool,
    /// The attributes it was created with (reopens compare with these).
    pub attributes: CreationAttributes,
    /// The retention duration now (RetentionDurationSet changes it).
    pub retention: i64,
    /// Sections by id; ids sort as byte strings.
    pub sections: BTreeMap<Vec<u8>, Section>,
    /// Bytes of section data held.
    pub bytes: u64,
    /// Openings of it, cluster-wide (derived from the openings table).
    pub open_count: u32,
    /// When the last opening closed, while nobody has it open; the
    /// retention duration counts from here.
    pub unopened_since: Option<i64>,
    /// Changes whenever the retention clock starts or stops, so an expiry
    /// decided under an older clock is recognised as stale.
    pub epoch: u64,
    /// The node whose replica was made active (collocated checkpoints).
    pub active_replica: Option<NodeId>,
    /// Next candidate for a generated section id.
    pub next_generated: u64,
}

impl Checkpoint {
    /// A new checkpoint; one created with maxSections 1 has its default
    /// section, empty, from the start.
    pub fn new(id: CkptId, name: Name, attributes: CreationAttributes, now: i64) -> Checkpoint {
        let mut sections = BTreeMap::new();
        if attributes.max_sections == 1 {
            sections.insert(
                DEFAULT_SECTION.to_vec(),
                Section {
                    data: Vec::new(),
                    expiration: SA_TIME_END,
                    last_update: now,
                    changed: false,
                },
            );
        }
        Checkpoint {
            id,
            name,
            linked: true,
            attributes,
            retention: attributes.retention_duration,
            sections,
            bytes: 0,
            open_count: 0,
            unopened_since: None,
            epoch: 0,
            active_replica: None,
            next_generated: 1,
        }
    }

    /// The attributes as StatusGet reports them (retention as it is now).
    pub fn current_attributes(&self) -> CreationAttributes {
        CreationAttributes {
            retention_duration: self.retention,
            ..self.attributes
        }
    }

    fn section(&self, id: &[u8]) -> Result<&Section, CkptError> {
        self.sections.get(id).ok_or(CkptError::NotExist)
    }

    /// An id for a section whose creator asked for one: the smallest
    /// unused decimal number from `next_generated` on, if it fits in
    /// maxSectionIdSize.
    fn generate_id(&mut self) -> Result<Vec<u8>, CkptError> {
        loop {
            let id = self.next_generated.to_string().into_bytes();
            if id.len() as u64 > self.attributes.max_section_id_size {
                return Err(CkptError::NoSpace);
            }
            self.next_generated += 1;
            if !self.sections.contains_key(&id) {
                return Ok(id);
            }
        }
    }

    /// Creates a section; an empty `id` asks for a generated one. Returns
    /// the section's id.
    pub fn create_section(
        &mut self,
        id: &[u8],
        expiration: i64,
        data: &[u8],
        now: i64,
        room: Room,
    ) -> Result<Vec<u8>, CkptError> {
        if !id.is_empty() && id.len() as u64 > self.attributes.max_section_id_size {
            return Err(CkptError::InvalidParam);
        }
        if data.len() as u64 > self.attributes.max_section_size {
            return Err(CkptError::InvalidParam);
        }
        if !id.is_empty() && self.sections.contains_key(id) {
            return Err(CkptError::Exist);
        }
        // The default section of a one-section checkpoint fills it.
        if self.sections.len() as u64 >= u64::from(self.attributes.max_sections) {
            return Err(CkptError::NoSpace);
        }
        let total = self.bytes.saturating_add(data.len() as u64);
        if total > self.attributes.checkpoint_size {
            return Err(CkptError::NoSpace);
        }
        if total > room {
            return Err(CkptError::NoResources);
        }
        let id = if id.is_empty() {
            self.generate_id()?
        } else {
            id.to_vec()
        };
        self.bytes += data.len() as u64;
        self.sections.insert(
            id.clone(),
            Section {
                data: data.to_vec(),
                expiration,
                last_update: now,
                changed: true,
            },
        );
        Ok(id)
    }

    /// Deletes a section (never the default section).
    pub fn delete_section(&mut self, id: &[u8]) -> Result<Section, CkptError> {
        if id.is_empty() {
            return Err(CkptError::InvalidParam);
        }
        let section = self.sections.remove(id).ok_or(CkptError::NotExist)?;
        self.bytes -= section.data.len() as u64;
        Ok(section)
    }

    /// Sets a section's expiration time (not the default section's, which
    /// never expires); returns the previous one.
    pub fn set_expiration(&mut self, id: &[u8], expiration: i64) -> Result<i64, CkptError> {
        if id.is_empty() {
            return Err(CkptError::InvalidParam);
        }
        let section = self.sections.get_mut(id).ok_or(CkptError::NotExist)?;
        section.changed = true;
        Ok(std::mem::replace(&mut section.expiration, expiration))
    }

    /// Checks a write vector without applying it: each element's section
    /// exists, stays within maxSectionSize, and the checkpoint within
    /// checkpointSize (else SA_AIS_ERR_NO_SPACE) and within `room` (else
    /// SA_AIS_ERR_NO_RESOURCES) after all the elements before it. Every
    /// sum is checked: offsets and sizes are the client's numbers.
    pub fn check_write(&self, elements: &[WriteElement], room: Room) -> Result<(), VectorFailure> {
        let room = room.min(MAX_ROOM);
        let mut sizes: BTreeMap<&[u8], u64> = BTreeMap::new();
        let mut total = self.bytes;
        for (i, el) in elements.iter().enumerate() {
            let section = self
                .section(&el.section_id)
                .map_err(|e| VectorFailure::at(i, e))?;
            let end = el
                .offset
                .checked_add(el.data.len() as u64)
                .filter(|end| *end <= self.attributes.max_section_size)
                .ok_or(VectorFailure::at(i, CkptError::InvalidParam))?;
            let size = sizes
                .entry(&el.section_id)
                .or_insert(section.data.len() as u64);
            if end > *size {
                // end - size <= u64::MAX - total would be the overflow
                // bound; anything past u64 is past every limit anyway.
                total = total.saturating_add(end - *size);
                *size = end;
            }
            if total > self.attributes.checkpoint_size {
                return Err(VectorFailure::at(i, CkptError::NoSpace));
            }
            if total > room {
                return Err(VectorFailure::at(i, CkptError::NoResources));
            }
        }
        Ok(())
    }

    /// Writes a vector: every element, or none when one is refused. A
    /// write past a section's end extends it (a gap reads as zeros).
    pub fn write(
        &mut self,
        elements: &[WriteElement],
        now: i64,
        room: Room,
    ) -> Result<(), VectorFailure> {
        self.check_write(elements, room)?;
        for (i, el) in elements.iter().enumerate() {
            let Some(section) = self.sections.get_mut(&el.section_id) else {
                continue;
            };
            // Checked above: the end is within `room`, which the
            // executive bounds, so it fits in memory and in usize.
            let range = usize::try_from(el.offset)
                .ok()
                .and_then(|start| Some(start..start.checked_add(el.data.len())?))
                .ok_or(VectorFailure::at(i, CkptError::NoResources))?;
            if section.data.len() < range.end {
                self.bytes += (range.end - section.data.len()) as u64;
                section.data.resize(range.end, 0);
            }
            section.data[range].copy_from_slice(&el.data);
            section.last_update = now;
            section.changed = true;
        }
        Ok(())
    }

    /// Replaces a section's data.
    pub fn overwrite(
        &mut self,
        id: &[u8],
        data: &[u8],
        now: i64,
        room: Room,
    ) -> Result<(), CkptError> {
        let old = self.section(id)?.data.len() as u64;
        if data.len() as u64 > self.attributes.max_section_size {
            return Err(CkptError::InvalidParam);
        }
        let total = (self.bytes - old).saturating_add(data.len() as u64);
        if total > self.attributes.checkpoint_size {
            return Err(CkptError::NoSpace);
        }
        if total > room {
            return Err(CkptError::NoResources);
        }
        let section = self.sections.get_mut(id).ok_or(CkptError::NotExist)?;
        section.data = data.to_vec();
        section.last_update = now;
        section.changed = true;
        self.bytes = self.bytes - old + data.len() as u64;
        Ok(())
    }

    /// Reads a vector: for each element the bytes from its offset, at
    /// most its size, fewer where the section ends.
    pub fn read(&self, elements: &[ReadElement]) -> Result<Vec<Vec<u8>>, VectorFailure> {
        let max = self.attributes.max_section_size;
        let mut out = Vec::with_capacity(elements.len());
        for (i, el) in elements.iter().enumerate() {
            let section = self
                .section(&el.section_id)
                .map_err(|e| VectorFailure::at(i, e))?;
            if el.offset > max || el.size > max {
                return Err(VectorFailure::at(i, CkptError::InvalidParam));
            }
            let len = section.data.len() as u64;
            let from = el.offset.min(len) as usize;
            let to = el.offset.saturating_add(el.size).min(len) as usize;
            out.push(section.data[from..to].to_vec());
        }
        Ok(out)
    }

    /// One page of a section iteration: sections chosen by (`chosen`,
    /// `expiration`) after `after` in id order, at most `max_sections` and
    /// about `max_bytes` of descriptors; and whether more follow.
    pub fn iterate(
        &self,
        chosen: u32,
        expiration: i64,
        after: Option<&[u8]>,
        max_sections: usize,
        max_bytes: usize,
    ) -> Result<(Vec<SectionDescriptor>, bool), CkptError> {
        let wanted: fn(&Section, i64) -> bool = match chosen {
            SA_CKPT_SECTIONS_FOREVER => |s, _| s.expiration == SA_TIME_END,
            SA_CKPT_SECTIONS_LEQ_EXPIRATION_TIME => |s, t| s.expiration <= t,
            SA_CKPT_SECTIONS_GEQ_EXPIRATION_TIME => |s, t| s.expiration >= t,
            // Replicas are written in agreed order and never diverge:
            // no section is ever corrupted.
            SA_CKPT_SECTIONS_CORRUPTED => |_, _| false,
            SA_CKPT_SECTIONS_ANY => |_, _| true,
            _ => return Err(CkptError::InvalidParam),
        };
        let range = match after {
            Some(a) => self
                .sections
                .range::<[u8], _>((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded)),
            None => self.sections.range::<[u8], _>(..),
        };
        let mut page = Vec::new();
        let mut bytes = 0usize;
        for (id, s) in range.filter(|(_, s)| wanted(s, expiration)) {
            if page.len() >= max_sections.max(1) || (bytes >= max_bytes && !page.is_empty()) {
                return Ok((page, true));
            }
            bytes += id.len() + 32;
            page.push(SectionDescriptor {
                section_id: id.clone(),
                expiration: s.expiration,
                size: s.data.len() as u64,
                state: SA_CKPT_SECTION_VALID,
                last_update: s.last_update,
            });
        }
        Ok((page, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sa_abi::ckpt::SA_CKPT_WR_ALL_REPLICAS;

    /// No executive limit: the tests of the spec's own limits.
    const ROOM: Room = Room::MAX;

    fn attrs(max_sections: u32, max_size: u64) -> CreationAttributes {
        CreationAttributes {
            creation_flags: SA_CKPT_WR_ALL_REPLICAS,
            checkpoint_size: u64::from(max_sections) * max_size,
            retention_duration: 1_000,
            max_sections,
            max_section_size: max_size,
            max_section_id_size: 4,
        }
    }

    fn ckpt(max_sections: u32, max_size: u64) -> Checkpoint {
        Checkpoint::new(
            1,
            Name::try_from("c").unwrap(),
            attrs(max_sections, max_size),
            0,
        )
    }

    fn w(id: &[u8], offset: u64, data: &[u8]) -> WriteElement {
        WriteElement {
            section_id: id.to_vec(),
            offset,
            data: data.to_vec(),
        }
    }

    fn r(id: &[u8], offset: u64, size: u64) -> ReadElement {
        ReadElement {
            section_id: id.to_vec(),
            offset,
            size,
        }
    }

    #[test]
    fn default_section_exists_only_with_one_section() {
        let mut c = ckpt(1, 10);
        assert_eq!(c.sections.len(), 1);
        assert_eq!(c.read(&[r(b"", 0, 10)]).unwrap(), vec![Vec::<u8>::new()]);
        c.write(&[w(b"", 0, b"abc")], 5, ROOM).unwrap();
        assert_eq!(c.read(&[r(b"", 1, 10)]).unwrap(), vec![b"bc".to_vec()]);
        assert_eq!(c.delete_section(b""), Err(CkptError::InvalidParam));
        assert_eq!(c.set_expiration(b"", 5), Err(CkptError::InvalidParam));
        // full: the default section occupies the only slot
        assert_eq!(
            c.create_section(b"x", SA_TIME_END, b"", 0, ROOM),
            Err(CkptError::NoSpace)
        );
        assert_eq!(
            c.create_section(b"", SA_TIME_END, b"", 0, ROOM),
            Err(CkptError::NoSpace)
        );

        let c = ckpt(3, 10);
        assert!(c.sections.is_empty());
        assert_eq!(
            c.read(&[r(b"", 0, 1)]),
            Err(VectorFailure::at(0, CkptError::NotExist))
        );
    }

    #[test]
    fn section_create_limits() {
        let mut c = ckpt(2, 10);
        assert_eq!(
            c.create_section(b"toolong", SA_TIME_END, b"", 0, ROOM),
            Err(CkptError::InvalidParam)
        );
        assert_eq!(
            c.create_section(b"big", SA_TIME_END, &[0; 11], 0, ROOM),
            Err(CkptError::InvalidParam)
        );
        assert_eq!(
            c.create_section(b"a", SA_TIME_END, b"1", 0, ROOM).unwrap(),
            b"a"
        );
        assert_eq!(
            c.create_section(b"a", SA_TIME_END, b"2", 0, ROOM),
            Err(CkptError::Exist)
        );
        c.create_section(b"b", SA_TIME_END, &[0; 10], 0, ROOM)
            .unwrap();
        assert_eq!(
            c.create_section(b"c", SA_TIME_END, b"", 0, ROOM),
            Err(CkptError::NoSpace)
        );
        assert_eq!(c.bytes, 11);
        c.delete_section(b"a").unwrap();
        assert_eq!(c.bytes, 10);
        assert_eq!(c.delete_section(b"a"), Err(CkptError::NotExist));
        c.create_section(b"c", SA_TIME_END, b"", 0, ROOM).unwrap();
    }

    #[test]
    fn checkpoint_size_limits_the_total() {
        let mut c = Checkpoint::new(
            1,
            Name::try_from("c").unwrap(),
            CreationAttributes {
                checkpoint_size: 15,
                ..attrs(3, 10)
            },
            0,
        );
        c.create_section(b"a", SA_TIME_END, &[1; 10], 0, ROOM)
            .unwrap();
        assert_eq!(
            c.create_section(b"b", SA_TIME_END, &[1; 6], 0, ROOM),
            Err(CkptError::NoSpace)
        );
        c.create_section(b"b", SA_TIME_END, &[1; 5], 0, ROOM)
            .unwrap();
        assert_eq!(
            c.write(&[w(b"b", 5, b"x")], 0, ROOM),
            Err(VectorFailure::at(0, CkptError::NoSpace))
        );
        // rewriting in place needs no room
        c.write(&[w(b"b", 0, b"xyz")], 0, ROOM).unwrap();
        assert_eq!(c.overwrite(b"b", &[0; 6], 0, ROOM), Err(CkptError::NoSpace));
        c.overwrite(b"a", b"", 0, ROOM).unwrap();
        c.overwrite(b"b", &[0; 10], 0, ROOM).unwrap();
        assert_eq!(c.bytes, 10);
    }

    #[test]
    fn generated_ids_are_unique_and_bounded() {
        let mut c = ckpt(4, 10);
        c.create_section(b"2", SA_TIME_END, b"", 0, ROOM).unwrap();
        assert_eq!(
            c.create_section(b"", SA_TIME_END, b"", 0, ROOM).unwrap(),
            b"1"
        );
        assert_eq!(
            c.create_section(b"", SA_TIME_END, b"", 0, ROOM).unwrap(),
            b"3"
        );
        let mut tiny = Checkpoint::new(
            1,
            Name::try_from("t").unwrap(),
            CreationAttributes {
                max_section_id_size: 0,
                ..attrs(4, 10)
            },
            0,
        );
        assert_eq!(
            tiny.create_section(b"", SA_TIME_END, b"", 0, ROOM),
            Err(CkptError::NoSpace)
        );
    }

    #[test]
    fn writes_are_atomic_and_report_the_element() {
        let mut c = ckpt(4, 100);
        c.create_section(b"s", SA_TIME_END, b"", 0, ROOM).unwrap();
        c.create_section(b"t", SA_TIME_END, b"", 0, ROOM).unwrap();
        let e = c
            .write(
                &[w(b"s", 0, b"AA"), w(b"nope", 0, b"B"), w(b"t", 0, b"CC")],
                1,
                ROOM,
            )
            .unwrap_err();
        assert_eq!(e, VectorFailure::at(1, CkptError::NotExist));
        assert_eq!(c.read(&[r(b"s", 0, 10)]).unwrap(), vec![Vec::<u8>::new()]);
        // growing past maxSectionSize is refused, in one element or across
        assert_eq!(
            c.write(&[w(b"s", 90, &[1; 20])], 1, ROOM),
            Err(VectorFailure::at(0, CkptError::InvalidParam))
        );
        assert_eq!(
            c.write(&[w(b"s", u64::MAX, b"x")], 1, ROOM),
            Err(VectorFailure::at(0, CkptError::InvalidParam))
        );
        c.write(&[w(b"s", 0, b"first"), w(b"t", 2, b"second")], 7, ROOM)
            .unwrap();
        assert_eq!(
            c.read(&[r(b"t", 0, 100)]).unwrap(),
            vec![b"\0\0second".to_vec()]
        );
        assert_eq!(c.bytes, 13);
        assert_eq!(c.sections[&b"t".to_vec()].last_update, 7);
    }

    #[test]
    fn reads_check_limits() {
        let mut c = ckpt(4, 100);
        c.create_section(b"s", SA_TIME_END, b"0123456789", 0, ROOM)
            .unwrap();
        assert_eq!(c.read(&[r(b"s", 4, 3)]).unwrap(), vec![b"456".to_vec()]);
        assert_eq!(c.read(&[r(b"s", 50, 3)]).unwrap(), vec![Vec::<u8>::new()]);
        assert_eq!(
            c.read(&[r(b"s", 0, 101)]),
            Err(VectorFailure::at(0, CkptError::InvalidParam))
        );
        assert_eq!(
            c.read(&[r(b"s", 150, 10)]),
            Err(VectorFailure::at(0, CkptError::InvalidParam))
        );
        assert_eq!(
            c.read(&[r(b"s", 0, 1), r(b"x", 0, 1)]),
            Err(VectorFailure::at(1, CkptError::NotExist))
        );
    }

    #[test]
    fn iteration_filters_and_pages() {
        let mut c = ckpt(8, 64);
        c.create_section(b"a", SA_TIME_END, b"1", 0, ROOM).unwrap();
        c.create_section(b"b", SA_TIME_END, b"22", 0, ROOM).unwrap();
        c.create_section(b"c", 100, b"333", 0, ROOM).unwrap();
        c.create_section(b"d", 200, b"4444", 0, ROOM).unwrap();
        let ids = |chosen, t| {
            let (page, more) = c.iterate(chosen, t, None, 100, 1 << 20).unwrap();
            assert!(!more);
            page.into_iter()
                .map(|d| String::from_utf8(d.section_id).unwrap())
                .collect::<Vec<_>>()
                .join("")
        };
        assert_eq!(ids(SA_CKPT_SECTIONS_ANY, 0), "abcd");
        assert_eq!(ids(SA_CKPT_SECTIONS_FOREVER, 0), "ab");
        assert_eq!(ids(SA_CKPT_SECTIONS_LEQ_EXPIRATION_TIME, 150), "c");
        assert_eq!(ids(SA_CKPT_SECTIONS_LEQ_EXPIRATION_TIME, 200), "cd");
        assert_eq!(ids(SA_CKPT_SECTIONS_GEQ_EXPIRATION_TIME, 150), "abd");
        assert_eq!(ids(SA_CKPT_SECTIONS_GEQ_EXPIRATION_TIME, 100), "abcd");
        assert_eq!(ids(SA_CKPT_SECTIONS_CORRUPTED, 0), "");
        assert_eq!(c.iterate(6, 0, None, 10, 100), Err(CkptError::InvalidParam));
        assert_eq!(c.iterate(0, 0, None, 10, 100), Err(CkptError::InvalidParam));
        // pages continue after the last id
        let (p1, more) = c
            .iterate(SA_CKPT_SECTIONS_ANY, 0, None, 3, 1 << 20)
            .unwrap();
        assert!(more);
        assert_eq!(p1.len(), 3);
        let (p2, more) = c
            .iterate(SA_CKPT_SECTIONS_ANY, 0, Some(b"c"), 3, 1 << 20)
            .unwrap();
        assert!(!more);
        assert_eq!(p2[0].section_id, b"d");
        assert_eq!(p2[0].size, 4);
        assert_eq!(p2[0].expiration, 200);
    }

    /// Offsets and sizes are the client's numbers: no sum of them may
    /// overflow, and the room bounds what a write can make a replica hold
    /// whatever the creation attributes allow.
    #[test]
    fn the_room_bounds_writes_whatever_the_attributes_allow() {
        let unbounded = CreationAttributes {
            checkpoint_size: u64::MAX,
            max_section_size: u64::MAX,
            ..attrs(2, 10)
        };
        let mut c = Checkpoint::new(1, Name::try_from("c").unwrap(), unbounded, 0);
        let room: Room = 1 << 20;
        c.create_section(b"s", SA_TIME_END, b"", 0, room).unwrap();
        for offset in [0xffff_ffff_ffff_ff00, 1 << 42, 1 << 30, room - 9] {
            assert_eq!(
                c.write(&[w(b"s", offset, &[1; 10])], 1, room),
                Err(VectorFailure::at(0, CkptError::NoResources)),
                "offset {offset:#x}"
            );
        }
        assert_eq!(
            c.write(&[w(b"s", u64::MAX - 5, &[1; 10])], 1, room),
            Err(VectorFailure::at(0, CkptError::InvalidParam))
        );
        // no room is larger than MAX_ROOM
        assert_eq!(
            c.write(&[w(b"s", MAX_ROOM, &[1; 10])], 1, Room::MAX),
            Err(VectorFailure::at(0, CkptError::NoResources))
        );
        assert_eq!(c.bytes, 0);
        c.write(&[w(b"s", room - 10, &[1; 10])], 1, room).unwrap();
        assert_eq!(c.bytes, room);
        assert_eq!(
            c.create_section(b"t", SA_TIME_END, b"x", 0, room),
            Err(CkptError::NoResources)
        );
        assert_eq!(
            c.overwrite(b"s", &[0; 11], 0, 10),
            Err(CkptError::NoResources)
        );
        c.overwrite(b"s", &[0; 10], 0, 10).unwrap();
        assert_eq!(c.bytes, 10);
    }
}

//! Checkpoint (CKPT) messages.
//!
//! A library handle opens checkpoints on its connection; each opening is
//! named by an `open_id` the library chooses (unique on its connection),
//! and every later request about that opening carries it. The executive
//! keys its records by (node, connection, open_id), so an id is only
//! meaningful on the connection that opened it.
//!
//! Requests (library -> executive, on the request connection):
//!
//! | kind | request                     | reply payload (when SA_AIS_OK)       |
//! |-----:|-----------------------------|--------------------------------------|
//! | 1    | [`Open`]                    | [`OpenReply`]: the attributes        |
//! | 2    | [`OpenAsync`]               | `()`; an [`OpenCallback`] follows    |
//! | 3    | [`Close`]                   | `()`                                 |
//! | 4    | [`Unlink`]                  | `()`                                 |
//! | 5    | [`RetentionDurationSet`]    | `()`                                 |
//! | 6    | [`ActiveReplicaSet`]        | `()`                                 |
//! | 7    | [`StatusGet`]               | [`StatusReply`]                      |
//! | 8    | [`SectionCreate`]           | [`SectionCreateReply`]: the id       |
//! | 9    | [`SectionDelete`]           | `()`                                 |
//! | 10   | [`SectionExpirationTimeSet`]| `()`                                 |
//! | 11   | [`Iterate`]                 | [`IterateReply`]: one page           |
//! | 12   | [`Write`]                   | `()`; see "element errors"           |
//! | 13   | [`Overwrite`]               | `()`                                 |
//! | 14   | [`Read`]                    | [`ReadReply`]; see "element errors"  |
//! | 15   | [`Synchronize`]             | `()`                                 |
//! | 16   | [`SynchronizeAsync`]        | `()`; a [`SynchronizeCallback`] follows |
//!
//! Callbacks (executive -> library, on the dispatch connection, seq 0, the
//! frame's `error` is the SaAisErrorT handed to the C callback):
//!
//! | kind | callback                  |
//! |-----:|---------------------------|
//! | 0x81 | [`OpenCallback`]          |
//! | 0x82 | [`SynchronizeCallback`]   |
//!
//! **Element errors.** A [`Write`] or [`Read`] that fails because of one
//! element of its vector answers with that error in the frame and, as the
//! one exception to "an error reply has an empty payload", an
//! [`ElementError`] payload naming the element. An error that concerns the
//! whole call (TRY_AGAIN, BAD_HANDLE, ACCESS) has an empty payload.
//!
//! **Section ids.** A section id is up to 65535 bytes (`idLen` is 16
//! bits). The empty id is the default section of a checkpoint created with
//! `maxSections` 1, except in [`SectionCreate`], where it asks the
//! executive to generate an id (SA_CKPT_GENERATED_SECTION_ID).
//!
//! The library validates the C arguments and the executive validates each
//! request again: it never trusts a client.

use super::{service, Message, Payload, Request};
use crate::codec::{DecodeError, Decoder, Encoder, Name};

/// Message ids of the CKPT service.
pub mod kind {
    pub const OPEN: u16 = 1;
    pub const OPEN_ASYNC: u16 = 2;
    pub const CLOSE: u16 = 3;
    pub const UNLINK: u16 = 4;
    pub const RETENTION_DURATION_SET: u16 = 5;
    pub const ACTIVE_REPLICA_SET: u16 = 6;
    pub const STATUS_GET: u16 = 7;
    pub const SECTION_CREATE: u16 = 8;
    pub const SECTION_DELETE: u16 = 9;
    pub const SECTION_EXPIRATION_TIME_SET: u16 = 10;
    pub const ITERATE: u16 = 11;
    pub const WRITE: u16 = 12;
    pub const OVERWRITE: u16 = 13;
    pub const READ: u16 = 14;
    pub const SYNCHRONIZE: u16 = 15;
    pub const SYNCHRONIZE_ASYNC: u16 = 16;
    pub const OPEN_CALLBACK: u16 = 0x81;
    pub const SYNCHRONIZE_CALLBACK: u16 = 0x82;
}

/// Longest section id (SaCkptSectionIdT.idLen is a 16-bit count).
pub const MAX_SECTION_ID_LEN: usize = u16::MAX as usize;

/// Most section data one request or reply carries. Larger writes and
/// reads are split by the library into several requests (each one atomic
/// on its own).
pub const MAX_DATA_PER_REQUEST: usize = 1024 * 1024 - 4096;

/// The SaCkptCheckpointCreationAttributesT of a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CreationAttributes {
    pub creation_flags: u32,
    pub checkpoint_size: u64,
    /// SaTimeT nanoseconds.
    pub retention_duration: i64,
    pub max_sections: u32,
    pub max_section_size: u64,
    pub max_section_id_size: u64,
}

impl Payload for CreationAttributes {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.creation_flags)
            .put_u64(self.checkpoint_size)
            .put_i64(self.retention_duration)
            .put_u32(self.max_sections)
            .put_u64(self.max_section_size)
            .put_u64(self.max_section_id_size);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<CreationAttributes, DecodeError> {
        Ok(CreationAttributes {
            creation_flags: d.get_u32()?,
            checkpoint_size: d.get_u64()?,
            retention_duration: d.get_i64()?,
            max_sections: d.get_u32()?,
            max_section_size: d.get_u64()?,
            max_section_id_size: d.get_u64()?,
        })
    }
}

impl CreationAttributes {
    /// B.01.01's rules for creation attributes: exactly one update option
    /// (WR_ALL_REPLICAS, WR_ACTIVE_REPLICA or WR_ACTIVE_REPLICA_WEAK),
    /// optionally CHECKPOINT_COLLOCATED, no other flag; at least one
    /// section; a checkpoint size no larger than maxSections *
    /// maxSectionSize; a retention duration that is not negative. A call
    /// with attributes breaking them is SA_AIS_ERR_INVALID_PARAM.
    pub fn is_valid(&self) -> bool {
        use sa_abi::ckpt::{
            SA_CKPT_CHECKPOINT_COLLOCATED, SA_CKPT_WR_ACTIVE_REPLICA,
            SA_CKPT_WR_ACTIVE_REPLICA_WEAK, SA_CKPT_WR_ALL_REPLICAS,
        };
        let update = self.creation_flags & !SA_CKPT_CHECKPOINT_COLLOCATED;
        let one_update_option = matches!(
            update,
            SA_CKPT_WR_ALL_REPLICAS | SA_CKPT_WR_ACTIVE_REPLICA | SA_CKPT_WR_ACTIVE_REPLICA_WEAK
        );
        let capacity = u128::from(self.max_sections) * u128::from(self.max_section_size);
        one_update_option
            && self.max_sections > 0
            && u128::from(self.checkpoint_size) <= capacity
            && self.retention_duration >= 0
    }
}

/// Writes an optional value as a bool (present) and the value.
pub fn put_opt<T>(e: &mut Encoder, v: &Option<T>, put: impl FnOnce(&mut Encoder, &T)) {
    match v {
        Some(v) => {
            e.put_bool(true);
            put(e, v);
        }
        None => {
            e.put_bool(false);
        }
    }
}

/// Reads what [`put_opt`] wrote.
pub fn get_opt<'a, T>(
    d: &mut Decoder<'a>,
    get: impl FnOnce(&mut Decoder<'a>) -> Result<T, DecodeError>,
) -> Result<Option<T>, DecodeError> {
    if d.get_bool()? {
        Ok(Some(get(d)?))
    } else {
        Ok(None)
    }
}

/// A section id: u32 length (at most [`MAX_SECTION_ID_LEN`]) and bytes.
pub fn put_section_id(e: &mut Encoder, id: &[u8]) {
    e.put_bytes(id);
}

/// Reads a section id written by [`put_section_id`].
pub fn get_section_id(d: &mut Decoder<'_>) -> Result<Vec<u8>, DecodeError> {
    Ok(d.get_bytes_max("section id", MAX_SECTION_ID_LEN)?.to_vec())
}

/// saCkptCheckpointOpen. `attributes` is present exactly when `flags`
/// holds SA_CKPT_CHECKPOINT_CREATE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    pub open_id: u64,
    pub name: Name,
    pub flags: u32,
    pub attributes: Option<CreationAttributes>,
}

impl Payload for Open {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.open_id)
            .put_name(&self.name)
            .put_u32(self.flags);
        put_opt(e, &self.attributes, |e, a| a.encode(e));
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Open, DecodeError> {
        Ok(Open {
            open_id: d.get_u64()?,
            name: d.get_name()?,
            flags: d.get_u32()?,
            attributes: get_opt(d, CreationAttributes::decode)?,
        })
    }
}

impl Message for Open {
    const SERVICE: u16 = service::CKPT;
    const KIND: u16 = kind::OPEN;
}

impl Request for Open {
    type Reply = OpenReply;
}

/// Reply to [`Open`]: the checkpoint's attributes (the retention duration
/// as it is now).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenReply {
    pub attributes: CreationAttributes,
}

impl Payload for OpenReply {
    fn encode(&self, e: &mut Encoder) {
        self.attributes.encode(e);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<OpenReply, DecodeError> {
        Ok(OpenReply {
            attributes: CreationAttributes::decode(d)?,
        })
    }
}

/// saCkptCheckpointOpenAsync: the request is acknowledged at once (or
/// refused when its arguments are wrong); the result comes as an
/// [`OpenCallback`] carrying `invocation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAsync {
    pub invocation: u64,
    pub open: Open,
}

impl Payload for OpenAsync {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation);
        self.open.encode(e);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<OpenAsync, DecodeError> {
        Ok(OpenAsync {
            invocation: d.get_u64()?,
            open: Open::decode(d)?,
        })
    }
}

impl Message for OpenAsync {
    const SERVICE: u16 = service::CKPT;
    const KIND: u16 = kind::OPEN_ASYNC;
}

impl Request for OpenAsync {
    type Reply = ();
}

/// The result of an [`OpenAsync`]: `attributes` is present exactly when
/// the frame's error is SA_AIS_OK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCallback {
    pub invocation: u64,
    pub open_id: u64,
    pub attributes: Option<CreationAttributes>,
}

impl Payload for OpenCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation).put_u64(self.open_id);
        put_opt(e, &self.attributes, |e, a| a.encode(e));
    }
    fn decode(d: &mut Decoder<'_>) -> Result<OpenCallback, DecodeError> {
        Ok(OpenCallback {
            invocation: d.get_u64()?,
            open_id: d.get_u64()?,
            attributes: get_opt(d, CreationAttributes::decode)?,
        })
    }
}

impl Message for OpenCallback {
    const SERVICE: u16 = service::CKPT;
    const KIND: u16 = kind::OPEN_CALLBACK;
}

/// Declares a request whose payload is the opening's id alone.
macro_rules! open_id_request {
    ($(#[$doc:meta])* $name:ident, $kind:expr, $reply:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name {
            pub open_id: u64,
        }

        impl Payload for $name {
            fn encode(&self, e: &mut Encoder) {
                e.put_u64(self.open_id);
            }
            fn decode(d: &mut Decoder<'_>) -> Result<$name, DecodeError> {
                Ok($name {
                    open_id: d.get_u64()?,
                })
            }
        }

        impl Message for $name {
            const SERVICE: u16 = service::CKPT;
            const KIND: u16 = $kind;
        }

        impl Request for $name {
            type Reply = $reply;
        }
    };
}

open_id_request!(
    /// saCkptCheckpointClose.
    Close,
    kind::CLOSE,
    ()
);
open_id_request!(
    /// saCkptActiveReplicaSet.
    ActiveReplicaSet,
    kind::ACTIVE_REPLICA_SET,
    ()
);
open_id_request!(
    /// saCkptCheckpointStatusGet.
    StatusGet,
    kind::STATUS_GET,
    StatusReply
);
open_id_request!(
    /// saCkptCheckpointSynchronize: answered once every replica holds
    /// every update made before it.
    Synchronize,
    kind::SYNCHRONIZE,
    ()
);

/// saCkptCheckpointUnlink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlink {
    pub name: Name,
}

impl Payload for Unlink {
    fn encode(&self, e: &mut Encoder) {
        e.put_name(&self.name);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Unlink, DecodeError> {
        Ok(Unlink {
            name: d.get_name()?,
        })
    }
}

impl Message for Unlink {
    const SERVICE: u16 = service::CKPT;
    const KIND: u16 = kind::UNLINK;
}

impl Request for Unlink {
    type Reply = ();
}

/// saCkptCheckpointRetentionDurationSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionDurationSet {
    pub open_id: u64,
    pub duration: i64,
}

impl Payload for RetentionDurationSet {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.open_id).put_i64(self.duration);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<RetentionDurationSet, DecodeError> {
        Ok(RetentionDurationSet {
            open_id: d.get_u64()?,
            duration: d.get_i64()?,
        })
    }
}

impl Message for RetentionDurationSet {
    const SERVICE: u16 = service::CKPT;
    const KIND: u16 = kind::RETENTION_DURATION_SET;
}

impl Request for RetentionDurationSet {
    type Reply = ();
}

/// Reply to [`StatusGet`] (SaCkptCheckpointDescriptorT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusReply {
    pub attributes: CreationAttributes,
    pub number_of_sections: u32,
    /// Bytes of section data held.
    pub memory_used: u64,
}

impl Payload for StatusReply {
    fn encode(&self, e: &mut Encoder) {
        self.attributes.encode(e);
        e.put_u32(self.number_of_sections).put_u64(self.memory_used);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<StatusReply, DecodeError> {
        Ok(StatusReply {
            attributes: CreationAttributes::decode(d)?,
            number_of_sections: d.get_u32()?,
            memory_used: d.get_u64()?,
        })
    }
}

/// saCkptSectionCreate; an empty `section_id` asks for a generated one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionCreate {
    pub open_id: u64,
    pub section_id: Vec<u8>,
    /// Absolute SaTimeT; SA_TIME_END: never expires.
    pub expiration: i64,
    pub data: Vec<u8>,
}

impl Payload for SectionCreate {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.open_id);
        put_section_id(e, &self.section_id);
        e.put_i64(self.expiration).put_bytes(&self.data);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<SectionCreate, DecodeError> {
        Ok(SectionCreate {
            open_id: d.get_u64()?,
            section_id: get_section_id(d)?,
            expiration: d.get_i64()?,
            data: d.get_bytes()?.to_vec(),
        })
    }
}

impl Message for SectionCreate {
    const SERVICE: u16 = service::CKPT;
    const KIND: u16 = kind::SECTION_CREATE;
}

impl Request for SectionCreate {
    type Reply = SectionCreateReply;
}

/// Reply to [`SectionCreate`]: the id of the new section (the generated
/// one when the request asked for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionCreateReply {
    pub section_id: Vec<u8>,
}

impl Payload for SectionCreateReply {
    fn encode(&self, e: &mut Encoder) {
        put_section_id(e, &self.section_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<SectionCreateReply, DecodeError> {
        Ok(SectionCreateReply {
            section_id: get_section_id(d)?,
        })
    }
}

/// saCkptSectionDelete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionDelete {
    pub open_id: u64,
    pub section_id: Vec<u8>,
}

impl Payload for SectionDelete {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.open_id);
        put_section_id(e, &self.section_id);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<SectionDelete, DecodeError> {
        Ok(SectionDelete {
            open_id: d.get_u64()?,
            section_id: get_section_id(d)?,
        })
    }
}

impl Message for SectionDelete {
    const SERVICE: u16 = service::CKPT;
    const KIND: u16 = kind::SECTION_DELETE;
}

impl Request for SectionDelete {
    type Reply = ();
}

/// saCkptSectionExpirationTimeSet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionExpirationTimeSet {
    pub open_id: u64,
    pub section_id: Vec<u8>,
    pub expiration: i64,
}

impl Payload for SectionExpirationTimeSet {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.open_id);
        put_section_id(e, &self.section_id);
        e.put_i64(self.expiration);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<SectionExpirationTimeSet, DecodeError> {
        Ok(SectionExpirationTimeSet {
            open_id: d.get_u64()?,
            section_id: get_section_id(d)?,
            expiration: d.get_i64()?,
        })
    }
}

impl Message for SectionExpirationTimeSet {
    const SERVICE: u16 = service::CKPT;
    const KIND: u16 = kind::SECTION_EXPIRATION_TIME_SET;
}

impl Request for SectionExpirationTimeSet {
    type Reply = ();
}

/// One page of a section iteration: the sections chosen by
/// (`chosen`, `expiration`) whose ids sort after `after` (all of them when
/// `None`), in id order, at most `max_sections` of them. Ids sort as byte
/// strings, so an iteration continues correctly while sections are
/// created and deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iterate {
    pub open_id: u64,
    /// SaCkptSectionsChosenT.
    pub chosen: u32,
    pub expiration: i64,
    pub after: Option<Vec<u8>>,
    pub max_sections: u32,
}

impl Payload for Iterate {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.open_id)
            .put_u32(self.chosen)
            .put_i64(self.expiration);
        put_opt(e, &self.after, |e, id| put_section_id(e, id));
        e.put_u32(self.max_sections);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Iterate, DecodeError> {
        Ok(Iterate {
            open_id: d.get_u64()?,
            chosen: d.get_u32()?,
            expiration: d.get_i64()?,
            after: get_opt(d, get_section_id)?,
            max_sections: d.get_u32()?,
        })
    }
}

impl Message for Iterate {
    const SERVICE: u16 = service::CKPT;
    const KIND: u16 = kind::ITERATE;
}

impl Request for Iterate {
    type Reply = IterateReply;
}

/// A section as an iteration reports it (SaCkptSectionDescriptorT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionDescriptor {
    pub section_id: Vec<u8>,
    pub expiration: i64,
    pub size: u64,
    /// SaCkptSectionStateT.
    pub state: u32,
    pub last_update: i64,
}

/// Fewest bytes one encoded [`SectionDescriptor`] takes.
const SECTION_DESCRIPTOR_MIN_LEN: usize = 4 + 8 + 8 + 4 + 8;

impl Payload for SectionDescriptor {
    fn encode(&self, e: &mut Encoder) {
        put_section_id(e, &self.section_id);
        e.put_i64(self.expiration)
            .put_u64(self.size)
            .put_u32(self.state)
            .put_i64(self.last_update);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<SectionDescriptor, DecodeError> {
        Ok(SectionDescriptor {
            section_id: get_section_id(d)?,
            expiration: d.get_i64()?,
            size: d.get_u64()?,
            state: d.get_u32()?,
            last_update: d.get_i64()?,
        })
    }
}

/// Reply to [`Iterate`]: a page of sections, and whether more follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IterateReply {
    pub sections: Vec<SectionDescriptor>,
    pub more: bool,
}

impl Payload for IterateReply {
    fn encode(&self, e: &mut Encoder) {
        e.put_vec(&self.sections, |e, s| s.encode(e))
            .put_bool(self.more);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<IterateReply, DecodeError> {
        Ok(IterateReply {
            sections: d.get_vec(SECTION_DESCRIPTOR_MIN_LEN, SectionDescriptor::decode)?,
            more: d.get_bool()?,
        })
    }
}

/// One element of a [`Write`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteElement {
    pub section_id: Vec<u8>,
    pub offset: u64,
    pub data: Vec<u8>,
}

impl Payload for WriteElement {
    fn encode(&self, e: &mut Encoder) {
        put_section_id(e, &self.section_id);
        e.put_u64(self.offset).put_bytes(&self.data);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<WriteElement, DecodeError> {
        Ok(WriteElement {
            section_id: get_section_id(d)?,
            offset: d.get_u64()?,
            data: d.get_bytes()?.to_vec(),
        })
    }
}

/// saCkptCheckpointWrite: every element is applied, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub open_id: u64,
    pub elements: Vec<WriteElement>,
}

impl Payload for Write {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.open_id)
            .put_vec(&self.elements, |e, el| el.encode(e));
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Write, DecodeError> {
        Ok(Write {
            open_id: d.get_u64()?,
            elements: d.get_vec(4 + 8 + 4, WriteElement::decode)?,
        })
    }
}

impl Message for Write {
    const SERVICE: u16 = service::CKPT;
    const KIND: u16 = kind::WRITE;
}

impl Request for Write {
    type Reply = ();
}

/// The payload of a [`Write`] or [`Read`] error reply caused by one
/// element: its index in the request's vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElementError {
    pub index: u32,
}

impl Payload for ElementError {
    fn encode(&self, e: &mut Encoder) {
        e.put_u32(self.index);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<ElementError, DecodeError> {
        Ok(ElementError {
            index: d.get_u32()?,
        })
    }
}

/// saCkptSectionOverwrite: the section's data becomes `data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overwrite {
    pub open_id: u64,
    pub section_id: Vec<u8>,
    pub data: Vec<u8>,
}

impl Payload for Overwrite {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.open_id);
        put_section_id(e, &self.section_id);
        e.put_bytes(&self.data);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Overwrite, DecodeError> {
        Ok(Overwrite {
            open_id: d.get_u64()?,
            section_id: get_section_id(d)?,
            data: d.get_bytes()?.to_vec(),
        })
    }
}

impl Message for Overwrite {
    const SERVICE: u16 = service::CKPT;
    const KIND: u16 = kind::OVERWRITE;
}

impl Request for Overwrite {
    type Reply = ();
}

/// One element of a [`Read`]: at most `size` bytes from `offset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadElement {
    pub section_id: Vec<u8>,
    pub offset: u64,
    pub size: u64,
}

impl Payload for ReadElement {
    fn encode(&self, e: &mut Encoder) {
        put_section_id(e, &self.section_id);
        e.put_u64(self.offset).put_u64(self.size);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<ReadElement, DecodeError> {
        Ok(ReadElement {
            section_id: get_section_id(d)?,
            offset: d.get_u64()?,
            size: d.get_u64()?,
        })
    }
}

/// saCkptCheckpointRead. The sizes asked for add up to at most
/// [`MAX_DATA_PER_REQUEST`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub open_id: u64,
    pub elements: Vec<ReadElement>,
}

impl Payload for Read {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.open_id)
            .put_vec(&self.elements, |e, el| el.encode(e));
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Read, DecodeError> {
        Ok(Read {
            open_id: d.get_u64()?,
            elements: d.get_vec(4 + 8 + 8, ReadElement::decode)?,
        })
    }
}

impl Message for Read {
    const SERVICE: u16 = service::CKPT;
    const KIND: u16 = kind::READ;
}

impl Request for Read {
    type Reply = ReadReply;
}

/// Reply to [`Read`]: the bytes read for each element, in order (shorter
/// than asked when the section ends first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadReply {
    pub data: Vec<Vec<u8>>,
}

impl Payload for ReadReply {
    fn encode(&self, e: &mut Encoder) {
        e.put_vec(&self.data, |e, d| {
            e.put_bytes(d);
        });
    }
    fn decode(d: &mut Decoder<'_>) -> Result<ReadReply, DecodeError> {
        Ok(ReadReply {
            data: d.get_vec(4, |d| Ok(d.get_bytes()?.to_vec()))?,
        })
    }
}

/// saCkptCheckpointSynchronizeAsync: acknowledged at once; a
/// [`SynchronizeCallback`] with `invocation` follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynchronizeAsync {
    pub open_id: u64,
    pub invocation: u64,
}

impl Payload for SynchronizeAsync {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.open_id).put_u64(self.invocation);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<SynchronizeAsync, DecodeError> {
        Ok(SynchronizeAsync {
            open_id: d.get_u64()?,
            invocation: d.get_u64()?,
        })
    }
}

impl Message for SynchronizeAsync {
    const SERVICE: u16 = service::CKPT;
    const KIND: u16 = kind::SYNCHRONIZE_ASYNC;
}

impl Request for SynchronizeAsync {
    type Reply = ();
}

/// The result of a [`SynchronizeAsync`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynchronizeCallback {
    pub invocation: u64,
}

impl Payload for SynchronizeCallback {
    fn encode(&self, e: &mut Encoder) {
        e.put_u64(self.invocation);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<SynchronizeCallback, DecodeError> {
        Ok(SynchronizeCallback {
            invocation: d.get_u64()?,
        })
    }
}

impl Message for SynchronizeCallback {
    const SERVICE: u16 = service::CKPT;
    const KIND: u16 = kind::SYNCHRONIZE_CALLBACK;
}

/// Every CKPT request, as the executive receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CkptRequest {
    Open(Open),
    OpenAsync(OpenAsync),
    Close(Close),
    Unlink(Unlink),
    RetentionDurationSet(RetentionDurationSet),
    ActiveReplicaSet(ActiveReplicaSet),
    StatusGet(StatusGet),
    SectionCreate(SectionCreate),
    SectionDelete(SectionDelete),
    SectionExpirationTimeSet(SectionExpirationTimeSet),
    Iterate(Iterate),
    Write(Write),
    Overwrite(Overwrite),
    Read(Read),
    Synchronize(Synchronize),
    SynchronizeAsync(SynchronizeAsync),
}

impl CkptRequest {
    /// Decodes the payload of a CKPT request frame of the given kind.
    pub fn decode(kind: u16, payload: &[u8]) -> Result<CkptRequest, DecodeError> {
        use CkptRequest as R;
        Ok(match kind {
            kind::OPEN => R::Open(Open::from_payload(payload)?),
            kind::OPEN_ASYNC => R::OpenAsync(OpenAsync::from_payload(payload)?),
            kind::CLOSE => R::Close(Close::from_payload(payload)?),
            kind::UNLINK => R::Unlink(Unlink::from_payload(payload)?),
            kind::RETENTION_DURATION_SET => {
                R::RetentionDurationSet(RetentionDurationSet::from_payload(payload)?)
            }
            kind::ACTIVE_REPLICA_SET => {
                R::ActiveReplicaSet(ActiveReplicaSet::from_payload(payload)?)
            }
            kind::STATUS_GET => R::StatusGet(StatusGet::from_payload(payload)?),
            kind::SECTION_CREATE => R::SectionCreate(SectionCreate::from_payload(payload)?),
            kind::SECTION_DELETE => R::SectionDelete(SectionDelete::from_payload(payload)?),
            kind::SECTION_EXPIRATION_TIME_SET => {
                R::SectionExpirationTimeSet(SectionExpirationTimeSet::from_payload(payload)?)
            }
            kind::ITERATE => R::Iterate(Iterate::from_payload(payload)?),
            kind::WRITE => R::Write(Write::from_payload(payload)?),
            kind::OVERWRITE => R::Overwrite(Overwrite::from_payload(payload)?),
            kind::READ => R::Read(Read::from_payload(payload)?),
            kind::SYNCHRONIZE => R::Synchronize(Synchronize::from_payload(payload)?),
            kind::SYNCHRONIZE_ASYNC => {
                R::SynchronizeAsync(SynchronizeAsync::from_payload(payload)?)
            }
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::CKPT,
                    kind,
                })
            }
        })
    }
}

/// Every CKPT callback, as the library reads it from the dispatch
/// connection, with the SaAisErrorT of its frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CkptCallback {
    Open {
        error: u32,
        result: OpenCallback,
    },
    Synchronize {
        error: u32,
        result: SynchronizeCallback,
    },
}

impl CkptCallback {
    /// Decodes the payload of a CKPT callback frame.
    pub fn decode(kind: u16, error: u32, payload: &[u8]) -> Result<CkptCallback, DecodeError> {
        Ok(match kind {
            kind::OPEN_CALLBACK => CkptCallback::Open {
                error,
                result: OpenCallback::from_payload(payload)?,
            },
            kind::SYNCHRONIZE_CALLBACK => CkptCallback::Synchronize {
                error,
                result: SynchronizeCallback::from_payload(payload)?,
            },
            _ => {
                return Err(DecodeError::UnknownKind {
                    service: service::CKPT,
                    kind,
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::assert_round_trip;

    fn attrs() -> CreationAttributes {
        CreationAttributes {
            creation_flags: 1,
            checkpoint_size: 400,
            retention_duration: 10_000_000_000,
            max_sections: 4,
            max_section_size: 100,
            max_section_id_size: 32,
        }
    }

    fn open() -> Open {
        Open {
            open_id: 7,
            name: Name::try_from("ckpt").unwrap(),
            flags: 7,
            attributes: Some(attrs()),
        }
    }

    #[test]
    fn requests_round_trip() {
        assert_round_trip(open());
        assert_round_trip(Open {
            attributes: None,
            ..open()
        });
        assert_round_trip(OpenAsync {
            invocation: 99,
            open: open(),
        });
        assert_round_trip(Close { open_id: 3 });
        assert_round_trip(Unlink {
            name: Name::try_from("x").unwrap(),
        });
        assert_round_trip(RetentionDurationSet {
            open_id: 1,
            duration: -1,
        });
        assert_round_trip(ActiveReplicaSet { open_id: 1 });
        assert_round_trip(StatusGet { open_id: 1 });
        assert_round_trip(SectionCreate {
            open_id: 1,
            section_id: vec![0, 1, 255],
            expiration: i64::MAX,
            data: b"data".to_vec(),
        });
        assert_round_trip(SectionDelete {
            open_id: 1,
            section_id: vec![],
        });
        assert_round_trip(SectionExpirationTimeSet {
            open_id: 1,
            section_id: b"s".to_vec(),
            expiration: 5,
        });
        assert_round_trip(Iterate {
            open_id: 1,
            chosen: 5,
            expiration: 0,
            after: Some(b"a".to_vec()),
            max_sections: 64,
        });
        assert_round_trip(Iterate {
            open_id: 1,
            chosen: 1,
            expiration: 0,
            after: None,
            max_sections: 64,
        });
        assert_round_trip(Write {
            open_id: 2,
            elements: vec![
                WriteElement {
                    section_id: b"s".to_vec(),
                    offset: 3,
                    data: b"abc".to_vec(),
                },
                WriteElement {
                    section_id: vec![],
                    offset: 0,
                    data: vec![],
                },
            ],
        });
        assert_round_trip(Overwrite {
            open_id: 2,
            section_id: b"t".to_vec(),
            data: vec![1, 2],
        });
        assert_round_trip(Read {
            open_id: 2,
            elements: vec![ReadElement {
                section_id: b"s".to_vec(),
                offset: 4,
                size: 100,
            }],
        });
        assert_round_trip(Synchronize { open_id: 5 });
        assert_round_trip(SynchronizeAsync {
            open_id: 5,
            invocation: 6,
        });
    }

    #[test]
    fn replies_and_callbacks_round_trip() {
        assert_round_trip(OpenReply {
            attributes: attrs(),
        });
        assert_round_trip(StatusReply {
            attributes: attrs(),
            number_of_sections: 2,
            memory_used: 3,
        });
        assert_round_trip(SectionCreateReply {
            section_id: b"17".to_vec(),
        });
        assert_round_trip(IterateReply {
            sections: vec![SectionDescriptor {
                section_id: b"a".to_vec(),
                expiration: i64::MAX,
                size: 1,
                state: 1,
                last_update: 12,
            }],
            more: true,
        });
        assert_round_trip(ReadReply {
            data: vec![b"abc".to_vec(), vec![]],
        });
        assert_round_trip(ElementError { index: 1 });
        assert_round_trip(OpenCallback {
            invocation: 1,
            open_id: 2,
            attributes: Some(attrs()),
        });
        assert_round_trip(OpenCallback {
            invocation: 1,
            open_id: 2,
            attributes: None,
        });
        assert_round_trip(SynchronizeCallback { invocation: 4 });
    }

    #[test]
    fn enums_dispatch_on_kind() {
        let req = Close { open_id: 9 };
        assert_eq!(
            CkptRequest::decode(Close::KIND, &req.to_payload()).unwrap(),
            CkptRequest::Close(req)
        );
        let w = Write {
            open_id: 1,
            elements: vec![],
        };
        assert_eq!(
            CkptRequest::decode(kind::WRITE, &w.to_payload()).unwrap(),
            CkptRequest::Write(w)
        );
        assert!(matches!(
            CkptRequest::decode(200, &[]),
            Err(DecodeError::UnknownKind {
                service: 3,
                kind: 200
            })
        ));
        let cb = SynchronizeCallback { invocation: 3 };
        assert_eq!(
            CkptCallback::decode(kind::SYNCHRONIZE_CALLBACK, 5, &cb.to_payload()).unwrap(),
            CkptCallback::Synchronize {
                error: 5,
                result: cb
            }
        );
        assert!(CkptCallback::decode(kind::OPEN, 1, &[]).is_err());
    }

    #[test]
    fn attribute_rules() {
        assert!(attrs().is_valid());
        let with = |f: fn(&mut CreationAttributes)| {
            let mut a = attrs();
            f(&mut a);
            a.is_valid()
        };
        assert!(with(|a| a.creation_flags |= 8));
        assert!(with(|a| a.creation_flags = 4));
        assert!(with(|a| a.checkpoint_size = 400));
        let bad: [fn(&mut CreationAttributes); 7] = [
            |a| a.checkpoint_size = 401,
            |a| a.max_sections = 0,
            |a| a.retention_duration = -1,
            |a| a.creation_flags = 0,
            |a| a.creation_flags = 3,
            |a| a.creation_flags = 8,
            |a| a.creation_flags |= 0x10,
        ];
        for f in bad {
            assert!(!with(f));
        }
        // no overflow with the largest values
        assert!(with(|a| {
            a.max_sections = u32::MAX;
            a.max_section_size = u64::MAX;
            a.checkpoint_size = u64::MAX;
        }));
    }

    #[test]
    fn section_id_limit() {
        let mut e = Encoder::new();
        e.put_bytes(&vec![0u8; MAX_SECTION_ID_LEN + 1]);
        let bytes = e.finish();
        assert!(matches!(
            get_section_id(&mut Decoder::new(&bytes)),
            Err(DecodeError::TooLong { .. })
        ));
    }

    #[test]
    fn huge_vector_counts_are_rejected() {
        let mut e = Encoder::new();
        e.put_u64(1).put_u32(u32::MAX);
        assert!(Write::from_payload(&e.finish()).is_err());
    }
}

//! Section iteration: descriptors fetched from the executive a page at a
//! time, in section id order, and handed out one per
//! saCkptSectionIterationNext.
//!
//! Each page continues after the last id of the previous one, so an
//! iteration sees every section that exists throughout it exactly once,
//! whatever is created or deleted meanwhile. The id bytes of every
//! descriptor handed out stay allocated until the iteration is finalized,
//! as B.01.01 lets the caller keep using them until then.

use std::collections::VecDeque;

use sa_abi::ais::SaAisErrorT;
use sa_abi::ckpt::{SaCkptSectionDescriptorT, SaCkptSectionIdT};
use sa_ipc::proto::ckpt::{Iterate, SectionDescriptor};
use sa_ipc::Connection;

/// Sections asked for per page.
const PAGE: u32 = 256;

/// Where an iteration is.
pub(crate) struct IterationState {
    open_id: u64,
    chosen: u32,
    expiration: i64,
    /// Fetched and not yet handed out.
    buffer: VecDeque<SectionDescriptor>,
    /// The last id fetched: the next page starts after it.
    after: Option<Vec<u8>>,
    /// Whether the executive has more sections after `after`.
    more: bool,
    /// Id bytes of the descriptors handed out (freed with the iteration).
    ids: Vec<Box<[u8]>>,
}

impl IterationState {
    /// An iteration of the opening `open_id` over the sections
    /// (`chosen`, `expiration`) selects; nothing fetched yet.
    pub(crate) fn new(open_id: u64, chosen: u32, expiration: i64) -> IterationState {
        IterationState {
            open_id,
            chosen,
            expiration,
            buffer: VecDeque::new(),
            after: None,
            more: true,
            ids: Vec::new(),
        }
    }

    /// Fetches the next page from the executive.
    pub(crate) fn fetch(&mut self, conn: &Connection) -> Result<(), SaAisErrorT> {
        let reply = conn
            .call(&Iterate {
                open_id: self.open_id,
                chosen: self.chosen,
                expiration: self.expiration,
                after: self.after.clone(),
                max_sections: PAGE,
            })
            .map_err(|e| e.to_ais())?;
        if let Some(last) = reply.sections.last() {
            self.after = Some(last.section_id.clone());
        }
        // A page that brought nothing cannot be followed by more.
        self.more = reply.more && !reply.sections.is_empty();
        self.buffer.extend(reply.sections);
        Ok(())
    }

    /// The next section, fetching a page when needed; `Ok(None)` when the
    /// iteration is over.
    pub(crate) fn next(
        &mut self,
        conn: &Connection,
    ) -> Result<Option<SaCkptSectionDescriptorT>, SaAisErrorT> {
        if self.buffer.is_empty() && self.more {
            self.fetch(conn)?;
        }
        let Some(section) = self.buffer.pop_front() else {
            return Ok(None);
        };
        Ok(Some(self.hand_out(section)))
    }

    /// The C descriptor of `section`; its id bytes are kept alive here.
    fn hand_out(&mut self, section: SectionDescriptor) -> SaCkptSectionDescriptorT {
        let mut id: Box<[u8]> = section.section_id.into_boxed_slice();
        let id_ptr = if id.is_empty() {
            std::ptr::null_mut()
        } else {
            id.as_mut_ptr()
        };
        // The decoder limits ids to 65535 bytes.
        let id_len = id.len() as u16;
        self.ids.push(id);
        SaCkptSectionDescriptorT {
            sectionId: SaCkptSectionIdT {
                idLen: id_len,
                id: id_ptr,
            },
            expirationTime: section.expiration,
            sectionSize: section.size,
            sectionState: section.state,
            lastUpdate: section.last_update,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handed_out_ids_stay_valid() {
        let mut it = IterationState::new(1, 5, 0);
        let d1 = it.hand_out(SectionDescriptor {
            section_id: b"first".to_vec(),
            expiration: 1,
            size: 2,
            state: 1,
            last_update: 3,
        });
        let d2 = it.hand_out(SectionDescriptor {
            section_id: Vec::new(),
            expiration: i64::MAX,
            size: 0,
            state: 1,
            last_update: 0,
        });
        // SAFETY: the iteration keeps the bytes alive while `it` lives.
        assert_eq!(unsafe { d1.sectionId.bytes() }, b"first");
        assert_eq!(d1.sectionSize, 2);
        assert_eq!(d1.lastUpdate, 3);
        assert_eq!(d2.sectionId.idLen, 0);
        assert!(d2.sectionId.id.is_null());
    }
}

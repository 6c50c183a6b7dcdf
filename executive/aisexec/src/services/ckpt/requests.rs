//! Library requests, as the node that receives them handles them.
//!
//! Reads (CheckpointRead, StatusGet, section iteration) are answered at
//! once from the local replica: every replica holds every delivered
//! change, and a caller's own earlier changes were delivered here before
//! they were answered. Everything else changes replicated state: it is
//! checked against the opening (unknown: SA_AIS_ERR_BAD_HANDLE; missing
//! right: SA_AIS_ERR_ACCESS) and forwarded as an exec message; the answer
//! goes out when it is delivered here (see `apply`).

use sa_abi::ais::SA_AIS_OK;
use sa_abi::ckpt::{SA_CKPT_CHECKPOINT_CREATE, SA_CKPT_CHECKPOINT_READ, SA_CKPT_CHECKPOINT_WRITE};
use sa_ipc::codec::DecodeError;
use sa_ipc::proto::ckpt::{
    kind, CkptRequest, ElementError, IterateReply, Open, ReadReply, MAX_DATA_PER_REQUEST,
};
use sa_ipc::proto::Payload;

use super::error::{CkptError, VectorFailure};
use super::messages::Forwarded;
use super::store::OpeningKey;
use super::Ckpt;
use crate::ordering::Guarantee;
use crate::service::{mcast_refusal, Context, Request};

/// Most sections one iteration page holds, and about how many bytes of
/// descriptors (well within a frame).
const PAGE_SECTIONS: usize = 1024;
const PAGE_BYTES: usize = 512 * 1024;

/// Request kinds answered from the local replica (also during a sync).
pub fn is_local_read(k: u16) -> bool {
    matches!(k, kind::READ | kind::STATUS_GET | kind::ITERATE)
}

/// The answer to a refused read or write vector: the error, and the
/// element's index as the payload when it is about one element.
pub fn vector_failure_payload(f: &VectorFailure) -> Vec<u8> {
    f.index
        .map(|index| ElementError { index }.to_payload())
        .unwrap_or_default()
}

/// The checks an open gets before it is forwarded: flags B.01.01 defines,
/// creation attributes exactly with CREATE, and valid.
fn check_open(open: &Open) -> Result<(), CkptError> {
    let known = SA_CKPT_CHECKPOINT_READ | SA_CKPT_CHECKPOINT_WRITE | SA_CKPT_CHECKPOINT_CREATE;
    if open.flags & !known != 0 {
        return Err(CkptError::BadFlags);
    }
    let create = open.flags & SA_CKPT_CHECKPOINT_CREATE != 0;
    match &open.attributes {
        Some(a) if create && a.is_valid() => Ok(()),
        None if !create => Ok(()),
        _ => Err(CkptError::InvalidParam),
    }
}

impl Ckpt {
    pub(super) fn handle_request(
        &mut self,
        ctx: &mut Context<'_>,
        req: &Request<'_>,
    ) -> Result<(), DecodeError> {
        let request = CkptRequest::decode(req.kind, req.payload)?;
        let node = ctx.local_node();
        let key = |open_id| OpeningKey {
            node,
            conn: req.conn.0,
            open_id,
        };
        let refuse = |ctx: &mut Context<'_>, e: CkptError| ctx.respond(req, e.to_ais(), Vec::new());
        use CkptRequest as R;
        match &request {
            R::Read(r) => {
                if r.elements.iter().map(|e| e.size).sum::<u64>() > MAX_DATA_PER_REQUEST as u64 {
                    refuse(ctx, CkptError::InvalidParam);
                    return Ok(());
                }
                match self.store.read(&key(r.open_id), &r.elements) {
                    Ok(data) => ctx.respond(req, SA_AIS_OK, ReadReply { data }.to_payload()),
                    Err(f) => ctx.respond(req, f.error.to_ais(), vector_failure_payload(&f)),
                }
            }
            R::StatusGet(s) => match self.store.status(&key(s.open_id)) {
                Ok(status) => ctx.respond(req, SA_AIS_OK, status.to_payload()),
                Err(e) => refuse(ctx, e),
            },
            R::Iterate(i) => {
                let page = self.store.iterate(
                    &key(i.open_id),
                    i.chosen,
                    i.expiration,
                    i.after.as_deref(),
                    (i.max_sections as usize).min(PAGE_SECTIONS),
                    PAGE_BYTES,
                );
                match page {
                    Ok((sections, more)) => {
                        ctx.respond(req, SA_AIS_OK, IterateReply { sections, more }.to_payload())
                    }
                    Err(e) => refuse(ctx, e),
                }
            }
            R::Open(open) | R::OpenAsync(sa_ipc::proto::ckpt::OpenAsync { open, .. }) => {
                if let Err(e) = check_open(open) {
                    refuse(ctx, e);
                    return Ok(());
                }
                // Its end must close whatever it opened.
                self.openers.insert(req.conn);
                let new_id = ctx.random_u64();
                if forward(ctx, req, new_id, Guarantee::Agreed) && req.kind == kind::OPEN_ASYNC {
                    ctx.respond(req, SA_AIS_OK, Vec::new());
                }
            }
            // A close is forwarded even for an opening not known here yet:
            // a library that gave up waiting for an open closes what the
            // open may still make, and the close is delivered after it.
            R::Unlink(_) | R::Close(_) => {
                forward(ctx, req, 0, Guarantee::Agreed);
            }
            R::RetentionDurationSet(r) => match self.store.opening(&key(r.open_id)) {
                Ok(_) if r.duration < 0 => refuse(ctx, CkptError::InvalidParam),
                Ok((_, c)) if !c.linked => refuse(ctx, CkptError::BadOperation),
                Ok(_) => {
                    forward(ctx, req, 0, Guarantee::Agreed);
                }
                Err(e) => refuse(ctx, e),
            },
            R::Synchronize(s) => match self.store.check_synchronize(&key(s.open_id)) {
                // Safe delivery: answered once every member has it, and
                // with it every update before it.
                Ok(()) => {
                    forward(ctx, req, 0, Guarantee::Safe);
                }
                Err(e) => refuse(ctx, e),
            },
            R::SynchronizeAsync(s) => match self.store.check_synchronize(&key(s.open_id)) {
                Ok(()) => {
                    if forward(ctx, req, 0, Guarantee::Safe) {
                        ctx.respond(req, SA_AIS_OK, Vec::new());
                    }
                }
                Err(e) => refuse(ctx, e),
            },
            R::ActiveReplicaSet(sa_ipc::proto::ckpt::ActiveReplicaSet { open_id })
            | R::SectionCreate(sa_ipc::proto::ckpt::SectionCreate { open_id, .. })
            | R::SectionDelete(sa_ipc::proto::ckpt::SectionDelete { open_id, .. })
            | R::SectionExpirationTimeSet(sa_ipc::proto::ckpt::SectionExpirationTimeSet {
                open_id,
                ..
            })
            | R::Write(sa_ipc::proto::ckpt::Write { open_id, .. })
            | R::Overwrite(sa_ipc::proto::ckpt::Overwrite { open_id, .. }) => {
                match self.store.opening(&key(*open_id)) {
                    Ok((o, _)) if o.flags & SA_CKPT_CHECKPOINT_WRITE == 0 => {
                        refuse(ctx, CkptError::Access)
                    }
                    Ok(_) => {
                        forward(ctx, req, 0, Guarantee::Agreed);
                    }
                    Err(e) => refuse(ctx, e),
                }
            }
        }
        Ok(())
    }
}

/// Forwards a request to every node as an exec message of its own kind;
/// when the ordering layer refuses it, answers at once
/// (SA_AIS_ERR_TRY_AGAIN when its queue is full). Returns whether it was
/// forwarded.
fn forward(ctx: &mut Context<'_>, req: &Request<'_>, new_id: u64, guarantee: Guarantee) -> bool {
    let to = ctx.reply_to(req);
    let payload = Forwarded::encode(&to, ctx.now_ns(), new_id, req.kind, req.payload);
    match ctx.mcast_with(req.kind, &payload, guarantee) {
        Ok(()) => true,
        Err(e) => {
            ctx.respond(req, mcast_refusal(e), Vec::new());
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sa_ipc::proto::ckpt::CreationAttributes;
    use sa_ipc::Name;

    #[test]
    fn open_prechecks() {
        let attrs = CreationAttributes {
            creation_flags: 1,
            checkpoint_size: 10,
            retention_duration: 0,
            max_sections: 1,
            max_section_size: 10,
            max_section_id_size: 0,
        };
        let open = |flags, attributes| Open {
            open_id: 1,
            name: Name::try_from("n").unwrap(),
            flags,
            attributes,
        };
        assert_eq!(check_open(&open(7, Some(attrs))), Ok(()));
        assert_eq!(check_open(&open(3, None)), Ok(()));
        assert_eq!(
            check_open(&open(0x17, Some(attrs))),
            Err(CkptError::BadFlags)
        );
        assert_eq!(check_open(&open(7, None)), Err(CkptError::InvalidParam));
        assert_eq!(
            check_open(&open(3, Some(attrs))),
            Err(CkptError::InvalidParam)
        );
        let bad = CreationAttributes {
            checkpoint_size: 11,
            ..attrs
        };
        assert_eq!(
            check_open(&open(7, Some(bad))),
            Err(CkptError::InvalidParam)
        );
        assert!(is_local_read(kind::READ));
        assert!(!is_local_read(kind::WRITE));
    }
}

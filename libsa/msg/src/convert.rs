//! Argument rules shared by several calls, and conversions between the C
//! structures and the wire values.

use std::time::Duration;

use sa_abi::ais::{
    SaAisErrorT, SaNameT, SaTimeT, SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_INVALID_PARAM,
    SA_AIS_ERR_NO_MEMORY, SA_AIS_ERR_TOO_BIG,
};
use sa_abi::msg::{
    SaMsgMessageT, SaMsgQueueCreationAttributesT, SaMsgQueueOpenFlagsT,
    SA_MSG_MESSAGE_LOWEST_PRIORITY, SA_MSG_QUEUE_CREATE, SA_MSG_QUEUE_EMPTY,
    SA_MSG_QUEUE_PERSISTENT, SA_MSG_QUEUE_RECEIVE_CALLBACK,
};
use sa_ipc::ffi::{name_from_sa, name_to_sa};
use sa_ipc::proto::msg::{MessageBody, QueueAttributes, MAX_MESSAGE_DATA};
use sa_ipc::ptr;
use sa_ipc::Name;

/// How long after a blocking call's own timeout the library still waits
/// for the executive's answer (which it sends at the timeout).
pub(crate) const ANSWER_SLACK: Duration = Duration::from_secs(5);

/// A name argument: NULL, empty or longer than SA_MAX_NAME_LENGTH is
/// SA_AIS_ERR_INVALID_PARAM.
///
/// # Safety
/// `name` is NULL or points to a valid SaNameT.
pub(crate) unsafe fn name_arg(name: *const SaNameT) -> Result<Name, SaAisErrorT> {
    // SAFETY: NULL or valid by the caller's contract.
    let name = unsafe { ptr::arg(name, SA_AIS_ERR_INVALID_PARAM) }?;
    match name_from_sa(name) {
        Ok(n) if !n.is_empty() => Ok(n),
        _ => Err(SA_AIS_ERR_INVALID_PARAM),
    }
}

/// Open flags with a bit B.01.01 does not define: SA_AIS_ERR_BAD_FLAGS;
/// creation attributes present exactly with CREATE, else
/// SA_AIS_ERR_INVALID_PARAM; creation flags other than PERSISTENT:
/// SA_AIS_ERR_BAD_FLAGS; a negative retention time:
/// SA_AIS_ERR_INVALID_PARAM.
pub(crate) fn open_attributes(
    flags: SaMsgQueueOpenFlagsT,
    attributes: Option<&SaMsgQueueCreationAttributesT>,
) -> Result<Option<QueueAttributes>, SaAisErrorT> {
    let known = SA_MSG_QUEUE_CREATE | SA_MSG_QUEUE_RECEIVE_CALLBACK | SA_MSG_QUEUE_EMPTY;
    if flags & !known != 0 {
        return Err(SA_AIS_ERR_BAD_FLAGS);
    }
    match (flags & SA_MSG_QUEUE_CREATE != 0, attributes) {
        (true, Some(a)) => {
            if a.creationFlags & !SA_MSG_QUEUE_PERSISTENT != 0 {
                return Err(SA_AIS_ERR_BAD_FLAGS);
            }
            if a.retentionTime < 0 {
                return Err(SA_AIS_ERR_INVALID_PARAM);
            }
            Ok(Some(QueueAttributes {
                creation_flags: a.creationFlags,
                sizes: a.size,
                retention: a.retentionTime,
            }))
        }
        (false, None) => Ok(None),
        _ => Err(SA_AIS_ERR_INVALID_PARAM),
    }
}

/// How long the library waits for a call the executive answers at its
/// timeout `t` at the latest (0: at once).
pub(crate) fn blocking_wait(t: SaTimeT) -> Duration {
    Duration::from_nanos(t.max(0) as u64).saturating_add(ANSWER_SLACK)
}

/// The content of a message to send: NULL, data NULL with a size, a
/// priority past the lowest or a sender name too long are
/// SA_AIS_ERR_INVALID_PARAM; more data than one message carries is
/// SA_AIS_ERR_TOO_BIG.
///
/// # Safety
/// `m` is NULL or points to a valid SaMsgMessageT whose `data` holds
/// `size` bytes and whose `senderName` is NULL or valid.
pub(crate) unsafe fn message_arg(m: *const SaMsgMessageT) -> Result<MessageBody, SaAisErrorT> {
    // SAFETY: NULL or valid by the caller's contract.
    let m = unsafe { ptr::arg(m, SA_AIS_ERR_INVALID_PARAM) }?;
    if m.priority > SA_MSG_MESSAGE_LOWEST_PRIORITY {
        return Err(SA_AIS_ERR_INVALID_PARAM);
    }
    if m.size > MAX_MESSAGE_DATA as u64 {
        return Err(SA_AIS_ERR_TOO_BIG);
    }
    let data = if m.size == 0 {
        Vec::new()
    } else if m.data.is_null() {
        return Err(SA_AIS_ERR_INVALID_PARAM);
    } else {
        // SAFETY: `data` holds `size` bytes by the caller's contract; the
        // size was bounded above, so it fits a usize.
        unsafe { std::slice::from_raw_parts(m.data as *const u8, m.size as usize) }.to_vec()
    };
    // SAFETY: NULL or valid by the caller's contract.
    let sender_name = match unsafe { m.senderName.as_ref() } {
        None => None,
        Some(n) => Some(name_from_sa(n).map_err(|_| SA_AIS_ERR_INVALID_PARAM)?),
    };
    Ok(MessageBody {
        msg_type: m.r#type,
        version: m.version,
        priority: m.priority,
        sender_name,
        data,
    })
}

/// The size of the caller's buffer for a message to receive: `None` when
/// `data` is NULL (the library allocates).
pub(crate) fn buffer_of(m: &SaMsgMessageT) -> Option<u64> {
    (!m.data.is_null()).then_some(m.size)
}

/// Fills the caller's SaMsgMessageT with a received message: into its
/// buffer, or into one allocated with malloc (the caller frees it) when
/// `data` is NULL; the sender name into `senderName` when not NULL.
///
/// # Safety
/// `out.data` is NULL or holds `out.size` bytes, at least the message's
/// size (the executive checked it); `out.senderName` is NULL or valid
/// for writing.
pub(crate) unsafe fn fill_message(
    out: &mut SaMsgMessageT,
    m: &MessageBody,
) -> Result<(), SaAisErrorT> {
    let len = m.data.len();
    if out.data.is_null() {
        // SAFETY: malloc of at least one byte; checked for NULL.
        let p = unsafe { libc::malloc(len.max(1)) };
        if p.is_null() {
            return Err(SA_AIS_ERR_NO_MEMORY);
        }
        out.data = p;
    } else if (out.size as usize) < len {
        return Err(sa_abi::ais::SA_AIS_ERR_NO_SPACE);
    }
    // SAFETY: `data` holds at least `len` bytes (checked or allocated),
    // and does not overlap the decoded message.
    unsafe { std::ptr::copy_nonoverlapping(m.data.as_ptr(), out.data as *mut u8, len) };
    out.size = len as u64;
    out.r#type = m.msg_type;
    out.version = m.version;
    out.priority = m.priority;
    // SAFETY: NULL or valid for writing by the caller's contract.
    if let Some(n) = unsafe { out.senderName.as_mut() } {
        *n = m.sender_name.as_ref().map(name_to_sa).unwrap_or_default();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(data: &[u8], prio: u8) -> SaMsgMessageT {
        SaMsgMessageT {
            r#type: 1,
            version: 2,
            size: data.len() as u64,
            senderName: std::ptr::null_mut(),
            data: data.as_ptr() as *mut _,
            priority: prio,
        }
    }

    #[test]
    fn messages_in_and_out() {
        let m = msg(b"abc", 3);
        // SAFETY: `m` points to 3 live bytes.
        let body = unsafe { message_arg(&m) }.unwrap();
        assert_eq!(body.data, b"abc");
        let bad = msg(b"abc", 4);
        // SAFETY: as above.
        assert_eq!(unsafe { message_arg(&bad) }, Err(SA_AIS_ERR_INVALID_PARAM));
        // SAFETY: NULL is allowed.
        let null = unsafe { message_arg(std::ptr::null()) };
        assert_eq!(null, Err(SA_AIS_ERR_INVALID_PARAM));
        let mut buf = [0u8; 8];
        let mut sender = SaNameT::default();
        let mut out = msg(&buf, 0);
        out.data = buf.as_mut_ptr() as *mut _;
        out.senderName = &mut sender;
        // SAFETY: `out` points to an 8-byte buffer and a live SaNameT.
        unsafe { fill_message(&mut out, &body) }.unwrap();
        assert_eq!((out.size, &buf[..3], out.priority), (3, &b"abc"[..], 3));
        assert_eq!(buffer_of(&out), Some(3));
    }

    #[test]
    fn open_rules() {
        let a = SaMsgQueueCreationAttributesT::default();
        assert!(open_attributes(SA_MSG_QUEUE_CREATE, Some(&a))
            .unwrap()
            .is_some());
        assert_eq!(open_attributes(0, None), Ok(None));
        assert_eq!(
            open_attributes(0x40 | 1, Some(&a)),
            Err(SA_AIS_ERR_BAD_FLAGS)
        );
        assert_eq!(open_attributes(1, None), Err(SA_AIS_ERR_INVALID_PARAM));
        assert_eq!(open_attributes(0, Some(&a)), Err(SA_AIS_ERR_INVALID_PARAM));
        assert!(blocking_wait(i64::MAX) > blocking_wait(0));
    }
}

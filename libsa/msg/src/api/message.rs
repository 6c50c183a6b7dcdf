//! Messages: send (sync and async), get, cancel, send-receive and reply
//! (sync and async).

use sa_abi::ais::{
    SaAisErrorT, SaInvocationT, SaNameT, SaTimeT, SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_INIT,
    SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NO_SPACE, SA_AIS_OK,
};
use sa_abi::msg::{
    SaMsgAckFlagsT, SaMsgHandleT, SaMsgMessageT, SaMsgQueueHandleT, SaMsgSenderIdT,
    SA_MSG_MESSAGE_DELIVERED_ACK,
};
use sa_ipc::check;
use sa_ipc::ffi::{ffi_guard, result_code};
use sa_ipc::proto::msg::{
    kind, mode, Cancel, Get, MessageBody, NeedSpace, Received, Reply, ReplyReceived, Send,
    SendReceive,
};
use sa_ipc::proto::Payload;
use sa_ipc::ptr;
use sa_ipc::Connection;

use crate::convert::{blocking_wait, buffer_of, fill_message, message_arg, name_arg};
use crate::handles::{instance, queue, MsgInstance};
use sa_ipc::timeout;

/// The mode of an async call's `ackFlags`: a flag B.01.01 does not define
/// is SA_AIS_ERR_BAD_FLAGS; the acknowledgement without a delivered
/// callback is SA_AIS_ERR_INIT.
fn async_mode(inst: &MsgInstance, ack: SaMsgAckFlagsT) -> Result<u8, SaAisErrorT> {
    if ack & !SA_MSG_MESSAGE_DELIVERED_ACK != 0 {
        return Err(SA_AIS_ERR_BAD_FLAGS);
    }
    if ack == 0 {
        return Ok(mode::ASYNC);
    }
    if inst.callbacks.saMsgMessageDeliveredCallback.is_none() {
        return Err(SA_AIS_ERR_INIT);
    }
    Ok(mode::ASYNC_ACK)
}

/// A blocking request whose SA_AIS_ERR_NO_SPACE answer carries the size
/// needed: Ok(payload), or Err((error, needed size if NO_SPACE)).
fn blocking(
    conn: &Connection,
    k: u16,
    payload: Vec<u8>,
    t: SaTimeT,
) -> Result<Vec<u8>, (SaAisErrorT, Option<u64>)> {
    let (error, payload) = conn
        .request(k, payload, blocking_wait(t))
        .map_err(|e| (e.to_ais(), None))?;
    match error {
        SA_AIS_OK => Ok(payload),
        SA_AIS_ERR_NO_SPACE => Err((
            error,
            NeedSpace::from_payload(&payload).ok().map(|n| n.size),
        )),
        e => Err((e, None)),
    }
}

/// Sends a message to a queue or a queue group and waits (at most
/// `timeout`) until it is in the queue.
///
/// # Safety
/// `destination` and `message` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saMsgMessageSend(
    msgHandle: SaMsgHandleT,
    destination: *const SaNameT,
    message: *const SaMsgMessageT,
    timeout_ns: SaTimeT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: NULL or valid by the caller's contract.
        let dest = check!(unsafe { name_arg(destination) });
        // SAFETY: as above.
        let message = check!(unsafe { message_arg(message) });
        // openais ignored this timeout.
        let wait = timeout::ignored_unless_positive(timeout_ns);
        let send = Send {
            dest,
            message,
            invocation: 0,
            mode: mode::SYNC,
        };
        result_code(inst.conn.call_within(&send, wait))
    })
}

/// Sends a message without waiting; with SA_MSG_MESSAGE_DELIVERED_ACK
/// the delivered callback tells the outcome with `invocation`.
///
/// # Safety
/// `destination` and `message` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saMsgMessageSendAsync(
    msgHandle: SaMsgHandleT,
    invocation: SaInvocationT,
    destination: *const SaNameT,
    message: *const SaMsgMessageT,
    ackFlags: SaMsgAckFlagsT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: NULL or valid by the caller's contract.
        let dest = check!(unsafe { name_arg(destination) });
        // SAFETY: as above.
        let message = check!(unsafe { message_arg(message) });
        let mode = check!(async_mode(&inst, ackFlags));
        let send = Send {
            dest,
            message,
            invocation,
            mode,
        };
        result_code(inst.conn.call(&send))
    })
}

/// Takes the next message of a queue (highest priority first, oldest
/// first), waiting at most `timeout` for one. Into the caller's buffer
/// (too small: SA_AIS_ERR_NO_SPACE, `size` set to what is needed, the
/// message stays) or, `data` NULL, into one allocated with malloc.
///
/// # Safety
/// `message` is NULL or valid (its `data` NULL or holding `size` bytes,
/// its `senderName` NULL or valid for writing); `sendTime` and
/// `senderId` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saMsgMessageGet(
    queueHandle: SaMsgQueueHandleT,
    message: *mut SaMsgMessageT,
    sendTime: *mut SaTimeT,
    senderId: *mut SaMsgSenderIdT,
    timeout_ns: SaTimeT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let q = check!(queue(queueHandle));
        // SAFETY: NULL or valid by the caller's contract.
        let out = check!(unsafe { ptr::inout(message, SA_AIS_ERR_INVALID_PARAM) });
        let get = Get {
            open_id: q.open_id,
            timeout: timeout_ns.max(0),
            buffer: buffer_of(out),
        };
        let payload = match blocking(&q.instance.conn, kind::GET, get.to_payload(), timeout_ns) {
            Ok(p) => p,
            Err((e, needed)) => {
                if let Some(size) = needed {
                    out.size = size;
                }
                return e;
            }
        };
        let r =
            check!(Received::from_payload(&payload).map_err(|_| sa_abi::ais::SA_AIS_ERR_LIBRARY));
        // SAFETY: the caller's contract on `message`.
        check!(unsafe { fill_message(out, &r.message) });
        // SAFETY: NULL or valid for writing by the contract.
        if let Some(t) = unsafe { sendTime.as_mut() } {
            *t = r.send_time;
        }
        // SAFETY: as above.
        if let Some(s) = unsafe { senderId.as_mut() } {
            *s = r.sender_id;
        }
        SA_AIS_OK
    })
}

/// Wakes the gets blocked on a queue handle (they return
/// SA_AIS_ERR_INTERRUPT); SA_AIS_ERR_NOT_EXIST when none is.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saMsgMessageCancel(queueHandle: SaMsgQueueHandleT) -> SaAisErrorT {
    ffi_guard(|| {
        let q = check!(queue(queueHandle));
        result_code(q.instance.conn.call(&Cancel { open_id: q.open_id }))
    })
}

/// Sends a message and waits (at most `timeout`) for its reply, into
/// `receiveMessage` as saMsgMessageGet fills its message.
///
/// # Safety
/// `destination` and `sendMessage` are NULL or valid; `receiveMessage`
/// as saMsgMessageGet's `message`; `replySendTime` NULL or valid for
/// writing.
#[no_mangle]
pub unsafe extern "C" fn saMsgMessageSendReceive(
    msgHandle: SaMsgHandleT,
    destination: *const SaNameT,
    sendMessage: *const SaMsgMessageT,
    receiveMessage: *mut SaMsgMessageT,
    replySendTime: *mut SaTimeT,
    timeout_ns: SaTimeT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: NULL or valid by the caller's contract.
        let dest = check!(unsafe { name_arg(destination) });
        // SAFETY: as above.
        let message = check!(unsafe { message_arg(sendMessage) });
        // SAFETY: as above.
        let out = check!(unsafe { ptr::inout(receiveMessage, SA_AIS_ERR_INVALID_PARAM) });
        // openais ignored this timeout; the executive times the reply.
        let timeout_ns = timeout::ignored_unless_positive_ns(timeout_ns);
        let request = SendReceive {
            dest,
            message,
            timeout: timeout_ns,
            buffer: buffer_of(out),
        };
        let payload = match blocking(
            &inst.conn,
            kind::SEND_RECEIVE,
            request.to_payload(),
            timeout_ns,
        ) {
            Ok(p) => p,
            Err((e, needed)) => {
                if let Some(size) = needed {
                    out.size = size;
                }
                return e;
            }
        };
        let r = check!(
            ReplyReceived::from_payload(&payload).map_err(|_| sa_abi::ais::SA_AIS_ERR_LIBRARY)
        );
        // SAFETY: the caller's contract on `receiveMessage`.
        check!(unsafe { fill_message(out, &r.message) });
        // SAFETY: NULL or valid for writing by the contract.
        if let Some(t) = unsafe { replySendTime.as_mut() } {
            *t = r.send_time;
        }
        SA_AIS_OK
    })
}

/// The checked arguments of a reply.
///
/// # Safety
/// `message` and `sender` are NULL or valid.
unsafe fn reply_args(
    message: *const SaMsgMessageT,
    sender: *const SaMsgSenderIdT,
) -> Result<(MessageBody, u64), SaAisErrorT> {
    // SAFETY: NULL or valid by the caller's contract.
    let message = unsafe { message_arg(message) }?;
    // SAFETY: as above.
    match unsafe { sender.as_ref() } {
        Some(&id) if id != 0 => Ok((message, id)),
        _ => Err(SA_AIS_ERR_INVALID_PARAM),
    }
}

/// Answers a message sent with saMsgMessageSendReceive, waiting (at most
/// `timeout`) until the reply reached its sender.
///
/// # Safety
/// `replyMessage` and `senderId` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saMsgMessageReply(
    msgHandle: SaMsgHandleT,
    replyMessage: *const SaMsgMessageT,
    senderId: *const SaMsgSenderIdT,
    timeout_ns: SaTimeT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: NULL or valid by the caller's contract.
        let (message, sender_id) = check!(unsafe { reply_args(replyMessage, senderId) });
        // openais ignored this timeout.
        let wait = timeout::ignored_unless_positive(timeout_ns);
        let reply = Reply {
            sender_id,
            message,
            invocation: 0,
            mode: mode::SYNC,
        };
        result_code(inst.conn.call_within(&reply, wait))
    })
}

/// Answers a SendReceive without waiting; with
/// SA_MSG_MESSAGE_DELIVERED_ACK the delivered callback tells the outcome.
///
/// # Safety
/// `replyMessage` and `senderId` are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn saMsgMessageReplyAsync(
    msgHandle: SaMsgHandleT,
    invocation: SaInvocationT,
    replyMessage: *const SaMsgMessageT,
    senderId: *const SaMsgSenderIdT,
    ackFlags: SaMsgAckFlagsT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(msgHandle));
        // SAFETY: NULL or valid by the caller's contract.
        let (message, sender_id) = check!(unsafe { reply_args(replyMessage, senderId) });
        let mode = check!(async_mode(&inst, ackFlags));
        let reply = Reply {
            sender_id,
            message,
            invocation,
            mode,
        };
        result_code(inst.conn.call(&reply))
    })
}

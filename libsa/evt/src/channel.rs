//! The channel calls: saEvtChannelOpen, saEvtChannelOpenAsync,
//! saEvtChannelClose, saEvtChannelUnlink, saEvtEventSubscribe,
//! saEvtEventUnsubscribe and saEvtEventRetentionTimeClear. Arguments are
//! checked in the order handle, pointers, flags, callbacks, access.

#![allow(non_snake_case)]

use sa_abi::ais::{
    SaAisErrorT, SaInvocationT, SaNameT, SaTimeT, SA_AIS_ERR_ACCESS, SA_AIS_ERR_BAD_FLAGS,
    SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_INIT, SA_AIS_ERR_INVALID_PARAM, SA_AIS_OK,
};
use sa_abi::evt::{
    SaEvtChannelHandleT, SaEvtChannelOpenFlagsT, SaEvtEventFilterArrayT, SaEvtEventIdT,
    SaEvtHandleT, SaEvtSubscriptionIdT,
};
use sa_ipc::client::DEFAULT_REQUEST_TIMEOUT;
use sa_ipc::ffi::{ffi_guard, name_from_sa};
use sa_ipc::proto::evt::{
    open_flags, ChannelClose, ChannelOpen, ChannelUnlink, RetentionClear, Subscribe, Unsubscribe,
};
use sa_ipc::proto::{Message, Payload};
use sa_ipc::Name;

use crate::handles::{add_channel, channel, instance, lock, remove_channel};
use crate::patterns::read_filters;
use sa_ipc::check;
use sa_ipc::ptr;
use sa_ipc::timeout;

/// The wire name of a caller's channel name: NULL or too long is
/// SA_AIS_ERR_INVALID_PARAM.
///
/// # Safety
/// `name` is NULL or points to a valid SaNameT.
unsafe fn channel_name(name: *const SaNameT) -> Result<Name, SaAisErrorT> {
    // SAFETY: NULL or valid, by the contract.
    let name = unsafe { ptr::arg(name, SA_AIS_ERR_INVALID_PARAM) }?;
    name_from_sa(name).map_err(|_| SA_AIS_ERR_INVALID_PARAM)
}

fn check_flags(flags: SaEvtChannelOpenFlagsT) -> Result<(), SaAisErrorT> {
    if flags & !open_flags::ALL != 0 {
        return Err(SA_AIS_ERR_BAD_FLAGS);
    }
    Ok(())
}

/// Opens (with SA_EVT_CHANNEL_CREATE: creates if need be) the channel
/// `channelName` for publishing and/or subscribing, waiting at most
/// `timeout` nanoseconds.
///
/// # Safety
/// `channelName` is NULL or points to a valid SaNameT; `channelHandle` is
/// NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saEvtChannelOpen(
    evtHandle: SaEvtHandleT,
    channelName: *const SaNameT,
    channelOpenFlags: SaEvtChannelOpenFlagsT,
    timeout: SaTimeT,
    channelHandle: *mut SaEvtChannelHandleT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(evtHandle));
        // SAFETY: the caller's contract.
        let name = check!(unsafe { channel_name(channelName) });
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let channelHandle = check!(unsafe { ptr::out(channelHandle, SA_AIS_ERR_INVALID_PARAM) });
        check!(check_flags(channelOpenFlags));
        let wait = check!(timeout::enforced(timeout));
        let request = ChannelOpen {
            name,
            flags: channelOpenFlags,
            invocation: None,
        };
        // An open the executive completes after the timeout is closed
        // with the connection (at the latest at saEvtFinalize).
        let reply = match inst.conn.call_within(&request, wait) {
            Ok(r) => r,
            Err(e) => return e.to_ais(),
        };
        let handle = check!(add_channel(&inst, reply.open_id, channelOpenFlags));
        channelHandle.write(handle);
        SA_AIS_OK
    })
}

/// Opens a channel like saEvtChannelOpen; the result (and the channel
/// handle) comes to the channel open callback with `invocation`.
///
/// # Safety
/// `channelName` is NULL or points to a valid SaNameT.
#[no_mangle]
pub unsafe extern "C" fn saEvtChannelOpenAsync(
    evtHandle: SaEvtHandleT,
    invocation: SaInvocationT,
    channelName: *const SaNameT,
    channelOpenFlags: SaEvtChannelOpenFlagsT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(evtHandle));
        // SAFETY: the caller's contract.
        let name = check!(unsafe { channel_name(channelName) });
        check!(check_flags(channelOpenFlags));
        if inst.callbacks.saEvtChannelOpenCallback.is_none() {
            return SA_AIS_ERR_INIT;
        }
        let request = ChannelOpen {
            name,
            flags: channelOpenFlags,
            invocation: Some(invocation),
        };
        // Registered first: another thread may dispatch the result before
        // this call returns.
        lock(&inst.pending_opens).push((invocation, channelOpenFlags));
        let rc = match inst.conn.request(
            ChannelOpen::KIND,
            request.to_payload(),
            DEFAULT_REQUEST_TIMEOUT,
        ) {
            Ok((error, _)) => error,
            Err(e) => e.to_ais(),
        };
        if rc != SA_AIS_OK {
            let mut pending = lock(&inst.pending_opens);
            if let Some(i) = pending
                .iter()
                .rposition(|p| *p == (invocation, channelOpenFlags))
            {
                pending.remove(i);
            }
        }
        rc
    })
}

/// Closes a channel opening: its subscriptions end and every event
/// allocated on or delivered to it is freed.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saEvtChannelClose(channelHandle: SaEvtChannelHandleT) -> SaAisErrorT {
    ffi_guard(|| {
        let ch = check!(channel(channelHandle));
        let request = ChannelClose {
            open_id: ch.open_id,
        };
        let rc = match ch.instance.conn.call(&request) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        };
        // Closed, or not open at the executive any more: the handle goes.
        if rc == SA_AIS_OK || rc == SA_AIS_ERR_BAD_HANDLE {
            remove_channel(channelHandle);
        }
        rc
    })
}

/// Unlinks the channel `channelName`: new opens no longer find it, while
/// existing openings keep working; it goes away with the last of them.
///
/// # Safety
/// `channelName` is NULL or points to a valid SaNameT.
#[no_mangle]
pub unsafe extern "C" fn saEvtChannelUnlink(
    evtHandle: SaEvtHandleT,
    channelName: *const SaNameT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let inst = check!(instance(evtHandle));
        // SAFETY: the caller's contract.
        let name = check!(unsafe { channel_name(channelName) });
        match inst.conn.call(&ChannelUnlink { name }) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}

/// Subscribes to the events of the channel that match `filters`; they
/// are delivered with `subscriptionId`. Retained events that match are
/// delivered at once.
///
/// # Safety
/// `filters` is NULL or points to a valid SaEvtEventFilterArrayT.
#[no_mangle]
pub unsafe extern "C" fn saEvtEventSubscribe(
    channelHandle: SaEvtChannelHandleT,
    filters: *const SaEvtEventFilterArrayT,
    subscriptionId: SaEvtSubscriptionIdT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ch = check!(channel(channelHandle));
        // SAFETY: NULL or valid, by the caller's contract.
        let filters = check!(unsafe { ptr::arg(filters, SA_AIS_ERR_INVALID_PARAM) });
        // SAFETY: the array inside is valid by the contract; copied, so the
        // caller may reuse its filter memory afterwards.
        let filters = check!(unsafe { read_filters(filters) });
        if ch.instance.callbacks.saEvtEventDeliverCallback.is_none() {
            return SA_AIS_ERR_INIT;
        }
        if !ch.subscriber() {
            return SA_AIS_ERR_ACCESS;
        }
        let request = Subscribe {
            open_id: ch.open_id,
            subscription_id: subscriptionId,
            filters,
        };
        match ch.instance.conn.call(&request) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}

/// Ends a subscription; events queued for it are not delivered.
///
/// # Safety
/// Callable with any arguments.
#[no_mangle]
pub unsafe extern "C" fn saEvtEventUnsubscribe(
    channelHandle: SaEvtChannelHandleT,
    subscriptionId: SaEvtSubscriptionIdT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ch = check!(channel(channelHandle));
        let request = Unsubscribe {
            open_id: ch.open_id,
            subscription_id: subscriptionId,
        };
        match ch.instance.conn.call(&request) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}

/// Stops retaining the event `eventId` of the channel, on every node.
///
/// # Safety
/// Callable with any arguments.
#[no_mangle]
pub unsafe extern "C" fn saEvtEventRetentionTimeClear(
    channelHandle: SaEvtChannelHandleT,
    eventId: SaEvtEventIdT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ch = check!(channel(channelHandle));
        let request = RetentionClear {
            open_id: ch.open_id,
            event_id: eventId,
        };
        match ch.instance.conn.call(&request) {
            Ok(()) => SA_AIS_OK,
            Err(e) => e.to_ais(),
        }
    })
}

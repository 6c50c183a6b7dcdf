//! The event calls: saEvtEventAllocate, saEvtEventFree,
//! saEvtEventAttributesSet, saEvtEventAttributesGet, saEvtEventDataGet
//! and saEvtEventPublish.

#![allow(non_snake_case)]

use std::ffi::c_void;
use std::ptr;

use sa_abi::ais::{
    SaAisErrorT, SaNameT, SaSizeT, SaTimeT, SA_AIS_ERR_ACCESS, SA_AIS_ERR_BAD_HANDLE,
    SA_AIS_ERR_INVALID_PARAM, SA_AIS_ERR_NO_SPACE, SA_AIS_ERR_TOO_BIG, SA_AIS_OK,
};
use sa_abi::evt::{
    SaEvtChannelHandleT, SaEvtEventHandleT, SaEvtEventIdT, SaEvtEventPatternArrayT,
    SaEvtEventPriorityT, SA_EVT_DATA_MAX_LEN, SA_EVT_LOWEST_PRIORITY,
};
use sa_ipc::ffi::{ffi_guard, name_from_sa, name_to_sa};
use sa_ipc::proto::evt::Publish;

use crate::handles::{add_event, channel, event, lock, new_event_state, remove_event};
use crate::patterns::{read_patterns, write_patterns};
use sa_ipc::check;

/// Allocates an event on the channel, with the default attributes, for
/// publishing.
///
/// # Safety
/// `eventHandle` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saEvtEventAllocate(
    channelHandle: SaEvtChannelHandleT,
    eventHandle: *mut SaEvtEventHandleT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ch = check!(channel(channelHandle));
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let eventHandle =
            check!(unsafe { sa_ipc::ptr::out(eventHandle, SA_AIS_ERR_INVALID_PARAM) });
        let handle = check!(add_event(channelHandle, &ch, false, new_event_state()));
        eventHandle.write(handle);
        SA_AIS_OK
    })
}

/// Frees an allocated or delivered event.
///
/// # Safety
/// Callable with any argument.
#[no_mangle]
pub unsafe extern "C" fn saEvtEventFree(eventHandle: SaEvtEventHandleT) -> SaAisErrorT {
    ffi_guard(|| match remove_event(eventHandle) {
        Some(_) => SA_AIS_OK,
        None => SA_AIS_ERR_BAD_HANDLE,
    })
}

/// Sets the attributes of an allocated event. A NULL `patternArray` or
/// `publisherName` leaves that attribute as it is; the caller's memory is
/// copied. A delivered event's attributes are read-only
/// (SA_AIS_ERR_ACCESS).
///
/// # Safety
/// `patternArray` is NULL or points to a valid pattern array;
/// `publisherName` is NULL or points to a valid SaNameT.
#[no_mangle]
pub unsafe extern "C" fn saEvtEventAttributesSet(
    eventHandle: SaEvtEventHandleT,
    patternArray: *const SaEvtEventPatternArrayT,
    priority: SaEvtEventPriorityT,
    retentionTime: SaTimeT,
    publisherName: *const SaNameT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ev = check!(event(eventHandle));
        if ev.delivered {
            return SA_AIS_ERR_ACCESS;
        }
        if priority > SA_EVT_LOWEST_PRIORITY || retentionTime < 0 {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        let patterns = if patternArray.is_null() {
            None
        } else {
            // SAFETY: non-NULL, valid by the contract.
            Some(check!(unsafe { read_patterns(&*patternArray) }))
        };
        let publisher = if publisherName.is_null() {
            None
        } else {
            // SAFETY: non-NULL, valid by the contract.
            let name = unsafe { &*publisherName };
            Some(check!(
                name_from_sa(name).map_err(|_| SA_AIS_ERR_INVALID_PARAM)
            ))
        };
        let mut state = lock(&ev.state);
        if let Some(p) = patterns {
            state.attributes.patterns = p;
        }
        if let Some(p) = publisher {
            state.attributes.publisher = p;
        }
        state.attributes.priority = priority;
        state.attributes.retention = retentionTime;
        SA_AIS_OK
    })
}

/// Writes `value` through `out` unless the caller passed NULL.
///
/// # Safety
/// `out` is NULL or valid for writing a `T`.
unsafe fn write_if_wanted<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-NULL, valid for writing by the contract.
        unsafe { out.write(value) };
    }
}

/// Reads an event's attributes; every NULL output is skipped. Patterns
/// go into the caller's array, or into one the library allocates when
/// `patternArray->patterns` is NULL (freed by the caller with free()).
///
/// # Safety
/// Every pointer is NULL or valid for writing; `patternArray` as
/// [`write_patterns`] requires.
#[no_mangle]
pub unsafe extern "C" fn saEvtEventAttributesGet(
    eventHandle: SaEvtEventHandleT,
    patternArray: *mut SaEvtEventPatternArrayT,
    priority: *mut SaEvtEventPriorityT,
    retentionTime: *mut SaTimeT,
    publisherName: *mut SaNameT,
    publishTime: *mut SaTimeT,
    eventId: *mut SaEvtEventIdT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ev = check!(event(eventHandle));
        let state = lock(&ev.state).clone();
        // SAFETY: each pointer is NULL or valid for writing by the contract.
        unsafe {
            write_if_wanted(priority, state.attributes.priority);
            write_if_wanted(retentionTime, state.attributes.retention);
            write_if_wanted(publisherName, name_to_sa(&state.attributes.publisher));
            write_if_wanted(publishTime, state.publish_time);
            write_if_wanted(eventId, state.event_id);
        }
        if patternArray.is_null() {
            return SA_AIS_OK;
        }
        // SAFETY: non-NULL; the array's validity is the caller's contract.
        unsafe { write_patterns(patternArray, &state.attributes.patterns) }
    })
}

/// Copies a delivered event's data into the caller's buffer of
/// `*eventDataSize` bytes and sets `*eventDataSize` to the data's size; a
/// buffer too small, or none (`eventData` NULL), is SA_AIS_ERR_NO_SPACE
/// with the size needed in `*eventDataSize`. An event the application allocated has no data to
/// get (SA_AIS_ERR_BAD_HANDLE: the handle is not a delivered event's).
///
/// # Safety
/// `eventData` is NULL or valid for writing `*eventDataSize` bytes;
/// `eventDataSize` is NULL or valid for reading and writing.
#[no_mangle]
pub unsafe extern "C" fn saEvtEventDataGet(
    eventHandle: SaEvtEventHandleT,
    eventData: *mut c_void,
    eventDataSize: *mut SaSizeT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ev = check!(event(eventHandle));
        // SAFETY: NULL or valid, by the caller's contract.
        let size = check!(unsafe { sa_ipc::ptr::inout(eventDataSize, SA_AIS_ERR_INVALID_PARAM) });
        if !ev.delivered {
            return SA_AIS_ERR_BAD_HANDLE;
        }
        let state = lock(&ev.state);
        let len = state.data.len();
        let room = *size;
        // No buffer is a buffer of no room, whatever `*eventDataSize`
        // says: the caller learns the size (openais's answer too).
        if (len as u64) > room || (eventData.is_null() && len > 0) {
            *size = len as u64;
            return SA_AIS_ERR_NO_SPACE;
        }
        if len > 0 {
            // SAFETY: non-NULL (checked above) and holding `room` >= len
            // bytes by the contract.
            unsafe { ptr::copy_nonoverlapping(state.data.as_ptr(), eventData.cast::<u8>(), len) };
        }
        *size = len as u64;
        SA_AIS_OK
    })
}

/// Publishes the event with `eventDataSize` bytes of data on its
/// channel (opened with SA_EVT_CHANNEL_PUBLISHER, else
/// SA_AIS_ERR_ACCESS) and returns the cluster-wide event id.
///
/// # Safety
/// `eventData` is NULL or valid for reading `eventDataSize` bytes;
/// `eventId` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn saEvtEventPublish(
    eventHandle: SaEvtEventHandleT,
    eventData: *const c_void,
    eventDataSize: SaSizeT,
    eventId: *mut SaEvtEventIdT,
) -> SaAisErrorT {
    ffi_guard(|| {
        let ev = check!(event(eventHandle));
        // SAFETY: NULL or valid for writing, by the caller's contract.
        let eventId = check!(unsafe { sa_ipc::ptr::out(eventId, SA_AIS_ERR_INVALID_PARAM) });
        if eventDataSize > SA_EVT_DATA_MAX_LEN as u64 {
            return SA_AIS_ERR_TOO_BIG;
        }
        if eventDataSize > 0 && eventData.is_null() {
            return SA_AIS_ERR_INVALID_PARAM;
        }
        let ch = check!(channel(ev.channel));
        if !ch.publisher() {
            return SA_AIS_ERR_ACCESS;
        }
        let data = if eventDataSize == 0 {
            Vec::new()
        } else {
            // SAFETY: non-NULL with eventDataSize (<= 64 KiB) readable
            // bytes by the contract.
            unsafe { std::slice::from_raw_parts(eventData.cast::<u8>(), eventDataSize as usize) }
                .to_vec()
        };
        let attributes = lock(&ev.state).attributes.clone();
        let request = Publish {
            open_id: ch.open_id,
            attributes,
            data,
        };
        match ch.instance.conn.call(&request) {
            Ok(reply) => {
                {
                    let mut state = lock(&ev.state);
                    state.event_id = reply.event_id;
                    state.publish_time = reply.publish_time;
                }
                eventId.write(reply.event_id);
                SA_AIS_OK
            }
            Err(e) => e.to_ais(),
        }
    })
}

//! saEvt.h: the Event Service (B.01.01) as openais 0.80 lays it out
//! (32-bit subscription ids, one-byte priorities and open flags).
//!
//! cbindgen turns this file into `include/openais/saEvt.h`. The string
//! `SA_EVT_LOST_EVENT` is written to the header as text by xtask (cbindgen
//! emits no string constants) and defined here for Rust only.

use crate::ais::{
    SaAisErrorT, SaDispatchFlagsT, SaInvocationT, SaNameT, SaSelectionObjectT, SaSizeT, SaTimeT,
    SaUint32T, SaUint64T, SaUint8T, SaVersionT,
};
use core::ffi::c_void;

/// Handle of one event library instance (from saEvtInitialize).
pub type SaEvtHandleT = SaUint64T;

/// Handle of one opened event channel.
pub type SaEvtChannelHandleT = SaUint64T;

/// Handle of one allocated event.
pub type SaEvtEventHandleT = SaUint64T;

/// Subscription identifier, chosen by the subscriber.
pub type SaEvtSubscriptionIdT = SaUint32T;

/// Cluster-wide identifier of a published event.
pub type SaEvtEventIdT = SaUint64T;
/// No event id (an event that is not retained).
pub const SA_EVT_EVENTID_NONE: SaEvtEventIdT = 0;
/// Id of the event reporting lost events.
pub const SA_EVT_EVENTID_LOST: SaEvtEventIdT = 1;

/// Largest event data openais accepts.
pub const SA_EVT_DATA_MAX_LEN: usize = 65536;

/// Event priority: 0 (highest) to 3 (lowest).
pub type SaEvtEventPriorityT = SaUint8T;
pub const SA_EVT_HIGHEST_PRIORITY: SaEvtEventPriorityT = 0;
pub const SA_EVT_LOWEST_PRIORITY: SaEvtEventPriorityT = 3;

/// Channel open flags.
pub type SaEvtChannelOpenFlagsT = SaUint8T;
pub const SA_EVT_CHANNEL_PUBLISHER: SaEvtChannelOpenFlagsT = 1;
pub const SA_EVT_CHANNEL_SUBSCRIBER: SaEvtChannelOpenFlagsT = 2;
pub const SA_EVT_CHANNEL_CREATE: SaEvtChannelOpenFlagsT = 4;

/// One pattern of an event (`patternSize` bytes at `pattern`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaEvtEventPatternT {
    /// Bytes allocated at `pattern` (for attribute reads).
    pub allocatedSize: SaSizeT,
    pub patternSize: SaSizeT,
    pub pattern: *mut SaUint8T,
}

/// The patterns of an event.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaEvtEventPatternArrayT {
    /// Elements allocated at `patterns` (for attribute reads).
    pub allocatedNumber: SaSizeT,
    pub patternsNumber: SaSizeT,
    pub patterns: *mut SaEvtEventPatternT,
}

/// How a filter matches a pattern.
pub type SaEvtEventFilterTypeT = u32;
pub const SA_EVT_PREFIX_FILTER: SaEvtEventFilterTypeT = 1;
pub const SA_EVT_SUFFIX_FILTER: SaEvtEventFilterTypeT = 2;
pub const SA_EVT_EXACT_FILTER: SaEvtEventFilterTypeT = 3;
pub const SA_EVT_PASS_ALL_FILTER: SaEvtEventFilterTypeT = 4;

/// One filter of a subscription, matched against the pattern of the same index.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaEvtEventFilterT {
    pub filterType: SaEvtEventFilterTypeT,
    pub filter: SaEvtEventPatternT,
}

/// The filters of a subscription.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaEvtEventFilterArrayT {
    pub filtersNumber: SaSizeT,
    pub filters: *mut SaEvtEventFilterT,
}

/// Result of saEvtChannelOpenAsync.
pub type SaEvtChannelOpenCallbackT = Option<
    unsafe extern "C" fn(
        invocation: SaInvocationT,
        channelHandle: SaEvtChannelHandleT,
        error: SaAisErrorT,
    ),
>;

/// An event matching a subscription was delivered.
pub type SaEvtEventDeliverCallbackT = Option<
    unsafe extern "C" fn(
        subscriptionId: SaEvtSubscriptionIdT,
        eventHandle: SaEvtEventHandleT,
        eventDataSize: SaSizeT,
    ),
>;

/// Callbacks a client registers with saEvtInitialize.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SaEvtCallbacksT {
    pub saEvtChannelOpenCallback: SaEvtChannelOpenCallbackT,
    pub saEvtEventDeliverCallback: SaEvtEventDeliverCallbackT,
}

extern "C" {
    pub fn saEvtInitialize(
        evtHandle: *mut SaEvtHandleT,
        callbacks: *const SaEvtCallbacksT,
        version: *mut SaVersionT,
    ) -> SaAisErrorT;

    pub fn saEvtSelectionObjectGet(
        evtHandle: SaEvtHandleT,
        selectionObject: *mut SaSelectionObjectT,
    ) -> SaAisErrorT;

    pub fn saEvtDispatch(evtHandle: SaEvtHandleT, dispatchFlags: SaDispatchFlagsT) -> SaAisErrorT;

    pub fn saEvtFinalize(evtHandle: SaEvtHandleT) -> SaAisErrorT;

    pub fn saEvtChannelOpen(
        evtHandle: SaEvtHandleT,
        channelName: *const SaNameT,
        channelOpenFlags: SaEvtChannelOpenFlagsT,
        timeout: SaTimeT,
        channelHandle: *mut SaEvtChannelHandleT,
    ) -> SaAisErrorT;

    pub fn saEvtChannelOpenAsync(
        evtHandle: SaEvtHandleT,
        invocation: SaInvocationT,
        channelName: *const SaNameT,
        channelOpenFlags: SaEvtChannelOpenFlagsT,
    ) -> SaAisErrorT;

    pub fn saEvtChannelClose(channelHandle: SaEvtChannelHandleT) -> SaAisErrorT;

    pub fn saEvtChannelUnlink(evtHandle: SaEvtHandleT, channelName: *const SaNameT) -> SaAisErrorT;

    pub fn saEvtEventAllocate(
        channelHandle: SaEvtChannelHandleT,
        eventHandle: *mut SaEvtEventHandleT,
    ) -> SaAisErrorT;

    pub fn saEvtEventFree(eventHandle: SaEvtEventHandleT) -> SaAisErrorT;

    pub fn saEvtEventAttributesSet(
        eventHandle: SaEvtEventHandleT,
        patternArray: *const SaEvtEventPatternArrayT,
        priority: SaEvtEventPriorityT,
        retentionTime: SaTimeT,
        publisherName: *const SaNameT,
    ) -> SaAisErrorT;

    pub fn saEvtEventAttributesGet(
        eventHandle: SaEvtEventHandleT,
        patternArray: *mut SaEvtEventPatternArrayT,
        priority: *mut SaEvtEventPriorityT,
        retentionTime: *mut SaTimeT,
        publisherName: *mut SaNameT,
        publishTime: *mut SaTimeT,
        eventId: *mut SaEvtEventIdT,
    ) -> SaAisErrorT;

    pub fn saEvtEventDataGet(
        eventHandle: SaEvtEventHandleT,
        eventData: *mut c_void,
        eventDataSize: *mut SaSizeT,
    ) -> SaAisErrorT;

    pub fn saEvtEventPublish(
        eventHandle: SaEvtEventHandleT,
        eventData: *const c_void,
        eventDataSize: SaSizeT,
        eventId: *mut SaEvtEventIdT,
    ) -> SaAisErrorT;

    pub fn saEvtEventSubscribe(
        channelHandle: SaEvtChannelHandleT,
        filters: *const SaEvtEventFilterArrayT,
        subscriptionId: SaEvtSubscriptionIdT,
    ) -> SaAisErrorT;

    pub fn saEvtEventUnsubscribe(
        channelHandle: SaEvtChannelHandleT,
        subscriptionId: SaEvtSubscriptionIdT,
    ) -> SaAisErrorT;

    pub fn saEvtEventRetentionTimeClear(
        channelHandle: SaEvtChannelHandleT,
        eventId: SaEvtEventIdT,
    ) -> SaAisErrorT;
}

/// Pattern of the event that tells a subscriber events were lost (C: the
/// string macro of the same name, without the terminating NUL here).
/// cbindgen:ignore
pub const SA_EVT_LOST_EVENT: &[u8] = b"SA_EVT_LOST_EVENT_PATTERN";

impl SaEvtEventPatternT {
    /// The pattern bytes; empty for a NULL `pattern`.
    ///
    /// # Safety
    /// Unless `pattern` is NULL, it must point to `patternSize` readable
    /// bytes that stay valid and unmodified for `'a`.
    pub unsafe fn bytes<'a>(&self) -> &'a [u8] {
        if self.pattern.is_null() || self.patternSize == 0 {
            return &[];
        }
        // A size beyond the address space cannot describe readable memory;
        // the caller's guarantee already excludes it, this keeps the cast sound.
        let len = usize::try_from(self.patternSize).unwrap_or(usize::MAX);
        // SAFETY: non-null, and the caller guarantees patternSize readable
        // bytes that outlive 'a.
        unsafe { core::slice::from_raw_parts(self.pattern, len) }
    }
}

impl Default for SaEvtEventPatternT {
    fn default() -> Self {
        SaEvtEventPatternT {
            allocatedSize: 0,
            patternSize: 0,
            pattern: core::ptr::null_mut(),
        }
    }
}

impl Default for SaEvtEventPatternArrayT {
    fn default() -> Self {
        SaEvtEventPatternArrayT {
            allocatedNumber: 0,
            patternsNumber: 0,
            patterns: core::ptr::null_mut(),
        }
    }
}

impl Default for SaEvtEventFilterArrayT {
    fn default() -> Self {
        SaEvtEventFilterArrayT {
            filtersNumber: 0,
            filters: core::ptr::null_mut(),
        }
    }
}

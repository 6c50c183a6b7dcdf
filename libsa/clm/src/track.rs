//! saClmClusterTrack: flag rules, and the current view written into the
//! caller's (or a library-allocated) notification buffer.

use std::mem::size_of;
use std::ptr;

use sa_abi::ais::{
    SaAisErrorT, SaUint8T, SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_INIT, SA_AIS_ERR_INVALID_PARAM,
    SA_AIS_ERR_LIBRARY, SA_AIS_ERR_NO_MEMORY, SA_AIS_ERR_NO_SPACE, SA_AIS_OK, SA_TRACK_CHANGES,
    SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT,
};
use sa_abi::clm::{SaClmClusterNotificationBufferT, SaClmClusterNotificationT};
use sa_ipc::proto::clm::{CurrentView, Track, TrackChanges, View};
use sa_ipc::CallError;

use crate::convert::node_to_sa;
use crate::instance::ClmInstance;
use sa_abi::clm::SA_CLM_NODE_NO_CHANGE;

/// What a set of track flags asks for, once they were found valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TrackFlags {
    pub(crate) current: bool,
    pub(crate) changes: TrackChanges,
}

/// B.01.01: at least one of CURRENT, CHANGES, CHANGES_ONLY; CHANGES and
/// CHANGES_ONLY exclude each other; no other bits. Else SA_AIS_ERR_BAD_FLAGS.
pub(crate) fn parse_flags(flags: SaUint8T) -> Result<TrackFlags, SaAisErrorT> {
    const KNOWN: SaUint8T = SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY;
    if flags == 0 || flags & !KNOWN != 0 {
        return Err(SA_AIS_ERR_BAD_FLAGS);
    }
    let changes = match flags & (SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY) {
        0 => TrackChanges::None,
        SA_TRACK_CHANGES => TrackChanges::Changes,
        SA_TRACK_CHANGES_ONLY => TrackChanges::ChangesOnly,
        _ => return Err(SA_AIS_ERR_BAD_FLAGS),
    };
    Ok(TrackFlags {
        current: flags & SA_TRACK_CURRENT != 0,
        changes,
    })
}

/// Where the current view goes.
enum Destination {
    /// Not asked for.
    Nowhere,
    /// In a track callback.
    Callback,
    /// Into the caller's array of `capacity` items.
    CallerArray {
        buffer: *mut SaClmClusterNotificationBufferT,
        array: *mut SaClmClusterNotificationT,
        capacity: u32,
    },
    /// Into an array the library allocates with malloc (the caller frees
    /// it with free(), as with openais).
    Allocated {
        buffer: *mut SaClmClusterNotificationBufferT,
    },
}

impl ClmInstance {
    /// The body of saClmClusterTrack once the handle was found.
    ///
    /// # Safety
    /// `buffer` is NULL or points to a valid SaClmClusterNotificationBufferT
    /// whose `notification` is NULL or an array of `numberOfItems` items.
    pub(crate) unsafe fn track(
        &self,
        flags: SaUint8T,
        buffer: *mut SaClmClusterNotificationBufferT,
    ) -> SaAisErrorT {
        let flags = match parse_flags(flags) {
            Ok(f) => f,
            Err(e) => return e,
        };
        let has_callback = self.callbacks.saClmClusterTrackCallback.is_some();
        let destination = if !flags.current {
            // The buffer is only used with SA_TRACK_CURRENT.
            Destination::Nowhere
        } else if buffer.is_null() {
            Destination::Callback
        } else {
            // SAFETY: non-NULL, and valid by this function's contract.
            let b = unsafe { &*buffer };
            if b.notification.is_null() {
                Destination::Allocated { buffer }
            } else if b.numberOfItems == 0 {
                return SA_AIS_ERR_INVALID_PARAM;
            } else {
                Destination::CallerArray {
                    buffer,
                    array: b.notification,
                    capacity: b.numberOfItems,
                }
            }
        };
        let needs_callback =
            flags.changes != TrackChanges::None || matches!(destination, Destination::Callback);
        if needs_callback && !has_callback {
            return SA_AIS_ERR_INIT;
        }
        let (current, max_items) = match destination {
            Destination::Nowhere => (CurrentView::None, 0),
            Destination::Callback => (CurrentView::AsCallback, 0),
            Destination::CallerArray { capacity, .. } => (CurrentView::InReply, capacity),
            Destination::Allocated { .. } => (CurrentView::InReply, 0),
        };
        let request = Track {
            changes: flags.changes,
            current,
            max_items,
        };
        let reply = match self.conn.call(&request) {
            Ok(r) => r,
            Err(CallError::Ais(SA_AIS_ERR_NO_SPACE)) => {
                if let Destination::CallerArray { buffer, .. } = destination {
                    // SAFETY: as above.
                    return unsafe { self.report_size_needed(buffer) };
                }
                return SA_AIS_ERR_LIBRARY;
            }
            Err(e) => return e.to_ais(),
        };
        match destination {
            Destination::Nowhere | Destination::Callback => SA_AIS_OK,
            Destination::CallerArray {
                buffer,
                array,
                capacity,
            } => match reply.view {
                Some(view) if view.members.len() <= capacity as usize => {
                    // SAFETY: `array` holds `capacity` >= members items.
                    unsafe { write_view(buffer, array, &view) };
                    SA_AIS_OK
                }
                _ => SA_AIS_ERR_LIBRARY,
            },
            Destination::Allocated { buffer } => {
                let Some(view) = reply.view else {
                    return SA_AIS_ERR_LIBRARY;
                };
                // At least one item so that a successful call always hands
                // back a pointer the caller may free().
                let bytes = view
                    .members
                    .len()
                    .max(1)
                    .saturating_mul(size_of::<SaClmClusterNotificationT>());
                // SAFETY: plain allocation; the result is checked for NULL.
                let array = unsafe { libc::malloc(bytes) }.cast::<SaClmClusterNotificationT>();
                if array.is_null() {
                    return SA_AIS_ERR_NO_MEMORY;
                }
                // SAFETY: `array` was just allocated for members.len() items.
                unsafe { write_view(buffer, array, &view) };
                SA_AIS_OK
            }
        }
    }

    /// The caller's array was too small: tell it how many items the view
    /// has (a query without side effects) and return SA_AIS_ERR_NO_SPACE.
    ///
    /// # Safety
    /// `buffer` points to a valid SaClmClusterNotificationBufferT.
    unsafe fn report_size_needed(
        &self,
        buffer: *mut SaClmClusterNotificationBufferT,
    ) -> SaAisErrorT {
        let query = Track {
            changes: TrackChanges::None,
            current: CurrentView::InReply,
            max_items: 0,
        };
        match self.conn.call(&query) {
            Ok(reply) => {
                let Some(view) = reply.view else {
                    return SA_AIS_ERR_LIBRARY;
                };
                // SAFETY: valid by this function's contract.
                unsafe {
                    (*buffer).numberOfItems = view.members.len() as u32;
                }
                SA_AIS_ERR_NO_SPACE
            }
            Err(e) => e.to_ais(),
        }
    }
}

/// Writes the view into `array` and points the buffer at it.
///
/// # Safety
/// `buffer` is valid; `array` has room for `view.members.len()` items.
unsafe fn write_view(
    buffer: *mut SaClmClusterNotificationBufferT,
    array: *mut SaClmClusterNotificationT,
    view: &View,
) {
    for (i, node) in view.members.iter().enumerate() {
        let item = SaClmClusterNotificationT {
            clusterNode: node_to_sa(node),
            clusterChange: SA_CLM_NODE_NO_CHANGE,
        };
        // SAFETY: i < members.len(), within the array by the contract;
        // `write` because the caller's memory may be uninitialised.
        unsafe { ptr::write(array.add(i), item) };
    }
    // SAFETY: valid by the contract.
    unsafe {
        (*buffer).viewNumber = view.view_number;
        (*buffer).numberOfItems = view.members.len() as u32;
        (*buffer).notification = array;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_rules() {
        let ok = |current, changes| Ok(TrackFlags { current, changes });
        assert_eq!(parse_flags(SA_TRACK_CURRENT), ok(true, TrackChanges::None));
        assert_eq!(
            parse_flags(SA_TRACK_CHANGES),
            ok(false, TrackChanges::Changes)
        );
        assert_eq!(
            parse_flags(SA_TRACK_CHANGES_ONLY),
            ok(false, TrackChanges::ChangesOnly)
        );
        assert_eq!(
            parse_flags(SA_TRACK_CURRENT | SA_TRACK_CHANGES),
            ok(true, TrackChanges::Changes)
        );
        assert_eq!(
            parse_flags(SA_TRACK_CURRENT | SA_TRACK_CHANGES_ONLY),
            ok(true, TrackChanges::ChangesOnly)
        );
        for bad in [
            0,
            0x08,
            0x80 | SA_TRACK_CHANGES,
            SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY,
            SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY,
            0xff,
        ] {
            assert_eq!(parse_flags(bad), Err(SA_AIS_ERR_BAD_FLAGS), "{bad:#x}");
        }
    }
}

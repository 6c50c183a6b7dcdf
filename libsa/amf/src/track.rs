//! saAmfProtectionGroupTrack: flag rules, and the current protection
//! group written into the caller's (or a library-allocated) buffer, as
//! saClmClusterTrack does.

use std::mem::size_of;
use std::ptr;

use sa_abi::ais::{
    SaAisErrorT, SaUint8T, SA_AIS_ERR_BAD_FLAGS, SA_AIS_ERR_INIT, SA_AIS_ERR_INVALID_PARAM,
    SA_AIS_ERR_LIBRARY, SA_AIS_ERR_NO_MEMORY, SA_AIS_ERR_NO_SPACE, SA_AIS_OK, SA_TRACK_CHANGES,
    SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT,
};
use sa_abi::amf::{
    SaAmfProtectionGroupMemberT, SaAmfProtectionGroupNotificationBufferT,
    SaAmfProtectionGroupNotificationT,
};
use sa_ipc::codec::Name;
use sa_ipc::ffi::name_to_sa;
use sa_ipc::proto::amf::{
    PgMember, PgTrack, PG_CURRENT_AS_CALLBACK, PG_CURRENT_IN_REPLY, PG_CURRENT_NONE,
};

use crate::instance::AmfInstance;

pub(crate) fn member_to_sa(m: &PgMember) -> SaAmfProtectionGroupNotificationT {
    SaAmfProtectionGroupNotificationT {
        member: SaAmfProtectionGroupMemberT {
            compName: name_to_sa(&m.comp),
            haState: m.ha_state,
            rank: m.rank,
        },
        change: m.change,
    }
}

/// B.01.01: at least one of CURRENT, CHANGES, CHANGES_ONLY; CHANGES and
/// CHANGES_ONLY exclude each other; no other bits. Else
/// SA_AIS_ERR_BAD_FLAGS. Returns (current, changes).
pub(crate) fn parse_flags(flags: SaUint8T) -> Result<(bool, u8), SaAisErrorT> {
    const KNOWN: SaUint8T = SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY;
    if flags == 0 || flags & !KNOWN != 0 {
        return Err(SA_AIS_ERR_BAD_FLAGS);
    }
    let changes = flags & (SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY);
    if changes == SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY {
        return Err(SA_AIS_ERR_BAD_FLAGS);
    }
    Ok((flags & SA_TRACK_CURRENT != 0, changes))
}

impl AmfInstance {
    /// The body of saAmfProtectionGroupTrack once the handle and CSI name
    /// were checked.
    ///
    /// # Safety
    /// `buffer` is NULL or points to a valid buffer whose `notification`
    /// is NULL or an array of `numberOfItems` items.
    pub(crate) unsafe fn pg_track(
        &self,
        csi: Name,
        flags: SaUint8T,
        buffer: *mut SaAmfProtectionGroupNotificationBufferT,
    ) -> SaAisErrorT {
        let (current, changes) = match parse_flags(flags) {
            Ok(f) => f,
            Err(e) => return e,
        };
        // Where the current group goes: nowhere, a callback (NULL
        // buffer), the caller's array, or an array allocated here.
        let (mode, capacity) = if !current {
            (PG_CURRENT_NONE, None)
        } else if buffer.is_null() {
            (PG_CURRENT_AS_CALLBACK, None)
        } else {
            // SAFETY: non-NULL, valid by the contract.
            let b = unsafe { &*buffer };
            if b.notification.is_null() {
                (PG_CURRENT_IN_REPLY, None)
            } else if b.numberOfItems == 0 {
                return SA_AIS_ERR_INVALID_PARAM;
            } else {
                (PG_CURRENT_IN_REPLY, Some(b.numberOfItems))
            }
        };
        let needs_callback = changes != 0 || mode == PG_CURRENT_AS_CALLBACK;
        if needs_callback && self.callbacks.saAmfProtectionGroupTrackCallback.is_none() {
            return SA_AIS_ERR_INIT;
        }
        // Too small an array: asked before anything starts, so a refused
        // call leaves no track behind.
        if let Some(capacity) = capacity {
            let query = PgTrack {
                csi: csi.clone(),
                changes: 0,
                current: PG_CURRENT_IN_REPLY,
            };
            match self.conn.call(&query) {
                Ok(reply) if reply.members.len() > capacity as usize => {
                    // SAFETY: valid by the contract.
                    unsafe { (*buffer).numberOfItems = reply.members.len() as u32 };
                    return SA_AIS_ERR_NO_SPACE;
                }
                Ok(_) => {}
                Err(e) => return e.to_ais(),
            }
        }
        let reply = match self.conn.call(&PgTrack {
            csi,
            changes,
            current: mode,
        }) {
            Ok(r) => r,
            Err(e) => return e.to_ais(),
        };
        if mode != PG_CURRENT_IN_REPLY {
            return SA_AIS_OK;
        }
        let members = reply.members;
        let array = match capacity {
            Some(capacity) if members.len() <= capacity as usize => {
                // SAFETY: valid by the contract.
                unsafe { (*buffer).notification }
            }
            // The group grew between the two calls.
            Some(_) => return SA_AIS_ERR_LIBRARY,
            None => {
                // At least one item so that a successful call always hands
                // back a pointer the caller may free().
                let bytes = members
                    .len()
                    .max(1)
                    .saturating_mul(size_of::<SaAmfProtectionGroupNotificationT>());
                // SAFETY: plain allocation; the result is checked for NULL.
                let array =
                    unsafe { libc::malloc(bytes) }.cast::<SaAmfProtectionGroupNotificationT>();
                if array.is_null() {
                    return SA_AIS_ERR_NO_MEMORY;
                }
                array
            }
        };
        for (i, m) in members.iter().enumerate() {
            // SAFETY: i < members.len() <= the array's items; `write`
            // because the caller's memory may be uninitialised.
            unsafe { ptr::write(array.add(i), member_to_sa(m)) };
        }
        // SAFETY: valid by the contract.
        unsafe {
            (*buffer).numberOfItems = members.len() as u32;
            (*buffer).notification = array;
        }
        SA_AIS_OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        assert_eq!(parse_flags(SA_TRACK_CURRENT), Ok((true, 0)));
        assert_eq!(
            parse_flags(SA_TRACK_CURRENT | SA_TRACK_CHANGES_ONLY),
            Ok((true, SA_TRACK_CHANGES_ONLY))
        );
        for bad in [0, 0x80, SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY] {
            assert_eq!(parse_flags(bad), Err(SA_AIS_ERR_BAD_FLAGS));
        }
    }
}

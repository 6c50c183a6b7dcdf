//! The library's objects and their handle databases: library instances
//! (SaEvtHandleT), channel openings (SaEvtChannelHandleT) and events
//! (SaEvtEventHandleT).
//!
//! Ownership follows the handles: an instance lists its channel
//! handles, a channel lists its event handles, and closing or finalizing
//! one destroys what it lists, so that every handle derived from a
//! finalized instance is SA_AIS_ERR_BAD_HANDLE afterwards. A channel
//! keeps its instance alive (`Arc`) while a call uses it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use sa_abi::ais::{SaAisErrorT, SA_AIS_ERR_BAD_HANDLE, SA_AIS_ERR_NO_MEMORY, SA_TIME_UNKNOWN};
use sa_abi::evt::{SaEvtCallbacksT, SA_EVT_LOWEST_PRIORITY};
use sa_ipc::proto::evt::{open_flags, Attributes};
use sa_ipc::{Connection, HandleDb};

pub(crate) use sa_ipc::ffi::lock;

/// One saEvtInitialize.
pub(crate) struct EvtInstance {
    pub(crate) conn: Connection,
    pub(crate) callbacks: SaEvtCallbacksT,
    /// The executive's opening id -> its channel handle.
    pub(crate) channels: Mutex<BTreeMap<u32, u64>>,
    /// saEvtChannelOpenAsync calls not answered yet: (invocation, flags).
    pub(crate) pending_opens: Mutex<Vec<(u64, u8)>>,
}

/// One opening of a channel.
pub(crate) struct EvtChannel {
    pub(crate) instance: Arc<EvtInstance>,
    pub(crate) open_id: u32,
    pub(crate) flags: u8,
    /// Event handles allocated on or delivered to this opening.
    pub(crate) events: Mutex<BTreeSet<u64>>,
}

impl EvtChannel {
    pub(crate) fn publisher(&self) -> bool {
        self.flags & open_flags::PUBLISHER != 0
    }

    pub(crate) fn subscriber(&self) -> bool {
        self.flags & open_flags::SUBSCRIBER != 0
    }
}

/// What an event handle holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventState {
    pub(crate) attributes: Attributes,
    pub(crate) publish_time: i64,
    pub(crate) event_id: u64,
    /// The data of a delivered event.
    pub(crate) data: Vec<u8>,
}

/// One event: allocated by the application, or delivered to it (then its
/// attributes are read-only).
pub(crate) struct EvtEvent {
    pub(crate) channel: u64,
    pub(crate) delivered: bool,
    pub(crate) state: Mutex<EventState>,
}

pub(crate) static INSTANCES: HandleDb<EvtInstance> = HandleDb::new();
pub(crate) static CHANNELS: HandleDb<EvtChannel> = HandleDb::new();
pub(crate) static EVENTS: HandleDb<EvtEvent> = HandleDb::new();

pub(crate) fn instance(handle: u64) -> Result<Arc<EvtInstance>, SaAisErrorT> {
    INSTANCES.get(handle).ok_or(SA_AIS_ERR_BAD_HANDLE)
}

pub(crate) fn channel(handle: u64) -> Result<Arc<EvtChannel>, SaAisErrorT> {
    CHANNELS.get(handle).ok_or(SA_AIS_ERR_BAD_HANDLE)
}

pub(crate) fn event(handle: u64) -> Result<Arc<EvtEvent>, SaAisErrorT> {
    EVENTS.get(handle).ok_or(SA_AIS_ERR_BAD_HANDLE)
}

/// Creates the channel handle of a new opening and records it in its
/// instance.
pub(crate) fn add_channel(
    instance: &Arc<EvtInstance>,
    open_id: u32,
    flags: u8,
) -> Result<u64, SaAisErrorT> {
    let handle = CHANNELS
        .create(EvtChannel {
            instance: Arc::clone(instance),
            open_id,
            flags,
            events: Mutex::new(BTreeSet::new()),
        })
        .map_err(|_| SA_AIS_ERR_NO_MEMORY)?;
    lock(&instance.channels).insert(open_id, handle);
    // A finalize in another thread shuts the connection down before it
    // collects the instance's channels: either it saw this channel in the
    // list, or this check sees the shutdown. The handle must not outlive
    // its instance.
    if instance.conn.is_shut_down() {
        remove_channel(handle);
        return Err(SA_AIS_ERR_BAD_HANDLE);
    }
    Ok(handle)
}

/// Ends an instance removed from [`INSTANCES`]: its connection first (so
/// that a channel opened concurrently notices, see [`add_channel`]), then
/// every channel handle (and event handle) of it.
pub(crate) fn finalize_instance(inst: &EvtInstance) {
    inst.conn.shutdown();
    let channels: Vec<u64> = lock(&inst.channels).values().copied().collect();
    for ch in channels {
        remove_channel(ch);
    }
}

/// Destroys a channel handle and every event handle of it.
pub(crate) fn remove_channel(handle: u64) -> Option<Arc<EvtChannel>> {
    let ch = CHANNELS.destroy(handle)?;
    lock(&ch.instance.channels).remove(&ch.open_id);
    for event in std::mem::take(&mut *lock(&ch.events)) {
        EVENTS.destroy(event);
    }
    Some(ch)
}

/// Creates an event handle on channel `channel_handle`.
pub(crate) fn add_event(
    channel_handle: u64,
    channel: &EvtChannel,
    delivered: bool,
    state: EventState,
) -> Result<u64, SaAisErrorT> {
    let handle = EVENTS
        .create(EvtEvent {
            channel: channel_handle,
            delivered,
            state: Mutex::new(state),
        })
        .map_err(|_| SA_AIS_ERR_NO_MEMORY)?;
    lock(&channel.events).insert(handle);
    // A close in another thread may have emptied the channel's list just
    // before the insert: then this event must go as well.
    if CHANNELS.get(channel_handle).is_none() {
        lock(&channel.events).remove(&handle);
        EVENTS.destroy(handle);
        return Err(SA_AIS_ERR_BAD_HANDLE);
    }
    Ok(handle)
}

/// Destroys an event handle.
pub(crate) fn remove_event(handle: u64) -> Option<Arc<EvtEvent>> {
    let ev = EVENTS.destroy(handle)?;
    if let Some(ch) = CHANNELS.get(ev.channel) {
        lock(&ch.events).remove(&handle);
    }
    Some(ev)
}

/// The attributes of a newly allocated event (B.01.01: no patterns, the
/// lowest priority, no retention, an empty publisher name; publish time
/// SA_TIME_UNKNOWN and event id SA_EVT_EVENTID_NONE until published).
pub(crate) fn new_event_state() -> EventState {
    EventState {
        attributes: Attributes {
            priority: SA_EVT_LOWEST_PRIORITY,
            ..Attributes::default()
        },
        // SA_TIME_UNKNOWN's bit pattern as an SaTimeT.
        publish_time: SA_TIME_UNKNOWN as i64,
        event_id: 0,
        data: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::thread;

    use sa_ipc::frame::read_frame;
    use sa_ipc::testing::accept_connection;
    use sa_ipc::{service, SocketAddress};

    use super::*;

    /// An instance connected to a stand-in executive that accepts the
    /// connection and then only waits for its end.
    fn connected_instance(tag: &str) -> Arc<EvtInstance> {
        let addr = SocketAddress::parse(&format!("@sa-evt-{tag}-{}", std::process::id()));
        let listener = addr.bind().unwrap();
        thread::spawn(move || {
            let (mut request, _dispatch) = accept_connection(&listener, 1).unwrap();
            // Until the library shuts the connection down.
            let _ = read_frame(&mut request);
        });
        Arc::new(EvtInstance {
            conn: Connection::connect_to(&addr, service::EVT).unwrap(),
            callbacks: SaEvtCallbacksT::default(),
            channels: Mutex::new(BTreeMap::new()),
            pending_opens: Mutex::new(Vec::new()),
        })
    }

    #[test]
    fn finalize_takes_the_channels_and_their_events() {
        let inst = connected_instance("finalize");
        let ch = add_channel(&inst, 1, open_flags::PUBLISHER).unwrap();
        let channel = CHANNELS.get(ch).unwrap();
        let ev = add_event(ch, &channel, false, new_event_state()).unwrap();
        finalize_instance(&inst);
        assert!(CHANNELS.get(ch).is_none());
        assert!(EVENTS.get(ev).is_none());
        assert!(lock(&inst.channels).is_empty());
    }

    /// An open whose answer arrives while a finalize runs in another
    /// thread: the channel handle must not outlive the instance.
    #[test]
    fn a_channel_opened_during_finalize_is_not_kept() {
        let inst = connected_instance("racing-open");
        finalize_instance(&inst);
        assert_eq!(
            add_channel(&inst, 7, open_flags::SUBSCRIBER),
            Err(SA_AIS_ERR_BAD_HANDLE)
        );
        assert!(lock(&inst.channels).is_empty());
    }
}

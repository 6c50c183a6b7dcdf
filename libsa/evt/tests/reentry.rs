//! A deliver callback may call the library on its own handles — free the
//! event, close the channel, finalize the instance — from inside a
//! blocking dispatch: the dispatch holds no lock those calls need. The
//! executive is a scripted stand-in on an abstract socket.

use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use sa_abi::ais::{
    SaAisErrorT, SaNameT, SaSizeT, SaVersionT, SA_AIS_ERR_BAD_HANDLE, SA_AIS_OK,
    SA_DISPATCH_BLOCKING,
};
use sa_abi::evt::{
    SaEvtCallbacksT, SaEvtEventHandleT, SaEvtSubscriptionIdT, SA_EVT_CHANNEL_SUBSCRIBER,
};
use sa_evt::channel::{saEvtChannelClose, saEvtChannelOpen};
use sa_evt::event::saEvtEventFree;
use sa_evt::lifecycle::{saEvtDispatch, saEvtFinalize, saEvtInitialize};
use sa_ipc::frame::{read_frame, write_frame};
use sa_ipc::proto::evt::{kind, Attributes, Delivered, EventRecord, OpenReply, Pulled};
use sa_ipc::proto::{service, Payload};
use sa_ipc::testing::accept_connection;
use sa_ipc::{Frame, SocketAddress};

const OPEN_ID: u32 = 5;

/// Answers the next request on `req`, which must be of `want` kind.
fn answer(req: &mut UnixStream, want: u16, payload: Vec<u8>) {
    let f = read_frame(req).expect("a request");
    assert_eq!((f.service, f.kind), (service::EVT, want));
    let reply = Frame::response_to(&f.header().unwrap(), SA_AIS_OK, payload);
    write_frame(req, &reply).unwrap();
}

/// The executive's part: an open, one delivered event, the close the
/// callback asks for, then the end of the connection.
fn stand_in(addr: &SocketAddress) -> thread::JoinHandle<()> {
    let listener = addr.bind().unwrap();
    thread::spawn(move || {
        let (mut req, mut disp) = accept_connection(&listener, 1).unwrap();
        answer(
            &mut req,
            kind::OPEN,
            OpenReply { open_id: OPEN_ID }.to_payload(),
        );
        let available = Frame::callback(service::EVT, kind::EVENT_AVAILABLE, SA_AIS_OK, vec![]);
        write_frame(&mut disp, &available).unwrap();
        let event = Delivered {
            open_id: OPEN_ID,
            subscription_id: 9,
            event: EventRecord {
                attributes: Attributes::default(),
                publish_time: 1,
                event_id: 0x1_0000_0002,
                data: b"payload".to_vec(),
            },
        };
        answer(
            &mut req,
            kind::PULL,
            Pulled {
                events: vec![event],
            }
            .to_payload(),
        );
        answer(&mut req, kind::CLOSE, Vec::new());
        // The finalize inside the callback ends the connection.
        assert!(read_frame(&mut req).is_err());
    })
}

static INSTANCE: AtomicU64 = AtomicU64::new(0);
static CHANNEL: AtomicU64 = AtomicU64::new(0);
/// What the callback got (subscription, data size) and what its calls
/// returned (event free, channel close, finalize). No assertion runs in
/// the callback: a panic cannot unwind through C.
type Seen = (
    (SaEvtSubscriptionIdT, SaSizeT),
    (SaAisErrorT, SaAisErrorT, SaAisErrorT),
);
static RESULTS: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

unsafe extern "C" fn on_deliver(
    subscription: SaEvtSubscriptionIdT,
    event: SaEvtEventHandleT,
    size: SaSizeT,
) {
    // SAFETY: any handle values are allowed.
    let results = unsafe {
        (
            saEvtEventFree(event),
            saEvtChannelClose(CHANNEL.load(Ordering::SeqCst)),
            saEvtFinalize(INSTANCE.load(Ordering::SeqCst)),
        )
    };
    RESULTS
        .lock()
        .unwrap()
        .push(((subscription, size), results));
}

#[test]
fn a_deliver_callback_frees_closes_and_finalizes() {
    let name = format!("@sa-evt-reentry-{}", std::process::id());
    std::env::set_var("OPENAIS_IPC_SOCKET", &name);
    let server = stand_in(&SocketAddress::parse(&name));

    let callbacks = SaEvtCallbacksT {
        saEvtChannelOpenCallback: None,
        saEvtEventDeliverCallback: Some(on_deliver),
    };
    let mut h = 0;
    let mut version = SaVersionT::new(b'B', 1, 1);
    let mut ch = 0;
    let channel_name = SaNameT::new(b"reentry").unwrap();
    // SAFETY: valid pointers.
    unsafe {
        assert_eq!(saEvtInitialize(&mut h, &callbacks, &mut version), SA_AIS_OK);
        assert_eq!(
            saEvtChannelOpen(
                h,
                &channel_name,
                SA_EVT_CHANNEL_SUBSCRIBER,
                1_000_000_000,
                &mut ch
            ),
            SA_AIS_OK
        );
    }
    INSTANCE.store(h, Ordering::SeqCst);
    CHANNEL.store(ch, Ordering::SeqCst);

    // SAFETY: valid handle; the callback is valid.
    let dispatch = thread::spawn(move || unsafe { saEvtDispatch(h, SA_DISPATCH_BLOCKING) });
    let end = Instant::now() + Duration::from_secs(10);
    while !dispatch.is_finished() && Instant::now() < end {
        thread::sleep(Duration::from_millis(5));
    }
    assert!(dispatch.is_finished(), "the dispatch deadlocked");
    assert_eq!(dispatch.join().unwrap(), SA_AIS_OK);
    assert_eq!(
        *RESULTS.lock().unwrap(),
        vec![((9, 7), (SA_AIS_OK, SA_AIS_OK, SA_AIS_OK))]
    );
    // SAFETY: any handle value is allowed.
    unsafe {
        assert_eq!(saEvtChannelClose(ch), SA_AIS_ERR_BAD_HANDLE);
        assert_eq!(saEvtFinalize(h), SA_AIS_ERR_BAD_HANDLE);
    }
    server.join().unwrap();
}

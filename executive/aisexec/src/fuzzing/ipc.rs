//! The bytes a library client writes on its request socket, read as the
//! executive reads them: the set-up frame by the size-limited reader and
//! checked as the IPC server checks a hello, then every frame by the
//! socket reader (through the same 64 KiB read buffer), each decoded by
//! its service's request decoder, the one the service's library handler
//! runs. The same bytes are also read as a library reads its callback
//! buffer ([`Frame::parse`]) and decoded by every service's callback
//! decoder, the libraries' side of the contract.

use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use sa_ipc::frame::{Frame, KIND_HELLO};
use sa_ipc::hello::{Hello, MAX_HELLO_FRAME, PROTOCOL_VERSION};
use sa_ipc::proto::{self, service, Payload};
use tokio::io::{AsyncRead, BufReader, ReadBuf};

use super::input::Input;
use crate::ipc::socket::{read_frame, read_frame_limited, READ_BUFFER};

/// An in-memory stream that hands out at most `chunk` bytes per read, as
/// a socket may.
struct Chunked<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl AsyncRead for Chunked<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = self.chunk.min(buf.remaining()).min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        buf.put_slice(head);
        self.data = rest;
        Poll::Ready(Ok(()))
    }
}

/// Runs a future over in-memory streams, which never wait.
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    match f.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("an in-memory stream never waits"),
    }
}

/// Input: `chunk: u8` (bytes per read, 0 = 256), then the stream.
pub fn ipc_stream(data: &[u8]) {
    let mut input = Input::new(data);
    let chunk = match input.u8() {
        0 => 256,
        n => usize::from(n),
    };
    let stream = input.bytes(data.len());
    run(executive_side(Chunked {
        data: stream,
        chunk,
    }));
    library_side(stream);
}

async fn executive_side(mut stream: Chunked<'_>) {
    // The set-up task reads the first frame straight from the socket.
    let Ok(hello) = read_frame_limited(&mut stream, MAX_HELLO_FRAME).await else {
        return;
    };
    if hello.kind != KIND_HELLO {
        return;
    }
    let Ok(h) = Hello::from_payload(&hello.payload) else {
        return;
    };
    if h.service != hello.service || h.version != PROTOCOL_VERSION {
        return;
    }
    let mut stream = BufReader::with_capacity(READ_BUFFER, stream);
    while let Ok(frame) = read_frame(&mut stream).await {
        if frame.kind == KIND_HELLO || frame.service != h.service {
            return;
        }
        if decode_request(frame.service, frame.kind, &frame.payload).is_err() {
            return;
        }
    }
}

/// The decoder the service's library handler runs on a request frame.
fn decode_request(svc: u16, kind: u16, payload: &[u8]) -> Result<(), sa_ipc::DecodeError> {
    match svc {
        service::EVS => proto::evs::EvsRequest::decode(kind, payload).map(drop),
        service::CLM => proto::clm::ClmRequest::decode(kind, payload).map(drop),
        service::CKPT => proto::ckpt::CkptRequest::decode(kind, payload).map(drop),
        service::EVT => proto::evt::EvtRequest::decode(kind, payload).map(drop),
        service::CFG => proto::cfg::CfgRequest::decode(kind, payload).map(drop),
        service::CPG => proto::cpg::CpgRequest::decode(kind, payload).map(drop),
        service::LCK => proto::lck::LckRequest::decode(kind, payload).map(drop),
        service::MSG => proto::msg::MsgRequest::decode(kind, payload).map(drop),
        service::AMF => proto::amf::AmfRequest::decode(kind, payload).map(drop),
        _ => Ok(()),
    }
}

fn library_side(mut bytes: &[u8]) {
    while let Ok(Some((frame, used))) = Frame::parse(bytes) {
        bytes = &bytes[used..];
        let Frame {
            kind,
            error,
            payload,
            ..
        } = frame;
        let _ = proto::clm::ClmCallback::decode(kind, error, &payload);
        let _ = proto::ckpt::CkptCallback::decode(kind, error, &payload);
        let _ = proto::evt::EvtCallback::decode(kind, error, &payload);
        let _ = proto::evs::EvsCallback::decode(kind, &payload);
        let _ = proto::cpg::CpgCallback::decode(kind, &payload);
        let _ = proto::lck::LckCallback::decode(kind, error, &payload);
        let _ = proto::amf::AmfCallback::decode(kind, &payload);
        let _ = proto::msg::OpenCallback::from_payload(&payload);
        let _ = proto::msg::TrackCallback::from_payload(&payload);
        let _ = proto::msg::DeliveredCallback::from_payload(&payload);
        let _ = proto::msg::ReceivedCallback::from_payload(&payload);
    }
}

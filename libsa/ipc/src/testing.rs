//! The executive's side of the connection set-up, for tests that stand in
//! for the executive (the libraries tested without aisexec). Built with
//! the `test-support` feature only.

use std::os::unix::net::{UnixListener, UnixStream};

use sa_abi::ais::SA_AIS_OK;

use crate::client::IpcError;
use crate::frame::{read_frame, write_frame, Frame, KIND_HELLO};
use crate::hello::{Hello, HelloReply, Role};
use crate::proto::Payload;

/// Reads the hello a library sends first on a new socket and answers it
/// as the executive does: a request socket gets `conn_id`, a dispatch
/// socket an empty acknowledgement. Returns the hello.
pub fn answer_hello(stream: &mut UnixStream, conn_id: u64) -> Result<Hello, IpcError> {
    let frame = read_frame(stream)?;
    if frame.kind != KIND_HELLO {
        return Err(IpcError::Unexpected {
            service: frame.service,
            kind: frame.kind,
        });
    }
    let hello = Hello::from_payload(&frame.payload)?;
    let payload = match hello.role {
        Role::Request => HelloReply { conn_id }.to_payload(),
        Role::Dispatch => Vec::new(),
    };
    let answer = Frame::callback(frame.service, KIND_HELLO, SA_AIS_OK, payload);
    write_frame(stream, &answer)?;
    Ok(hello)
}

/// Accepts one library connection, both halves in the order the library
/// opens them, as connection `conn_id`; returns the request and the
/// dispatch stream.
pub fn accept_connection(
    listener: &UnixListener,
    conn_id: u64,
) -> Result<(UnixStream, UnixStream), IpcError> {
    let (mut request, _) = listener.accept()?;
    let hello = answer_hello(&mut request, conn_id)?;
    if hello.role != Role::Request || hello.conn_id != 0 {
        return Err(IpcError::Unexpected {
            service: hello.service,
            kind: KIND_HELLO,
        });
    }
    let (mut dispatch, _) = listener.accept()?;
    let hello = answer_hello(&mut dispatch, conn_id)?;
    if hello.role != Role::Dispatch || hello.conn_id != conn_id {
        return Err(IpcError::Unexpected {
            service: hello.service,
            kind: KIND_HELLO,
        });
    }
    Ok((request, dispatch))
}

//! A scripted stand-in for the executive's CLM service: one node (or a
//! configurable membership), served on an abstract socket, so the
//! library's C calls can be tested without aisexec.

use std::collections::HashMap;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::{Arc, Mutex, Once};
use std::thread;

use sa_abi::ais::*;
use sa_ipc::frame::{read_frame, write_frame};
use sa_ipc::hello::Role;
use sa_ipc::proto::clm::*;
use sa_ipc::testing::answer_hello;
use sa_ipc::{service, Frame, Payload, SocketAddress};

pub const LOCAL_ID: u32 = 0x0101_d50a;

pub fn node(id: u32, name: &str) -> NodeInfo {
    NodeInfo {
        node_id: id,
        family: AddressFamily::Inet,
        address: format!("10.213.1.{}", id >> 24).into_bytes(),
        name: name.try_into().unwrap(),
        member: true,
        boot_timestamp: 1_700_000_000_000_000_000,
        initial_view_number: 4,
    }
}

/// The membership every stand-in connection reports.
pub struct Cluster {
    pub members: Vec<NodeInfo>,
    pub view_number: u64,
}

type Dispatchers = Mutex<HashMap<u64, UnixStream>>;

static START: Once = Once::new();

/// Starts the stand-in once per test binary and points the library at it.
pub fn start(cluster: Cluster) {
    START.call_once(move || {
        let name = format!("@sa-clm-test-{}", std::process::id());
        let listener = SocketAddress::parse(&name).bind().unwrap();
        std::env::set_var("OPENAIS_IPC_SOCKET", &name);
        let cluster = Arc::new(cluster);
        let dispatchers: Arc<Dispatchers> = Arc::new(Mutex::new(HashMap::new()));
        thread::spawn(move || serve(listener, cluster, dispatchers));
    });
}

fn serve(listener: UnixListener, cluster: Arc<Cluster>, dispatchers: Arc<Dispatchers>) {
    let mut next_id = 1u64;
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        // A request socket gets `next_id` as its connection id.
        let Ok(hello) = answer_hello(&mut stream, next_id) else {
            continue;
        };
        match hello.role {
            Role::Request => {
                let id = next_id;
                next_id += 1;
                let cluster = Arc::clone(&cluster);
                let dispatchers = Arc::clone(&dispatchers);
                thread::spawn(move || serve_requests(stream, id, &cluster, &dispatchers));
            }
            Role::Dispatch => {
                dispatchers.lock().unwrap().insert(hello.conn_id, stream);
            }
        }
    }
}

fn view(cluster: &Cluster) -> View {
    View {
        view_number: cluster.view_number,
        members: cluster.members.clone(),
    }
}

fn lookup(cluster: &Cluster, id: u32) -> Option<NodeInfo> {
    let id = if id == LOCAL_NODE_ID { LOCAL_ID } else { id };
    cluster.members.iter().find(|n| n.node_id == id).cloned()
}

fn callback(dispatchers: &Dispatchers, id: u64, frame: Frame) {
    // The dispatch half connects right after the request half's hello.
    for _ in 0..500 {
        if let Some(s) = dispatchers.lock().unwrap().get_mut(&id) {
            let _ = write_frame(s, &frame);
            return;
        }
        thread::sleep(std::time::Duration::from_millis(2));
    }
}

fn serve_requests(mut stream: UnixStream, id: u64, cluster: &Cluster, dispatchers: &Dispatchers) {
    let mut tracking = TrackChanges::None;
    while let Ok(f) = read_frame(&mut stream) {
        let header = f.header().unwrap();
        let (error, payload) = match ClmRequest::decode(f.kind, &f.payload) {
            Err(_) => break,
            Ok(ClmRequest::NodeGet(q)) => match lookup(cluster, q.node_id) {
                Some(node) => (SA_AIS_OK, NodeGetReply { node }.to_payload()),
                None => (SA_AIS_ERR_NOT_EXIST, Vec::new()),
            },
            Ok(ClmRequest::NodeGetAsync(q)) => {
                let node = lookup(cluster, q.node_id);
                let error = if node.is_some() {
                    SA_AIS_OK
                } else {
                    SA_AIS_ERR_NOT_EXIST
                };
                let result = NodeGetCallback {
                    invocation: q.invocation,
                    node,
                };
                let _ = write_frame(
                    &mut stream,
                    &Frame::response_to(&header, SA_AIS_OK, Vec::new()),
                );
                callback(
                    dispatchers,
                    id,
                    Frame::callback(
                        service::CLM,
                        kind::NODE_GET_CALLBACK,
                        error,
                        result.to_payload(),
                    ),
                );
                continue;
            }
            Ok(ClmRequest::Track(t)) => {
                let members = cluster.members.len() as u32;
                if t.current == CurrentView::InReply && t.max_items != 0 && members > t.max_items {
                    (SA_AIS_ERR_NO_SPACE, Vec::new())
                } else if t.changes == TrackChanges::None && t.current == CurrentView::None {
                    (SA_AIS_ERR_BAD_FLAGS, Vec::new())
                } else {
                    if t.changes != TrackChanges::None {
                        tracking = t.changes;
                    }
                    let reply = TrackReply {
                        view: (t.current == CurrentView::InReply).then(|| view(cluster)),
                    };
                    if t.current == CurrentView::AsCallback {
                        let cb = TrackCallback {
                            view_number: cluster.view_number,
                            items: cluster
                                .members
                                .iter()
                                .map(|n| TrackItem {
                                    node: n.clone(),
                                    change: ClusterChange::NoChange,
                                })
                                .collect(),
                            number_of_members: members,
                        };
                        callback(
                            dispatchers,
                            id,
                            Frame::callback(
                                service::CLM,
                                kind::TRACK_CALLBACK,
                                SA_AIS_OK,
                                cb.to_payload(),
                            ),
                        );
                    }
                    (SA_AIS_OK, reply.to_payload())
                }
            }
            Ok(ClmRequest::TrackStop(_)) => {
                if tracking == TrackChanges::None {
                    (SA_AIS_ERR_NOT_EXIST, Vec::new())
                } else {
                    tracking = TrackChanges::None;
                    (SA_AIS_OK, Vec::new())
                }
            }
        };
        if write_frame(&mut stream, &Frame::response_to(&header, error, payload)).is_err() {
            break;
        }
    }
    dispatchers.lock().unwrap().remove(&id);
}

//! The executive's main loop: one task on one current-thread runtime that
//! owns the ordering layer, the IPC server and the service manager, and
//! feeds each event to the part that handles it. Nothing here blocks:
//! socket I/O happens in the IPC server's own tasks, and every handler
//! runs to completion.

use std::future::Future;
use std::time::{Duration, Instant};

use log::{error, info};
use tokio::sync::mpsc;

use crate::ipc::{ConnEvent, IpcEvent, IpcServer};
use crate::ordering::Ordering;
use crate::service::timers::now_ns;
use crate::service::{Request, ServiceManager};

/// How often set-up deadlines and stalled syncs are looked at.
const HOUSEKEEPING: Duration = Duration::from_millis(100);

/// Longest wait, after a shutdown signal, for the services to finish what
/// must happen before this node leaves (AMF's switchover and component
/// termination); the node leaves after it whatever is left.
const LEAVE_BOUND: Duration = Duration::from_secs(15);

/// Why the executive stopped on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("the ordering layer stopped reporting events")]
    OrderingStopped,
}

/// The running executive.
#[derive(Debug)]
pub struct Executive<O: Ordering> {
    ordering: O,
    ipc: IpcServer,
    ipc_events: mpsc::Receiver<IpcEvent>,
    manager: ServiceManager,
}

impl<O: Ordering + std::fmt::Debug> Executive<O> {
    pub fn new(
        ordering: O,
        ipc: IpcServer,
        ipc_events: mpsc::Receiver<IpcEvent>,
        manager: ServiceManager,
    ) -> Executive<O> {
        Executive {
            ordering,
            ipc,
            ipc_events,
            manager,
        }
    }

    /// Serves until `shutdown` completes (a signal), then stops gracefully:
    /// services are told, library connections closed, the ring left.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) -> Result<(), RunError> {
        tokio::pin!(shutdown);
        let mut housekeeping = tokio::time::interval(HOUSEKEEPING);
        housekeeping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut leaving_since: Option<Instant> = None;
        let result = loop {
            if leaving_since.is_none() && self.manager.leave_requested() {
                log::warn!(target: "MAIN", "a service asked this executive to leave the cluster");
                self.manager.shutdown(&mut self.ordering, &mut self.ipc);
                leaving_since = Some(Instant::now());
            }
            if let Some(since) = leaving_since {
                if self
                    .manager
                    .ready_to_leave(&mut self.ordering, &mut self.ipc)
                {
                    break Ok(());
                }
                if since.elapsed() >= LEAVE_BOUND {
                    log::warn!(target: "MAIN", "leaving after {} s with work unfinished",
                        LEAVE_BOUND.as_secs());
                    break Ok(());
                }
            }
            let timer = self.manager.next_timer().map(deadline_of);
            tokio::select! {
                () = &mut shutdown, if leaving_since.is_none() => {
                    // Services act first (AMF switches SIs over) while
                    // the executive keeps serving; it leaves when they
                    // are ready or after LEAVE_BOUND.
                    self.manager.shutdown(&mut self.ordering, &mut self.ipc);
                    leaving_since = Some(Instant::now());
                }
                event = self.ordering.next_event() => match event {
                    Some(event) => {
                        self.manager.deliver(&mut self.ordering, &mut self.ipc, &event);
                        self.manager.retry_pending(&mut self.ordering, &mut self.ipc);
                    }
                    None => {
                        error!(target: "MAIN", "the ordering layer stopped; exiting");
                        break Err(RunError::OrderingStopped);
                    }
                },
                Some(event) = self.ipc_events.recv() => self.ipc.handle(event),
                () = sleep_until_opt(timer), if timer.is_some() => {
                    self.manager.fire_timers(&mut self.ordering, &mut self.ipc, now_ns());
                }
                _ = housekeeping.tick() => {
                    self.ipc.expire_pending(Instant::now());
                    self.manager.retry_pending(&mut self.ordering, &mut self.ipc);
                }
            }
            self.route_connection_events();
        };
        self.stop();
        result
    }

    /// Hands what happened on library connections to the services.
    fn route_connection_events(&mut self) {
        while let Some(event) = self.ipc.next_event() {
            match event {
                ConnEvent::Opened { service, info } => {
                    self.manager
                        .conn_opened(&mut self.ordering, &mut self.ipc, service, &info);
                }
                ConnEvent::Request {
                    service,
                    conn,
                    frame,
                } => {
                    let req = Request {
                        conn,
                        kind: frame.kind,
                        seq: frame.seq,
                        payload: &frame.payload,
                    };
                    let handled =
                        self.manager
                            .lib_request(&mut self.ordering, &mut self.ipc, service, &req);
                    if let Err(e) = handled {
                        self.ipc.protocol_error(conn, &e.to_string());
                    }
                }
                ConnEvent::Closed { service, conn } => {
                    self.manager
                        .conn_closed(&mut self.ordering, &mut self.ipc, service, conn);
                }
            }
        }
    }

    fn stop(&mut self) {
        info!(target: "MAIN", "shutting down");
        self.ipc.close_all();
        self.route_connection_events();
        self.ordering.leave();
        let ipc = self.ipc.stats();
        let serv = self.manager.stats();
        info!(target: "MAIN",
            "served {} library connection(s); refused {}, protocol errors {}, overflows {}, \
             dropped frames {}, dropped exec messages {}",
            ipc.established, ipc.refused, ipc.protocol_errors, ipc.overflows,
            ipc.dropped_frames, serv.exec_dropped);
    }
}

/// The monotonic instant at which the wall clock reaches `at_ns`.
fn deadline_of(at_ns: i64) -> tokio::time::Instant {
    let wait = at_ns.saturating_sub(now_ns()).max(0);
    tokio::time::Instant::now() + Duration::from_nanos(wait as u64)
}

async fn sleep_until_opt(deadline: Option<tokio::time::Instant>) {
    if let Some(d) = deadline {
        tokio::time::sleep_until(d).await;
    }
}

//! `logging { to_file }` and logrotate: after the log file is moved away
//! and SIGHUP sent, the executive writes to a new file at the configured
//! path, and every line it logged is in one of the two files.

mod common;

use std::fs;
use std::time::{Duration, Instant};

use common::{free_udp_port, Aisexec, WAIT};

fn send_signal(pid: u32, sig: i32) {
    let pid = i32::try_from(pid).unwrap();
    // SAFETY: kill(2) on the PID of a child the test still holds (not
    // reaped), so it names that process.
    unsafe {
        libc::kill(pid, sig);
    }
}

#[test]
fn sighup_reopens_the_log_file_and_no_line_is_lost() {
    let logs = tempfile::tempdir().unwrap();
    let logfile = logs.path().join("aisexec.log");
    let rotated = logs.path().join("aisexec.log.1");
    let port = free_udp_port();
    // Everything goes to stderr (the harness's log) and to the file, with
    // debug on so that lines keep coming while the file is moved.
    let conf = format!(
        "totem {{\n\tversion: 2\n\tsecauth: off\n\ttransport: udpu\n\
         \tinterface {{\n\t\tringnumber: 0\n\t\tbindnetaddr: 127.0.0.1\n\t\tmcastport: {port}\n\t}}\n\
         \tmember {{\n\t\tmemberaddr: 127.0.0.1\n\t}}\n}}\n\
         logging {{\n\tto_stderr: yes\n\tto_file: yes\n\tlogfile: {}\n\tto_syslog: no\n\
         \ttimestamp: on\n\tdebug: on\n}}\n\
         aisexec {{\n\tuser: root\n\tgroup: root\n}}\n",
        logfile.display()
    );
    let mut exec = Aisexec::start_with(&conf);
    // Connections make the executive log (IPC debug lines) while the
    // file is moved and the signal is handled.
    let address = exec.address();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = address.connect();
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    fs::rename(&logfile, &rotated).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    send_signal(exec.pid(), libc::SIGHUP);
    assert!(
        exec.wait_for_log("SIGHUP received: log file reopened"),
        "{}",
        exec.log()
    );
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    churn.join().unwrap();
    let status = exec.terminate().expect("aisexec exits on SIGTERM");
    assert!(status.success(), "{status:?}");

    let old = fs::read_to_string(&rotated).unwrap();
    let new = fs::read_to_string(&logfile).unwrap();
    assert!(
        new.contains("log file reopened"),
        "the line about the reopening goes to the new file: {new}"
    );
    assert!(new.contains("aisexec exiting"), "{new}");
    assert!(!old.contains("log file reopened"), "{old}");
    // stderr got every line; the two files together have each of them
    // once, in order, the old file's lines first.
    let stderr = exec.log();
    let everything: Vec<&str> = stderr.lines().filter(|l| !l.is_empty()).collect::<Vec<_>>();
    let files: Vec<&str> = old.lines().chain(new.lines()).collect();
    let started = Instant::now();
    // The file has what stderr has from the moment the configuration was
    // applied (the first lines, before the file was opened, went only to
    // stderr).
    let first = everything
        .iter()
        .position(|l| Some(*l) == files.first().copied())
        .expect("the file's first line is on stderr");
    assert_eq!(
        &everything[first..],
        &files[..],
        "the two files together are exactly what stderr got"
    );
    assert!(started.elapsed() < WAIT);
    assert!(files.len() > 10, "{} lines", files.len());
}

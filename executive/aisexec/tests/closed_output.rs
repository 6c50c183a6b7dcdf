//! The command-line tools write their messages without panicking when
//! the reader of their output is gone (`aisexec -h | true`): a panic would
//! turn a successful run into exit status 101.

use std::process::{Command, Stdio};

/// Runs `bin args` with stdout and stderr writing into a pipe nobody
/// reads any more, and returns its exit code.
fn exit_code_with_output_gone(bin: &str, args: &[&str]) -> Option<i32> {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let status = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer.try_clone().expect("dup"))
        .stderr(writer)
        .env("OPENAIS_IPC_SOCKET", "@closed-output-test-nobody-listens")
        .status()
        .expect("spawn");
    status.code()
}

#[test]
fn help_is_written_or_dropped_without_a_panic() {
    for bin in [
        env!("CARGO_BIN_EXE_aisexec"),
        env!("CARGO_BIN_EXE_ais-keygen"),
        env!("CARGO_BIN_EXE_openais-cfgtool"),
    ] {
        assert_eq!(exit_code_with_output_gone(bin, &["-h"]), Some(0), "{bin}");
    }
}

#[test]
fn errors_are_reported_by_the_exit_status_alone() {
    let cfgtool = env!("CARGO_BIN_EXE_openais-cfgtool");
    assert_eq!(exit_code_with_output_gone(cfgtool, &["-s"]), Some(1));
    assert_eq!(exit_code_with_output_gone(cfgtool, &["-x"]), Some(2));
    let aisexec = env!("CARGO_BIN_EXE_aisexec");
    assert_eq!(exit_code_with_output_gone(aisexec, &["-z"]), Some(2));
}

//! `aisexec [-f]`: the openais-rs executive.

fn main() -> std::process::ExitCode {
    aisexec::startup::main(std::env::args_os().skip(1))
}

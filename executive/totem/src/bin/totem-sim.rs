//! `totem-sim`: runs the Totem state machine over the deterministic
//! simulated network for a range of seeds and checks extended virtual
//! synchrony after each run (see `totem::sim::cli` for the options).

fn main() {
    let status = totem::sim::cli::main::<totem::Srp>(std::env::args().skip(1));
    std::process::exit(status);
}

//! `totem-sim`: runs the executive's ordering stack (the Totem state
//! machine, the process-group layer and their glue) over the deterministic
//! simulated network for a range of seeds and checks extended virtual
//! synchrony after each run (see `totem::sim::cli` for the options).
//! `--srp` drives the Totem state machine alone, as the simulator did
//! before it drove the stack (the seeds of older findings replay there).

fn main() {
    let mut srp_only = false;
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| {
            let srp = a == "--srp";
            srp_only |= srp;
            !srp
        })
        .collect();
    let status = if srp_only {
        totem::sim::cli::main::<totem::Srp>(args)
    } else {
        totem::sim::cli::main::<totem::stack::Stack>(args)
    };
    std::process::exit(status);
}

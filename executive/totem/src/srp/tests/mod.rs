//! Hand-driven scenarios for one to four processors.

mod faults;
mod membership;
mod pump;
mod ring;

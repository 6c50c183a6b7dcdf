//! Hand-driven scenarios for one to four processors.

mod bounds;
mod faults;
mod membership;
mod pump;
mod ring;

//! SA Forum ABI.

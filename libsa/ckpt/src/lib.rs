//! libSaCkpt: the SA Forum Checkpoint library.

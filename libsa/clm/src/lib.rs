//! libSaClm.

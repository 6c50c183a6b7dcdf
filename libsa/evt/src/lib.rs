//! libSaEvt: the SA Forum Event library.

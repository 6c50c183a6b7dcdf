//! libais: the all-in-one SA Forum library, so that `-lais` alone links a
//! program that uses any of the services.
//!
//! It holds no code of its own: the archive of this crate carries the C
//! entry points of every service library it depends on, and
//! `libais.versions` exports them under the same version nodes as the
//! per-service libraries (openais's `libSaAis.versions`). A service joins
//! here when its library exists.

pub use sa_amf;
pub use sa_ckpt;
pub use sa_clm;
pub use sa_evt;
pub use sa_lck;
pub use sa_msg;

//! Every query of the store, written once and run on either backend through
//! [`crate::exec::Exec`]. Backends only decide which pool or transaction a call runs on.

pub(crate) mod bulk;
pub(crate) mod captures;
pub(crate) mod change;
pub(crate) mod comments;
pub(crate) mod console;
pub(crate) mod documents;
pub(crate) mod endpoints;
pub(crate) mod events;
pub(crate) mod faces;
pub(crate) mod handoff;
pub(crate) mod inquiries;
pub(crate) mod keys;
pub(crate) mod templates;
pub(crate) mod totp;
pub(crate) mod verifications;
pub(crate) mod webhooks;

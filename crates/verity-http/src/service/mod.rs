//! The application layer between handlers and the store: loads what a command needs,
//! lets the domain decide, and commits the result with its events in one transaction.
//! Handlers, the flow API and the background sweeper all change inquiries through here,
//! so an event is never forgotten.

pub mod inquiries;
pub mod templates;

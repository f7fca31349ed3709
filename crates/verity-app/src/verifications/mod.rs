//! Verifications and workflows, wired into inquiries.
//!
//! - [`run`]: what one verification checks — its inquiry's documents through
//!   `verity-checks`, judged by the template's required checks. Pure apart from the inputs.
//! - [`outcome`]: when an inquiry that reached its completion step becomes `completed` or
//!   `failed`.
//! - [`check`]: checking one claimed verification off the async runtime under a time limit,
//!   and recording its result, the fields it fills and the outcome in one commit.
//! - [`workflow`]: advancing a claimed workflow run (a `wait` is a stored due time).
//!
//! The loops that claim the work run in `verity-worker`.

pub mod check;
pub mod outcome;
pub mod run;
pub mod workflow;

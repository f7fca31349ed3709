//! The route table. Each resource has its own module; `/api/v1` routes require an API key
//! and honour `Idempotency-Key` on POST.

pub mod accounts;
pub mod events;
pub mod inquiries;
pub mod page;
pub mod system;
pub mod templates;
pub mod verifications;
pub mod webhooks;

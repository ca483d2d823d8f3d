//! Contract fakes of Notion and ClickUp for tests: real HTTP on 127.0.0.1, stateful, following
//! `crates/fakes/contracts/CONTRACTS.md` (auth and version headers, multipart field names, size limits,
//! pagination, expiring signed download URLs, rate limits with their headers, error bodies),
//! with fault injection. Each fake runs on its own named thread, so sync tests, async tests and
//! tests that run the real `clipnote` binary can all use it.
//!
//! ```
//! let fake = fakes::ClickUpFake::start("pk_test_token", "9012", "86b0x2k7q");
//! fake.inject("attachment", fakes::Fault::UnavailableAfterEffect, 1);
//! // ... point CLIPNOTE_CLICKUP_BASE_URL at fake.base_url() and post ...
//! assert!(fake.state().task("86b0x2k7q").attachments.is_empty());
//! ```

pub mod clickup;
mod clickup_comments;
mod clickup_lists;
pub mod multipart;
pub mod notion;
mod notion_append;
mod notion_read;
pub mod notion_schema;
mod notion_uploads;
mod server;

pub use clickup::ClickUpFake;
pub use notion::NotionFake;
pub use server::{Fault, Logged};

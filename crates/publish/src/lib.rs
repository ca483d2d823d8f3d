//! Posting clips: Notion, ClickUp, the local library, a shared folder and team storage (an
//! S3-compatible bucket) behind one
//! [`Destination`] trait, a durable [`Outbox`] that posts each clip exactly once through
//! faults, and reading posted clips back.
//!
//! `publish` knows nothing of FFmpeg or UI: it takes an MP4 file and a summary in light
//! markdown, and reports progress as [`Event`]s.
//!
//! ```no_run
//! # async fn demo() -> Result<(), publish::Error> {
//! use publish::{NewPost, Outbox, Progress, Settings, TaskRef};
//! let settings = Settings::new("/home/me/.config/clipnote".into(), "/home/me/Clips".into());
//! let outbox = Outbox::open("/home/me/.local/share/clipnote/outbox")?;
//! let job = outbox.enqueue(NewPost {
//!     to: TaskRef::parse("https://app.clickup.com/t/86b0x2k7q")?,
//!     clip: "login-bug.mp4".into(),
//!     title: "Login bug: root cause".into(),
//!     summary: "- token refresh raced the logout\n- **fix** in review".into(),
//!     author: "Ada".into(),
//!     duration_secs: publish::mp4::duration_secs("login-bug.mp4".as_ref()),
//!     reply_to: None,
//!     transcript: None,
//! })?;
//! let done = outbox.run_job(&job.id, &settings, &Progress::default()).await?;
//! println!("{}", done.task_url.unwrap_or_default());
//! # Ok(()) }
//! ```

pub mod account;
pub mod clickup;
pub mod destination;
pub mod error;
pub mod fetch;
mod http;
pub mod inbox;
pub mod local;
pub mod markdown;
pub mod mp4;
pub mod notion;
pub mod outbox;
pub mod progress;
pub mod retry;
pub mod s3;
pub mod secrets;
pub mod settings;
pub mod taskref;
pub mod transcript;

pub use account::Account;
pub use destination::{
    Checkpoint, Destination, ExternalClip, PartsDone, Post, PostedClip, ReplyTo, StepDone,
};
pub use error::{Error, Service};
pub use inbox::{Entry, Follow, FollowList, Inbox, InboxConfig};
pub use outbox::{ClipCheck, Job, JobStatus, NewPost, Outbox, PosterMaker};
pub use progress::{Event, Progress, Step};
pub use retry::RetryPolicy;
pub use secrets::{Token, TokenSource};
pub use settings::Settings;
pub use taskref::TaskRef;
pub use transcript::Transcript;

/// Seconds since the Unix epoch.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Today's date, `YYYY-MM-DD` (UTC).
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

//! `clipnote reply ID CLIP`: answers a teammate's clip from the inbox with a clip of your own,
//! posted to the same page or task through the outbox exactly as `clipnote post` posts
//! (Notion: right after the answered clip; ClickUp: a threaded reply to its comment).

use clap::Args;

use crate::cli::UserError;
use crate::cli::post::{self, ClipArgs};
use crate::{config, exit, inbox};

#[derive(Debug, Args)]
pub struct ReplyArgs {
    /// The clip to answer: its id, as `clipnote inbox` (or `inbox --json`) shows it.
    pub id: String,
    #[command(flatten)]
    pub clip: ClipArgs,
}

pub fn run(args: ReplyArgs) -> anyhow::Result<()> {
    let file = config::load()?;
    let settings = config::publish_settings(&file)?;
    let entry = inbox::open(&file)?
        .entry(&args.id)
        .map_err(|e| UserError::new(exit::USAGE, e.to_string()))?;
    let (to, reply_to) = entry.reply_target();
    let title = args
        .clip
        .title
        .clone()
        .unwrap_or_else(|| format!("Re: {}", entry.title));
    post::send(&file, &settings, &args.clip, to, title, Some(reply_to))
}

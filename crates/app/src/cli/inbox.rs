//! `clipnote inbox`, `follow`, `unfollow` and `watch`: teammates' clips from the pages, tasks,
//! lists, databases and folders you follow, newest and unwatched first; `watch` brings one
//! into the cache and hands it to a player.

use clap::Args;
use publish::{Entry, Follow, FollowList, Settings, TaskRef};

use crate::cli::UserError;
use crate::cli::post::{runtime, user_error};
use crate::{config, exit, inbox};

#[derive(Debug, Args)]
pub struct InboxArgs {
    /// Print the entries as JSON (an array; each with its id, title, author, task, date, duration, summary, poster).
    #[arg(long)]
    pub json: bool,
    /// Only clips on this task: a Notion page URL or id, a ClickUp task URL or id, `library`, `folder:PATH`, or `s3://BUCKET/PREFIX`.
    #[arg(long, value_name = "REF")]
    pub task: Option<String>,
    /// Only clips by this person (any part of the name, any case).
    #[arg(long, value_name = "NAME")]
    pub author: Option<String>,
    /// List what was read last time, without reading Notion or ClickUp.
    #[arg(long)]
    pub offline: bool,
    /// Only clips whose title, summary or transcript holds all these words (any case, any
    /// accents; the last word may be the start of a word), each with the matching lines and
    /// when they are said.
    #[arg(long, value_name = "WORDS")]
    pub search: Option<String>,
}

#[derive(Debug, Args)]
pub struct FollowArgs {
    /// A Notion page URL or id, a Notion database (`notion-db:ID` or its link with ?v=), a ClickUp task URL or id, a ClickUp list (`clickup-list:ID` or its link), `library`, `folder:PATH`, or team storage `s3://BUCKET/PREFIX`.
    pub reference: String,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The clip's id, as `clipnote inbox` prints it.
    pub id: String,
    /// Download the clip and print its local path, without opening a player.
    #[arg(long)]
    pub print_path: bool,
    /// Start playing at this second (as `clipnote inbox --search` prints a line's time, in
    /// seconds) instead of where you left off.
    #[arg(long, value_name = "SECS")]
    pub at: Option<f64>,
}

fn load() -> Result<(config::File, Settings, FollowList), UserError> {
    let file = config::load()?;
    let settings = config::publish_settings(&file)?;
    let follows = FollowList::load(&settings.config_dir).map_err(|e| user_error(&e))?;
    Ok((file, settings, follows))
}

/// Parses what a person typed to follow (the error lists every accepted form).
pub fn parse_follow(reference: &str) -> Result<Follow, UserError> {
    Follow::parse(reference).map_err(|e| UserError::new(exit::USAGE, e.to_string()))
}

pub fn run_inbox(args: InboxArgs) -> anyhow::Result<()> {
    let (file, settings, follows) = load()?;
    let task = args
        .task
        .as_deref()
        .map(TaskRef::parse)
        .transpose()
        .map_err(|e| UserError::new(exit::USAGE, e.to_string()))?;
    let inbox = inbox::open(&file)?;
    let mut failed: Option<UserError> = None;
    if !args.offline {
        let rt = runtime()?;
        let report = rt
            .block_on(inbox.refresh(&settings, &follows.follows))
            .map_err(|e| user_error(&e))?;
        for (source, e) in &report.failures {
            eprintln!("clipnote: could not read {source}: {e}");
            failed.get_or_insert_with(|| user_error(e));
        }
        if report.pending > 0 {
            eprintln!(
                "{} ClickUp tasks were not read yet (ClickUp allows 100 requests a minute): run `clipnote inbox` again in a minute",
                report.pending
            );
        }
    }
    let author = args.author.as_deref().map(str::to_lowercase);
    let entries: Vec<Entry> = inbox
        .entries()
        .map_err(|e| user_error(&e))?
        .into_iter()
        .filter(|e| task.as_ref().is_none_or(|t| e.is_on(t)))
        .filter(|e| {
            author
                .as_deref()
                .is_none_or(|a| e.author.to_lowercase().contains(a))
        })
        .collect();
    if let Some(words) = &args.search {
        crate::cli::search::print(&inbox, &entries, words, args.json)?;
    } else if args.json {
        let list: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| {
                let mut v = serde_json::to_value(e).unwrap_or_default();
                let poster = inbox.poster_path(&e.id);
                v["poster"] =
                    serde_json::json!(poster.is_file().then(|| poster.display().to_string()));
                v
            })
            .collect();
        println!("{}", serde_json::Value::Array(list));
    } else if entries.is_empty() {
        let followed: Vec<String> = follows.follows.iter().map(ToString::to_string).collect();
        println!(
            "No clips yet from {}. Follow more with `clipnote follow REF`.",
            followed.join(", ")
        );
    } else {
        for e in &entries {
            print_entry(e);
        }
    }
    match failed {
        Some(err) => Err(UserError::new(
            err.code,
            "some followed sources could not be read (see above); their clips are listed as last read",
        )
        .into()),
        None => Ok(()),
    }
}

fn print_entry(e: &Entry) {
    println!("{}", entry_line(e));
    for line in e.summary.lines().filter(|l| !l.trim().is_empty()) {
        println!("      {line}");
    }
}

/// "ID  new DATE  LENGTH  TITLE — AUTHOR · TASK", as `clipnote inbox` lists a clip.
pub(crate) fn entry_line(e: &Entry) -> String {
    let date = e.date.get(..16).unwrap_or(&e.date).replace('T', " ");
    let length = e.duration_secs.map_or_else(
        || "    ".into(),
        |d| {
            let s = d.round() as u64;
            format!("{}:{:02}", s / 60, s % 60)
        },
    );
    let new = if e.watched { "    " } else { "new " };
    let by = if e.author.is_empty() {
        String::new()
    } else {
        format!(" — {}", e.author)
    };
    format!(
        "{}  {new}{date}  {length:>5}  {}{by} · {}",
        e.id, e.title, e.task_name
    )
}

/// What following a reference came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    /// It was followed already; nothing changed.
    Already,
    /// Followed and read.
    Now,
    /// Followed, but it could not be read now (the network, a rate limit): the next refresh
    /// tries again.
    NotReadYet,
}

impl Followed {
    /// In words, for the terminal and the app.
    pub fn words(self, follow: &Follow) -> String {
        match self {
            Followed::Already => format!("Already following {follow}."),
            Followed::Now => format!("Following {follow}."),
            Followed::NotReadYet => format!(
                "Following {follow} (it could not be read now; the next refresh tries again)."
            ),
        }
    }
}

/// Follows `follow`: a shared folder must exist, and the source is read once before the list is
/// saved, so a page that is not shared or a bad token is said now and nothing is followed.
/// `clipnote follow` and the app's Follow button share this.
pub async fn follow(
    inbox: &publish::Inbox,
    settings: &Settings,
    follows: &mut FollowList,
    follow: &Follow,
) -> Result<Followed, UserError> {
    if let Follow::Task {
        to: TaskRef::Folder { path },
    } = follow
        && !path.is_dir()
    {
        return Err(UserError::new(
            exit::IO,
            format!(
                "the shared folder {} does not exist: create it or check the path",
                path.display()
            ),
        ));
    }
    let mut added = follows.clone();
    if !added.add(follow.clone()) {
        return Ok(Followed::Already);
    }
    let report = inbox
        .refresh(settings, &added.follows)
        .await
        .map_err(|e| user_error(&e))?;
    let label = follow.to_string();
    let own = |retryable: bool| {
        report
            .failures
            .iter()
            .find(|(source, e)| *source == label && e.is_retryable() == retryable)
    };
    if let Some((_, e)) = own(false) {
        // Not followed: drop what the read kept of it.
        let _ = inbox.forget(follow);
        return Err(user_error(e));
    }
    added
        .save(&settings.config_dir)
        .map_err(|e| user_error(&e))?;
    *follows = added;
    Ok(if own(true).is_some() {
        Followed::NotReadYet
    } else {
        Followed::Now
    })
}

/// Stops following `follow` and drops its entries from the inbox at once.
pub fn unfollow(
    inbox: &publish::Inbox,
    settings: &Settings,
    follows: &mut FollowList,
    follow: &Follow,
) -> Result<(), UserError> {
    let mut left = follows.clone();
    left.remove(follow)
        .map_err(|e| UserError::new(exit::USAGE, e.to_string()))?;
    left.save(&settings.config_dir)
        .map_err(|e| user_error(&e))?;
    *follows = left;
    inbox.forget(follow).map_err(|e| user_error(&e))?;
    Ok(())
}

pub fn run_follow(args: FollowArgs) -> anyhow::Result<()> {
    let wanted = parse_follow(&args.reference)?;
    let (file, settings, mut follows) = load()?;
    let inbox = inbox::open(&file)?;
    let rt = runtime()?;
    let followed = rt.block_on(follow(&inbox, &settings, &mut follows, &wanted))?;
    println!("{}", followed.words(&wanted));
    Ok(())
}

pub fn run_unfollow(args: FollowArgs) -> anyhow::Result<()> {
    let wanted = parse_follow(&args.reference)?;
    let (file, settings, mut follows) = load()?;
    unfollow(&inbox::open(&file)?, &settings, &mut follows, &wanted)?;
    println!("No longer following {wanted}.");
    Ok(())
}

pub fn run_watch(args: WatchArgs) -> anyhow::Result<()> {
    let (file, settings, _) = load()?;
    let inbox = inbox::open(&file)?;
    let entry = inbox
        .entry(&args.id)
        .map_err(|e| UserError::new(exit::USAGE, e.to_string()))?;
    let rt = runtime()?;
    let path = rt
        .block_on(inbox.download(&settings, &entry.id))
        .map_err(|e| user_error(&e))?;
    println!("{}", path.display());
    inbox::look_at(&inbox, &entry.id, &path)?;
    if args.print_path {
        return Ok(());
    }
    // The player window: resume where the viewer left off, remember where they stop, mark
    // the clip watched at 90%.
    let id = entry.id.clone();
    let state = inbox;
    let request = crate::ui::watch::WatchRequest {
        clip: path,
        title: entry.title.clone(),
        summary: entry.summary.clone(),
        resume_secs: args.at.unwrap_or(entry.position_secs),
        on_progress: Box::new(move |w| {
            let saved = match w {
                crate::ui::watch::Watching::Position(secs) => state.set_position(&id, secs),
                crate::ui::watch::Watching::Watched => state.set_watched(&id, true),
            };
            if let Err(e) = saved {
                tracing::warn!(error = %e, "could not save the watch state");
            }
        }),
    };
    crate::ui::watch::run(request)
}

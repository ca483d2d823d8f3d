//! What posting a clip whole to team storage shares between `clipnote post --full-quality` and
//! Review's "Keep full quality": the post to the bucket and the link a task's post carries
//! instead of the clip. (Its poster frame is made by the outbox: `playable::outbox`.)

use std::path::Path;

use publish::{ExternalClip, NewPost, Service, TaskRef};

use crate::cli::UserError;
use crate::exit;

/// The post that keeps `clip` whole in `team`.
pub(crate) fn post(
    team: TaskRef,
    clip: &Path,
    title: &str,
    summary: &str,
    author: String,
) -> NewPost {
    NewPost {
        to: team,
        clip: clip.to_path_buf(),
        title: title.to_owned(),
        summary: summary.to_owned(),
        author,
        duration_secs: publish::mp4::duration_secs(clip),
        reply_to: None,
        transcript: None,
    }
}

/// The link to a clip `stored` in team storage, for a post to `service` to carry: refused for
/// Notion when it is not https (Notion embeds only those).
pub(crate) fn link_of(stored: &publish::Job, service: Service) -> Result<ExternalClip, UserError> {
    let Some(url) = stored.attach.as_ref().and_then(|a| a.url.clone()) else {
        return Err(UserError::new(
            exit::DESTINATION,
            "team storage kept the clip but gave no link to it; nothing was posted to the task",
        ));
    };
    if service == Service::Notion && !url.starts_with("https://") {
        return Err(UserError::new(
            exit::DESTINATION,
            format!(
                "Notion embeds only https links, and team storage's link is not one ({}…). The clip is kept in team storage; give its bucket an https `public_base_url` under [s3.buckets.NAME] or use an https endpoint, then post again",
                url.split('?').next().unwrap_or_default()
            ),
        ));
    }
    Ok(ExternalClip {
        url,
        expires_unix: stored.attach.as_ref().and_then(|a| a.expires_unix),
    })
}

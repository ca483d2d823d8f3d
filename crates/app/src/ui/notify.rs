//! Desktop notifications: "Posted" with the task's link when a post lands, sent through the
//! desktop's notification service (freedesktop D-Bus, macOS, Windows) by `notify-rust`, from a
//! short-lived named thread, so the UI never waits on the bus. No notification service (a bare
//! X server, a test world) only costs the notification: it is logged, nothing else.

/// The notification's words for a landed post: its summary line and body.
pub fn posted_text(title: &str, task_url: &str) -> (String, String) {
    let summary = if title.trim().is_empty() {
        "Clip posted".to_owned()
    } else {
        format!("Posted: {}", title.trim())
    };
    (
        summary,
        format!("{task_url}\nThe link is on your clipboard."),
    )
}

/// Shows "Posted" for a clip that landed at `task_url`.
pub fn posted(title: &str, task_url: &str) {
    let (summary, body) = posted_text(title, task_url);
    let spawned = std::thread::Builder::new()
        .name("ui-notify".into())
        .spawn(move || {
            let shown = notify_rust::Notification::new()
                .appname("Clipnote")
                .summary(&summary)
                .body(&body)
                .timeout(notify_rust::Timeout::Milliseconds(8000))
                .show();
            if let Err(e) = shown {
                tracing::debug!("no desktop notification: {e}");
            }
        });
    if let Err(e) = spawned {
        tracing::debug!("no desktop notification: {e}");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_words_name_the_clip_and_the_link() {
        let (summary, body) = super::posted_text(" Login bug ", "https://app.clickup.com/t/86b");
        assert_eq!(summary, "Posted: Login bug");
        assert!(
            body.starts_with("https://app.clickup.com/t/86b\n"),
            "{body}"
        );
        assert_eq!(super::posted_text("", "x").0, "Clip posted");
    }
}

//! A team-storage prefix followed into the inbox. Posts lay their files out by date
//! (`<prefix>/<YYYY-MM-DD>/<job id>-<slug>.json`), so each day is a unit whose marker is its
//! sidecar count and last key. A refresh lists only from the newest day it has seen, and the
//! day before (`start-after`), keeps every older day as it was, and reads only the sidecars it has not
//! read before — a second refresh of 10,000 clips is one short listing. A post is dated the day
//! it is sent (the outbox), so one queued offline days ago still lands on a day listed again;
//! the day before covers a post whose upload went on past midnight. Entries hold the
//! clip's key; a download signs a fresh link each time (an expired one is never kept).

use std::collections::{BTreeMap, HashMap};

use super::{Entry, Handle, Refresh, Unit, entry_id, parse_date};
use crate::error::{Result, Service};
use crate::s3::S3;
use crate::settings::Settings;
use crate::taskref::TaskRef;

/// Reads `s3://bucket/prefix` into `r`.
pub(crate) async fn read_prefix(
    settings: &Settings,
    bucket: &str,
    prefix: &str,
    r: &mut Refresh<'_>,
) -> Result<()> {
    let store = settings.s3(bucket, prefix)?;
    let follow = TaskRef::S3 {
        bucket: bucket.into(),
        prefix: prefix.into(),
    }
    .to_string();
    let unit_key = |day: &str| format!("{follow}/{day}");
    // The days read before, and the newest of them: listing starts there.
    let known: BTreeMap<String, Unit> = r
        .old
        .units
        .iter()
        .filter_map(|(k, u)| {
            let day = k.strip_prefix(&format!("{follow}/"))?;
            (!day.contains('/')).then(|| (day.to_string(), u.clone()))
        })
        .collect();
    let newest = known.keys().next_back().cloned();
    let base = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    };
    // From the day before the newest, to the end: listing starts past the last name the day
    // before that can hold ('~' sorts after every job id, which is hex), so that stores which
    // compare whole keys (S3) and those which compare folder by folder (SeaweedFS skips a folder
    // named by `start-after` whole) start at the same day.
    let after = newest.as_ref().map(
        |day| match day_before(day).as_deref().and_then(day_before) {
            Some(two_before) => format!("{base}{two_before}/~"),
            None => format!("{base}{day}"),
        },
    );
    let keys = store.sidecar_keys(after.as_deref()).await?;
    let mut days: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for key in keys {
        let rest = key.strip_prefix(&base).unwrap_or(&key);
        if let Some((day, _)) = rest.split_once('/') {
            days.entry(day.to_string()).or_default().push(key);
        }
    }
    for (day, unit) in &known {
        if !days.contains_key(day) {
            match &unit.marker {
                Some(marker) => {
                    r.unchanged(&unit_key(day), marker);
                }
                None => r.keep_old(&unit_key(day)),
            }
        }
    }
    for (day, keys) in days {
        let marker = format!(
            "{} {}",
            keys.len(),
            keys.last().cloned().unwrap_or_default()
        );
        if r.unchanged(&unit_key(&day), &marker) {
            continue;
        }
        // Entries already read keep; only new sidecars are fetched.
        let mut have: HashMap<String, Entry> = known
            .get(&day)
            .map(|u| {
                u.entries
                    .iter()
                    .filter_map(|e| match &e.handle {
                        Handle::S3Object { key, .. } => Some((key.clone(), e.clone())),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let new_keys: Vec<String> = keys
            .iter()
            .filter(|k| !have.contains_key(&S3::clip_key(k)))
            .cloned()
            .collect();
        tracing::debug!(%day, listed = keys.len(), new = new_keys.len(), "team storage day");
        for (key, side) in store.read_sidecars(new_keys).await? {
            let clip = S3::clip_key(&key);
            let date_unix = job_time(&side.job_id)
                .or_else(|| parse_date(&side.date))
                .unwrap_or(0);
            let entry = Entry {
                id: entry_id(Service::S3, &format!("{bucket}/{clip}")),
                title: side.title,
                author: side.author,
                task_id: follow.clone(),
                task_name: format!("Team storage {follow}"),
                task_url: follow.clone(),
                date: super::format_date(date_unix),
                date_unix,
                duration_secs: side.duration_secs,
                summary: side.summary,
                source: Service::S3,
                by_clipnote: true,
                file_name: Some(side.clip),
                handle: Handle::S3Object {
                    bucket: bucket.into(),
                    key: clip.clone(),
                },
                watched: false,
                position_secs: 0.0,
            };
            have.insert(clip, entry);
        }
        let mut entries: Vec<Entry> = have.into_values().collect();
        entries.sort_by(|a, b| b.date_unix.cmp(&a.date_unix).then_with(|| a.id.cmp(&b.id)));
        r.store(
            unit_key(&day),
            Unit {
                marker: Some(marker),
                entries,
                group: String::new(),
            },
        );
    }
    Ok(())
}

/// A fresh presigned link to an entry's clip.
pub(crate) async fn fresh_url(settings: &Settings, bucket: &str, key: &str) -> Result<String> {
    Ok(settings.s3(bucket, "")?.link_to(key).await?.url)
}

/// The day before `day` (`YYYY-MM-DD`), if it is a date.
fn day_before(day: &str) -> Option<String> {
    let unix = parse_date(day)?.checked_sub(86_400)?;
    let d = time::OffsetDateTime::from_unix_timestamp(unix).ok()?.date();
    Some(format!(
        "{:04}-{:02}-{:02}",
        d.year(),
        u8::from(d.month()),
        d.day()
    ))
}

/// When a job was queued: its id starts with the milliseconds since the epoch, 10 hex digits
/// (`Outbox::new_id`).
fn job_time(job_id: &str) -> Option<i64> {
    let ms = i64::from_str_radix(job_id.get(..10)?, 16).ok()?;
    Some(ms / 1000)
}

#[cfg(test)]
mod tests {
    use super::day_before;

    #[test]
    fn the_day_before_crosses_months_and_years_and_leaves_other_names_alone() {
        assert_eq!(day_before("2026-10-11").as_deref(), Some("2026-10-10"));
        assert_eq!(day_before("2026-03-01").as_deref(), Some("2026-02-28"));
        assert_eq!(day_before("2027-01-01").as_deref(), Some("2026-12-31"));
        assert_eq!(day_before("archive"), None);
    }
}

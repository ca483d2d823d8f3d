//! Following a team-storage prefix that holds 10,000 clips, seeded straight through the S3 API
//! (not through Clipnote): the inbox lists the newest first, and a second refresh reads only
//! the sidecars that are new (counted at a proxy in front of the server).

use object_store::path::Path as Key;
use object_store::{ObjectStoreExt, PutPayload};
use testkit::proxy::Proxy;
use testkit::s3::Weed;

use crate::post::text;
use crate::s3::{bucket, keys, rt};

/// Milliseconds of the first seeded clip; each next one a minute later.
const T0_MS: u64 = 1_790_000_000_000;

/// The sidecar of seeded clip `n`, filed under `day`.
fn sidecar(n: u64, day: &str) -> (Key, PutPayload) {
    let ms = T0_MS + n * 60_000;
    let job = format!("{ms:010x}{:04x}", n & 0xffff);
    let side = serde_json::json!({
        "clip": format!("{job}-clip-{n}.mp4"),
        "title": format!("Clip {n}"),
        "summary": format!("What changed in clip {n}"),
        "author": format!("Author {}", n % 7),
        "date": day,
        "duration_secs": 12.5,
        "job_id": job,
    });
    let key = Key::from(format!("team/{day}/{job}-clip-{n}.json"));
    (key, PutPayload::from(side.to_string().into_bytes()))
}

/// Clips filed under each day.
const PER_DAY: u64 = 500;

/// The day clip `n` is filed under.
fn day_of(n: u64) -> String {
    format!("2026-10-{:02}", 1 + n / PER_DAY)
}

/// Puts the sidecars of clips `range` under `team/`, [`PER_DAY`] clips a day, 32 at a time.
fn seed(store: &object_store::aws::AmazonS3, range: std::ops::Range<u64>) {
    seed_on(store, range, day_of);
}

/// Puts the sidecars of clips `range` under `team/`, each on the day `day` gives it.
fn seed_on(
    store: &object_store::aws::AmazonS3,
    range: std::ops::Range<u64>,
    day: fn(u64) -> String,
) {
    use futures_util::StreamExt;
    rt().block_on(async {
        futures_util::stream::iter(range)
            .map(|n| async move {
                let (key, body) = sidecar(n, &day(n));
                store.put(&key, body).await.unwrap();
            })
            .buffer_unordered(32)
            .collect::<Vec<()>>()
            .await;
    });
}

fn sidecar_reads(proxy: &Proxy) -> usize {
    proxy
        .seen()
        .iter()
        .filter(|s| {
            s.method == "GET"
                && s.target
                    .split('?')
                    .next()
                    .is_some_and(|p| p.ends_with(".json"))
        })
        .count()
}

fn listings(proxy: &Proxy) -> usize {
    proxy
        .seen()
        .iter()
        .filter(|s| s.method == "GET" && s.target.contains("list-type=2"))
        .count()
}

#[test]
fn following_a_prefix_of_10000_clips_lists_the_newest_first_and_refreshes_only_what_is_new() {
    let weed = Weed::start(&["clips"]);
    let store = bucket(&weed, "clips");
    seed(&store, 0..10_000);
    let (h, proxy) = crate::s3::home_via_proxy(&weed);

    let out = h.run(&["follow", "s3://clips/team"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let first = h.run(&["inbox", "--json"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(entries.len(), 10_000);
    assert_eq!(entries[0]["title"], "Clip 9999", "the newest first");
    assert_eq!(entries[0]["author"], format!("Author {}", 9999 % 7));
    assert_eq!(entries[0]["summary"], "What changed in clip 9999");
    assert_eq!(entries[9_999]["title"], "Clip 0");
    assert_eq!(sidecar_reads(&proxy), 10_000, "each sidecar read once");

    // Two more on the newest day and three on a new day; the second refresh reads just those.
    seed_on(&store, 10_000..10_005, |n| {
        day_of(if n < 10_002 { 9_999 } else { n })
    });
    let (reads, lists) = (sidecar_reads(&proxy), listings(&proxy));
    let second = h.run(&["inbox", "--json"]);
    assert!(second.status.success(), "{}", text(&second.stderr));
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(entries.len(), 10_005);
    assert_eq!(entries[0]["title"], "Clip 10004");
    assert_eq!(
        sidecar_reads(&proxy) - reads,
        5,
        "only the new sidecars are read"
    );
    assert!(
        listings(&proxy) - lists <= 2,
        "the listing starts at the newest day: {} pages",
        listings(&proxy) - lists
    );

    // A post whose upload went on past midnight: its sidecar lands on the day before the
    // newest one read, and the next refresh still finds it.
    let (key, body) = sidecar(20_000, &day_of(9_999));
    rt().block_on(store.put(&key, body)).unwrap();
    let third = h.run(&["inbox", "--json"]);
    assert!(third.status.success(), "{}", text(&third.stderr));
    let late: Vec<serde_json::Value> = serde_json::from_slice(&third.stdout).unwrap();
    assert_eq!(late.len(), 10_006);
    assert!(late.iter().any(|e| e["title"] == "Clip 20000"));

    // A followed clip downloads through a freshly signed link (no keys on the download).
    let id = entries
        .iter()
        .find(|e| e["title"] == "Clip 10004")
        .and_then(|e| e["id"].as_str())
        .unwrap()
        .to_string();
    let _ = rt().block_on(store.put(
        &Key::from(format!(
            "team/{}/{:010x}{:04x}-clip-10004.mp4",
            day_of(10_004),
            T0_MS + 10_004 * 60_000,
            10_004u64 & 0xffff
        )),
        PutPayload::from(std::fs::read(h.clip()).unwrap()),
    ));
    let watch = h.run(&["watch", &id, "--print-path"]);
    assert!(watch.status.success(), "{}", text(&watch.stderr));
    let path = text(&watch.stdout).trim().to_string();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(h.dir.path().join("standup.mp4")).unwrap()
    );
}

/// The day `days` days back (UTC) as `YYYY-MM-DD`, as `date` says.
fn day_back(days: u32) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("{days} days ago"), "+%Y-%m-%d"])
        .output()
        .unwrap();
    text(&out.stdout).trim().to_string()
}

/// A server with the bucket `clips`, and an author who posted their clip, titled "From the
/// train", to `s3://clips/team` three days ago (libfaketime) while offline: the job waits in
/// the outbox, and nothing reached the bucket.
fn queued_three_days_ago() -> (Weed, object_store::aws::AmazonS3, crate::post::Home, String) {
    let weed = Weed::start(&["clips"]);
    let store = bucket(&weed, "clips");
    let author = crate::s3::home(&weed);
    author.config("[outbox]\nretry_for_secs = 1\n");
    let clip = author.clip().to_str().unwrap().to_string();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut offline = author.cmd(&[
        "post",
        &clip,
        "--to",
        "s3://clips/team",
        "--title",
        "From the train",
    ]);
    offline.env(
        "AWS_ENDPOINT_URL",
        format!("http://{}", closed.local_addr().unwrap()),
    );
    drop(closed);
    let out = crate::s3::with_faketime(&offline, "-3d")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("faketime runs");
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    assert!(keys(&store).is_empty());
    (weed, store, author, clip)
}

#[test]
fn a_post_queued_offline_days_ago_reaches_a_teammate_who_already_read_today() {
    let (weed, store, author, clip) = queued_three_days_ago();
    let clip = clip.as_str();

    // Today a second post goes up, and a teammate following the prefix reads it.
    let out = author.run(&[
        "post",
        clip,
        "--to",
        "s3://clips/team",
        "--title",
        "At the desk",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mate = crate::s3::home(&weed);
    assert!(mate.run(&["follow", "s3://clips/team"]).status.success());
    let titles = |h: &crate::post::Home| -> Vec<String> {
        let out = h.run(&["inbox", "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let entries: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        entries
            .iter()
            .map(|e| e["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(titles(&mate), ["At the desk"]);

    // Back online, the queued post is sent: dated the day it went up, so the teammate's next
    // refresh (which reads on from the newest day it saw) finds it.
    let out = author.run(&["outbox", "run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let today = day_back(0);
    let sidecars: Vec<String> = keys(&store)
        .into_iter()
        .filter(|k| k.ends_with(".json"))
        .collect();
    assert_eq!(sidecars.len(), 2, "{sidecars:?}");
    assert!(
        sidecars
            .iter()
            .all(|k| k.starts_with(&format!("team/{today}/"))),
        "both filed under today, {today}: {sidecars:?}"
    );
    let mut seen = titles(&mate);
    seen.sort();
    assert_eq!(seen, ["At the desk", "From the train"]);
}

#[test]
fn a_post_whose_cut_off_upload_left_its_clip_keeps_the_day_it_was_queued() {
    let (_weed, store, author, clip) = queued_three_days_ago();
    let queued = day_back(3);
    // The attempt was cut off after its clip reached the bucket, before the answer came back.
    let list = author.run(&["outbox", "list", "--json"]);
    let jobs: Vec<serde_json::Value> = serde_json::from_slice(&list.stdout).unwrap();
    let id = jobs[0]["id"].as_str().unwrap().to_string();
    let left = format!("team/{queued}/{id}-from-the-train.mp4");
    rt().block_on(store.put(
        &Key::from(left.as_str()),
        PutPayload::from(std::fs::read(clip).unwrap()),
    ))
    .unwrap();

    let out = author.run(&["outbox", "run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let all = keys(&store);
    assert!(
        all.iter()
            .all(|k| k.starts_with(&format!("team/{queued}/"))),
        "the post keeps the day its clip is filed under, {queued}, with no second copy: {all:?}"
    );
    assert!(all.iter().any(|k| k.ends_with(".json")), "{all:?}");
    assert_eq!(
        all.iter().filter(|k| k.ends_with(".mp4")).count(),
        1,
        "{all:?}"
    );
}

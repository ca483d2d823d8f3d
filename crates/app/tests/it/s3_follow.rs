//! Following a team-storage prefix that holds 10,000 clips, seeded straight through the S3 API
//! (not through Clipnote): the inbox lists the newest first, and a second refresh reads only
//! the sidecars that are new (counted at a proxy in front of the server).

use object_store::path::Path as Key;
use object_store::{ObjectStoreExt, PutPayload};
use testkit::proxy::Proxy;
use testkit::s3::Weed;

use crate::post::text;
use crate::s3::{bucket, rt};

/// Milliseconds of the first seeded clip; each next one a minute later.
const T0_MS: u64 = 1_790_000_000_000;

/// Puts the sidecars of clips `range` under `team/`, a thousand clips a day, 32 at a time.
fn seed(store: &object_store::aws::AmazonS3, range: std::ops::Range<u64>) {
    use futures_util::StreamExt;
    rt().block_on(async {
        futures_util::stream::iter(range)
            .map(|n| async move {
                let ms = T0_MS + n * 60_000;
                let job = format!("{ms:010x}{:04x}", n & 0xffff);
                let day = format!("2026-10-{:02}", 1 + n / 1000);
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
                store
                    .put(&key, PutPayload::from(side.to_string().into_bytes()))
                    .await
                    .unwrap();
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

    // Three more on the newest day and two on a new day; the second refresh reads just those.
    seed(&store, 10_000..10_005);
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

    // A followed clip downloads through a freshly signed link (no keys on the download).
    let id = entries
        .iter()
        .find(|e| e["title"] == "Clip 10004")
        .and_then(|e| e["id"].as_str())
        .unwrap()
        .to_string();
    let _ = rt().block_on(store.put(
        &Key::from(format!(
            "team/2026-10-11/{:010x}{:04x}-clip-10004.mp4",
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

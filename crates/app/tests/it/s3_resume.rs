//! A large clip to team storage through a crash of the server: the multipart upload's parts are
//! saved in the job as they finish, and `clipnote outbox run` sends only what is missing.

use std::process::Stdio;

use testkit::proxy::Proxy;
use testkit::s3::Weed;

use crate::post::text;
use crate::s3::{bucket, get, home, keys};

/// The job files in the outbox, parsed.
fn jobs(outbox: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_dir(outbox)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.ends_with(".json") && !name.starts_with('.')
        })
        .filter_map(|e| serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok())
        .collect()
}

#[test]
fn a_multipart_upload_cut_by_kill_9_of_the_server_resumes_with_at_most_one_part_sent_again() {
    let mut weed = Weed::start(&["clips"]);
    let upstream = weed
        .endpoint()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let proxy = Proxy::start(upstream);
    let mut h = home(&weed);
    h.set("AWS_ENDPOINT_URL", &proxy.endpoint());
    h.config("[outbox]\nretry_for_secs = 1\n");

    // ~75 MiB: five 16 MiB parts, the last one shorter.
    let clip = h.dir.path().join("long.mp4");
    testkit::clip::Synth::large().make(&clip);
    let size = std::fs::metadata(&clip).unwrap().len();
    assert!(size >= 60 * 1024 * 1024, "the clip is {size} bytes");
    let part = 16 * 1024 * 1024u64;
    let parts = size.div_ceil(part) as usize;

    // Two parts go through; the third waits at the proxy while the server is killed.
    proxy.hold_parts_after(2);
    let poster = h
        .cmd(&["post", clip.to_str().unwrap(), "--to", "s3://clips/long"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    proxy.wait_held();
    let outbox = h.dir.path().join("outbox");
    let saved = jobs(&outbox);
    assert_eq!(saved.len(), 1);
    assert_eq!(
        saved[0]["parts"]["etags"].as_array().map(Vec::len),
        Some(2),
        "both finished parts are in the job file before the third starts: {}",
        saved[0]
    );
    weed.kill9();
    proxy.release();
    let first = poster.wait_with_output().unwrap();
    assert_eq!(
        first.status.code(),
        Some(7),
        "the post waits in the outbox: {}",
        text(&first.stderr)
    );
    assert!(text(&first.stderr).contains("the post stays queued"));

    weed.restart();
    let run = h.run(&["outbox", "run"]);
    assert!(run.status.success(), "{}", text(&run.stderr));

    let store = bucket(&weed, "clips");
    let clips: Vec<String> = keys(&store)
        .into_iter()
        .filter(|k| k.ends_with(".mp4"))
        .collect();
    assert_eq!(clips.len(), 1, "one object: {clips:?}");
    assert!(
        get(&store, &clips[0]) == std::fs::read(&clip).unwrap(),
        "the object's bytes are the clip's"
    );
    let sent: Vec<u32> = proxy
        .seen()
        .iter()
        .filter_map(|s| s.part_number())
        .collect();
    let mut distinct = sent.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        parts,
        "every part reached the server: {sent:?}"
    );
    assert!(
        sent.len() <= parts + 1,
        "at most one part sent again: {sent:?} for {parts} parts"
    );
    assert!(
        jobs(&outbox)[0]["parts"].is_null(),
        "the finished job keeps no upload state"
    );
}

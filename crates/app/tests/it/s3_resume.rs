//! A large clip to team storage through a crash of the server: the multipart upload's parts are
//! saved in the job as they finish, and `clipnote outbox run` sends only what is missing; a
//! cancelled one leaves no parts behind.

use std::process::Stdio;

use testkit::s3::Weed;

use crate::post::text;
use crate::s3::{bucket, get, keys, rt};

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
    let (h, proxy) = crate::s3::home_via_proxy(&weed);
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

#[test]
fn cancelling_a_post_cut_off_mid_upload_removes_its_parts_from_the_bucket() {
    use object_store::PutPayload;
    use object_store::multipart::MultipartStore;
    use object_store::path::Path as Key;

    let weed = Weed::start(&["clips"]);
    let (h, proxy) = crate::s3::home_via_proxy(&weed);
    let clip = h.dir.path().join("long.mp4");
    testkit::clip::Synth::large().make(&clip);

    // Two parts go through; the app dies while the third waits at the proxy.
    proxy.hold_parts_after(2);
    let mut poster = h
        .cmd(&["post", clip.to_str().unwrap(), "--to", "s3://clips/long"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    proxy.wait_held();
    poster.kill().unwrap();
    poster.wait().unwrap();
    proxy.release();

    let outbox = h.dir.path().join("outbox");
    let job = jobs(&outbox).remove(0);
    let (id, key, upload) = (
        job["id"].as_str().unwrap().to_string(),
        job["parts"]["key"].as_str().unwrap().to_string(),
        job["parts"]["upload_id"].as_str().unwrap().to_string(),
    );
    let store = bucket(&weed, "clips");
    let add_part = || {
        let payload = PutPayload::from(vec![0u8; 1024]);
        rt().block_on(store.put_part(&Key::from(key.as_str()), &upload, 9, payload))
    };
    assert!(
        add_part().is_ok(),
        "the upload is open on the server before the cancel"
    );

    let cancel = h.run(&["outbox", "cancel", &id]);
    assert!(cancel.status.success(), "{}", text(&cancel.stderr));
    assert!(
        text(&cancel.stdout).contains(&format!("Cancelled job {id}")),
        "{}",
        text(&cancel.stdout)
    );
    let gone = add_part().expect_err("the upload was aborted on the server");
    assert!(format!("{gone:?}").contains("NoSuchUpload"), "{gone:?}");
    let job = jobs(&outbox).remove(0);
    assert_eq!(job["status"], "cancelled");
    assert!(
        job["parts"].is_null(),
        "the job keeps no upload state: {job}"
    );
    assert!(
        keys(&store).iter().all(|k| !k.ends_with(".mp4")),
        "no clip object: {:?}",
        keys(&store)
    );
}

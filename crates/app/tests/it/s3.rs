//! Team storage as a user meets it: `clipnote post --to s3://…`, `login s3`, `outbox run` against
//! a real S3 server (SeaweedFS `weed mini` on loopback), over real HTTP. What landed is read back
//! with `object_store` as any S3 client would (not through Clipnote), and links are fetched
//! with a plain HTTP client.

use std::path::Path;
use std::process::{Output, Stdio};

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};
use testkit::s3::{self, Weed};

use crate::post::{Home, files, text};

const BUCKET: &str = "clips";

/// A plain S3 client for `bucket`, to read back what landed and to seed.
pub(crate) fn bucket(weed: &Weed, bucket: &str) -> AmazonS3 {
    // rustls needs a process-wide crypto provider: ring, as in the app.
    let _ = rustls::crypto::ring::default_provider().install_default();
    AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(s3::REGION)
        .with_endpoint(weed.endpoint())
        .with_access_key_id(s3::ACCESS_KEY)
        .with_secret_access_key(s3::SECRET_KEY)
        .with_allow_http(true)
        .build()
        .unwrap()
}

pub(crate) fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Every key in the bucket, sorted.
pub(crate) fn keys(store: &AmazonS3) -> Vec<String> {
    use futures_util::StreamExt;
    rt().block_on(async {
        let mut out: Vec<String> = store
            .list(None)
            .map(|m| m.unwrap().location.to_string())
            .collect()
            .await;
        out.sort();
        out
    })
}

pub(crate) fn get(store: &AmazonS3, key: &str) -> Vec<u8> {
    rt().block_on(async {
        store
            .get(&Key::from(key))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    })
}

/// A home pointed at `weed` with the all-rights keys in the AWS variables, its inbox, clip
/// cache and log in the home too (the log at trace level, so the secret scan reads it).
pub(crate) fn home(weed: &Weed) -> Home {
    let mut h = Home::new();
    for (k, v) in weed.env() {
        h.set(k, &v);
    }
    for (var, dir) in [
        ("CLIPNOTE_LOG_DIR", "logs"),
        ("CLIPNOTE_INBOX_DIR", "inbox"),
        ("CLIPNOTE_CACHE_DIR", "cache"),
    ] {
        let path = h.dir.path().join(dir).display().to_string();
        h.set(var, &path);
    }
    h
}

/// A home whose S3 requests go through a counting, holding proxy in front of `weed`.
pub(crate) fn home_via_proxy(weed: &Weed) -> (Home, testkit::proxy::Proxy) {
    let upstream = weed
        .endpoint()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let proxy = testkit::proxy::Proxy::start(upstream);
    let mut h = home(weed);
    h.set("AWS_ENDPOINT_URL", &proxy.endpoint());
    (h, proxy)
}

/// Fails if the secret key appears in any file under the home (job files, logs; not the 0600
/// file `login s3` keeps the keys in when there is no keyring) or in `outs`.
fn assert_no_secret(h: &Home, outs: &[&Output]) {
    let keys_file = h.dir.path().join("config").join("tokens");
    for secret in [s3::SECRET_KEY, s3::READER_SECRET_KEY] {
        for o in outs {
            assert!(!text(&o.stdout).contains(secret), "secret on stdout");
            assert!(!text(&o.stderr).contains(secret), "secret on stderr");
        }
        for (path, bytes) in files(h.dir.path()) {
            if path.starts_with(&keys_file) {
                continue;
            }
            assert!(
                !String::from_utf8_lossy(&bytes).contains(secret),
                "secret in {}",
                path.display()
            );
        }
    }
}

#[test]
fn post_to_a_bucket_uploads_clip_poster_and_sidecar_and_prints_a_link_that_serves_the_clip() {
    let weed = Weed::start(&[BUCKET]);
    let h = home(&weed);
    let clip = h.clip();
    let out = h.run(&[
        "post",
        clip.to_str().unwrap(),
        "--to",
        "s3://clips/team/updates",
        "--title",
        "Login bug: root cause",
        "--summary",
        "- token refresh raced the logout",
        "--link-expires",
        "2h",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let link = text(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        text(&out.stderr).contains("The link works until") && text(&out.stderr).contains("2 hours"),
        "the expiry is said: {}",
        text(&out.stderr)
    );

    let store = bucket(&weed, BUCKET);
    let listed = keys(&store);
    let clip_key = listed
        .iter()
        .find(|k| k.ends_with(".mp4"))
        .expect("the clip is in the bucket");
    assert!(clip_key.starts_with("team/updates/"), "{clip_key}");
    let stem = clip_key.trim_end_matches(".mp4");
    assert!(listed.contains(&format!("{stem}.json")), "{listed:?}");
    assert!(listed.contains(&format!("{stem}.poster.png")), "{listed:?}");
    let file = std::fs::read(&clip).unwrap();
    assert_eq!(
        get(&store, clip_key),
        file,
        "the object's bytes are the clip's"
    );
    let poster = get(&store, &format!("{stem}.poster.png"));
    assert!(poster.starts_with(b"\x89PNG"), "the poster is a PNG");
    // Made in the outbox while the clip went up, and not left there once the post is done.
    let outbox = std::fs::read_dir(h.dir.path().join("outbox")).unwrap();
    let left: Vec<_> = outbox
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    let sidecar: serde_json::Value =
        serde_json::from_slice(&get(&store, &format!("{stem}.json"))).unwrap();
    assert_eq!(sidecar["title"], "Login bug: root cause");
    assert_eq!(sidecar["summary"], "- token refresh raced the logout");
    assert!(sidecar["date"].as_str().is_some_and(|d| d.len() == 10));
    assert!(sidecar["duration_secs"].as_f64().is_some_and(|d| d > 1.5));

    // The printed link, fetched by a client with no keys: the clip; a range of it: 206.
    assert!(
        link.contains("X-Amz-Signature="),
        "a presigned link: {link}"
    );
    let (status, body) = s3::http_get(&link, None);
    assert_eq!(status, 200);
    assert_eq!(body, file, "the link serves the clip's bytes");
    let (status, body) = s3::http_get(&link, Some("bytes=100-1099"));
    assert_eq!(status, 206, "a ranged request gets Partial Content");
    assert_eq!(body, file[100..1100]);
    // One character of the signature changed: refused.
    let sig_at = link.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
    let mut tampered = link.clone().into_bytes();
    tampered[sig_at] = if tampered[sig_at] == b'0' { b'1' } else { b'0' };
    let (status, _) = s3::http_get(&String::from_utf8(tampered).unwrap(), None);
    assert_eq!(status, 403, "a tampered link is refused");

    assert_no_secret(&h, &[&out]);
}

#[test]
fn a_bucket_with_a_public_base_url_gets_a_permanent_link_and_login_s3_keys_are_used() {
    let weed = Weed::start(&[BUCKET]);
    let mut h = home(&weed);
    // The keys come from `clipnote login s3` (the fallback file: no keyring here), not the env.
    for k in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
    ] {
        h.unset(k);
    }
    let mut login = h
        .cmd(&["login", "s3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = login.stdin.take().unwrap();
        writeln!(
            stdin,
            "{}\n{}\n{}\n{}",
            s3::ACCESS_KEY,
            s3::SECRET_KEY,
            weed.endpoint(),
            s3::REGION
        )
        .unwrap();
    }
    let login = login.wait_with_output().unwrap();
    assert!(login.status.success(), "{}", text(&login.stderr));
    h.config("[s3.buckets.clips]\npublic_base_url = \"https://cdn.example.com/clips\"\n");
    let clip = h.clip();
    let out = h.run(&["post", clip.to_str().unwrap(), "--to", "s3://clips/pub"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let link = text(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        link.starts_with("https://cdn.example.com/clips/pub/") && link.ends_with(".mp4"),
        "{link}"
    );
    assert!(!link.contains("X-Amz-"), "permanent: not signed");
    assert!(!text(&out.stderr).contains("The link works until"));
    let key = link.trim_start_matches("https://cdn.example.com/clips/");
    assert_eq!(
        get(&bucket(&weed, BUCKET), key),
        std::fs::read(&clip).unwrap()
    );
    assert_no_secret(&h, &[&out, &login]);
}

/// Runs `post` of `clip` to `to` in `h` and returns its output.
fn post(h: &Home, clip: &Path, to: &str) -> Output {
    h.run(&["post", clip.to_str().unwrap(), "--to", to])
}

/// `cmd` run under libfaketime with the clock moved by `offset` (e.g. `+2h`, `-3d`).
pub(crate) fn with_faketime(cmd: &std::process::Command, offset: &str) -> std::process::Command {
    let mut faked = std::process::Command::new("faketime");
    faked
        .args(["-f", offset])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => faked.env(k, v),
            None => faked.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        faked.current_dir(dir);
    }
    faked
}

#[test]
fn every_storage_error_names_its_fix_with_its_exit_code_and_no_secret_leaks() {
    let weed = Weed::start(&[BUCKET]);
    let mut h = home(&weed);
    h.config("[outbox]\nretry_for_secs = 1\n");
    let clip = h.clip();
    let mut outs = Vec::new();

    // A wrong secret: the keys are refused.
    h.set(
        "AWS_SECRET_ACCESS_KEY",
        "not-the-secret-at-all-0000000000000000",
    );
    let out = post(&h, &clip, "s3://clips/x");
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("run `clipnote login s3`")
            && text(&out.stderr).contains("SignatureDoesNotMatch"),
        "{}",
        text(&out.stderr)
    );
    outs.push(out);
    // A wrong access key id.
    h.set("AWS_SECRET_ACCESS_KEY", s3::SECRET_KEY);
    h.set("AWS_ACCESS_KEY_ID", "AKIDNOSUCHKEY0000000");
    let out = post(&h, &clip, "s3://clips/x");
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("run `clipnote login s3`"));
    outs.push(out);
    h.set("AWS_ACCESS_KEY_ID", s3::ACCESS_KEY);

    // No such bucket.
    let out = post(&h, &clip, "s3://no-such-bucket/x");
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("the bucket `no-such-bucket` does not exist"),
        "{}",
        text(&out.stderr)
    );
    outs.push(out);

    // Keys that may read but not write: access denied on the prefix.
    h.set("AWS_ACCESS_KEY_ID", s3::READER_ACCESS_KEY);
    h.set("AWS_SECRET_ACCESS_KEY", s3::READER_SECRET_KEY);
    let out = post(&h, &clip, "s3://clips/readonly");
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("access denied to s3://clips/readonly/"),
        "{}",
        text(&out.stderr)
    );
    outs.push(out);
    h.set("AWS_ACCESS_KEY_ID", s3::ACCESS_KEY);
    h.set("AWS_SECRET_ACCESS_KEY", s3::SECRET_KEY);

    // The machine's clock two hours ahead (libfaketime): the server refuses the time.
    let skewed = h.cmd(&["post", clip.to_str().unwrap(), "--to", "s3://clips/x"]);
    let mut cmd = with_faketime(&skewed, "+2h");
    let out = cmd.stdin(Stdio::null()).output().expect("faketime runs");
    assert_eq!(out.status.code(), Some(8), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("this machine's clock is off"),
        "{}",
        text(&out.stderr)
    );
    outs.push(out);

    // Nothing listening at the endpoint: the job waits in the outbox.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    h.set("AWS_ENDPOINT_URL", &dead);
    let out = post(&h, &clip, "s3://clips/x");
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("could not be reached")
            && text(&out.stderr).contains("the post stays queued"),
        "{}",
        text(&out.stderr)
    );
    let list = h.run(&["outbox", "list"]);
    assert!(
        text(&list.stdout).contains("queued"),
        "{}",
        text(&list.stdout)
    );
    outs.push(out);
    outs.push(list);

    assert!(
        keys(&bucket(&weed, BUCKET)).is_empty(),
        "no failed post left anything in the bucket"
    );
    let refs: Vec<&Output> = outs.iter().collect();
    assert_no_secret(&h, &refs);
    // What was scanned: stderr at trace level (RUST_LOG=trace) and the log file.
    assert!(
        outs.iter().any(|o| text(&o.stderr).contains(" TRACE ")),
        "stderr was written at trace level"
    );
    assert!(
        files(&h.dir.path().join("logs"))
            .iter()
            .any(|(_, b)| String::from_utf8_lossy(b).contains("publish::outbox")),
        "the log file was written"
    );
}

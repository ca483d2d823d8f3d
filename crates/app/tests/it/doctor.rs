//! `clipnote doctor`: the real binary in both test worlds, then with each thing a recording or a
//! post needs broken in turn — no display, no sound server, a silent microphone, a malformed
//! config, a nearly full disk, a token the service refuses — each named with its fix and the
//! exit code scripts see.

use std::process::{Command, Output};

use fakes::NotionFake;
use serde_json::Value;
use testkit::world::{NullSink, screen_lock, wayland_world, world};

use crate::post::{Home, NOTION_TOKEN, PAGE};
use crate::record::SmallDisk;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `doctor --json` with `home`'s folders (and its models folder) in `cmd`'s world.
fn doctor_json(home: &Home, cmd: Command, args: &[&str]) -> (Output, Value) {
    let _screen = screen_lock();
    doctor_json_holding_the_screen(home, cmd, args)
}

/// [`doctor_json`] for a caller that holds the screen lock already.
fn doctor_json_holding_the_screen(home: &Home, mut cmd: Command, args: &[&str]) -> (Output, Value) {
    let o = cmd
        .args(["doctor", "--json"])
        .args(args)
        .env("CLIPNOTE_MODELS_DIR", home.dir.path().join("models"))
        .output()
        .expect("clipnote runs");
    let report: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", text(&o.stdout), text(&o.stderr)));
    (o, report)
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} check in {report:#}"))
}

fn status(report: &Value, id: &str) -> String {
    check(report, id)["status"].as_str().unwrap().to_owned()
}

/// Every row a recording and a post need is "ok", and the exit code is 0.
fn assert_ready(o: &Output, report: &Value) {
    for id in [
        "session",
        "screen",
        "sound",
        "microphone",
        "encoder",
        "config",
        "disk",
        "notion",
        "clickup",
        "outbox",
        "hotkey",
    ] {
        assert_eq!(status(report, id), "ok", "{id}: {report:#}");
    }
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(report["ok"], true);
    // The one thing missing in a fresh home: a speech model, a warning with its fix.
    assert_eq!(status(report, "models"), "warn");
    assert!(
        check(report, "models")["fix"]
            .as_str()
            .unwrap()
            .contains("models install")
    );
}

/// The token is named by where it comes from, never shown.
fn assert_no_token(o: &Output) {
    for out in [&o.stdout, &o.stderr] {
        assert!(
            !text(out).contains(NOTION_TOKEN),
            "the token leaked: {}",
            text(out)
        );
    }
}

#[test]
fn on_x11_everything_a_recording_and_a_post_need_is_checked() {
    let home = Home::new();
    let (o, report) = doctor_json(&home, home.cmd(&[]), &["--mic", &world().mic]);
    assert_ready(&o, &report);
    let session = check(&report, "session")["detail"].as_str().unwrap();
    assert!(
        session.contains("backend x11") && session.contains(&world().display),
        "{session}"
    );
    assert!(status(&report, "screen") == "ok");
    let mic = check(&report, "microphone")["detail"].as_str().unwrap();
    assert!(mic.contains(&world().mic) && mic.contains("dBFS"), "{mic}");
    let notion = check(&report, "notion")["detail"].as_str().unwrap();
    assert!(notion.contains("CLIPNOTE_NOTION_TOKEN"), "{notion}");
    assert_no_token(&o);

    // The same for people: one row a check, and the token still unseen.
    let o = home.run(&["doctor", "--mic", &world().mic]);
    let rows = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{rows}{}", text(&o.stderr));
    assert!(
        rows.contains("ok    microphone") && rows.contains("Recording and posting will work"),
        "{rows}"
    );
    assert_no_token(&o);
}

#[test]
fn on_wayland_the_portal_gives_a_frame_and_pipewire_the_microphone() {
    let w = wayland_world();
    let home = Home::new();
    let mut cmd = w.command(env!("CARGO_BIN_EXE_clipnote"));
    cmd.env("HOME", home.dir.path())
        .env("XDG_STATE_HOME", home.dir.path().join("state"));
    for (k, v) in [
        ("CLIPNOTE_CONFIG_DIR", "config"),
        ("CLIPNOTE_OUTBOX_DIR", "outbox"),
        ("CLIPNOTE_LIBRARY_DIR", "library"),
    ] {
        cmd.env(k, home.dir.path().join(v));
    }
    cmd.env("CLIPNOTE_NO_KEYRING", "1")
        .env("CLIPNOTE_NOTION_TOKEN", NOTION_TOKEN);
    let (o, report) = doctor_json(&home, cmd, &["--mic", &world().mic]);
    assert_ready(&o, &report);
    let session = check(&report, "session")["detail"].as_str().unwrap();
    assert!(
        session.contains("wayland session (sway)") && session.contains("portal"),
        "{session}"
    );
    let hotkey = check(&report, "hotkey")["detail"].as_str().unwrap();
    assert!(hotkey.contains("clipnote toggle"), "{hotkey}");
    assert_no_token(&o);
}

#[test]
fn no_display_is_named_with_its_fix() {
    let home = Home::new();
    let mut cmd = home.cmd(&[]);
    cmd.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    let (o, report) = doctor_json(&home, cmd, &["--mic", &world().mic]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert_eq!(status(&report, "session"), "fail");
    assert_eq!(status(&report, "screen"), "fail");
    assert!(
        check(&report, "session")["fix"]
            .as_str()
            .unwrap()
            .contains("DISPLAY")
    );
    // What does not need a display is still checked.
    assert_eq!(status(&report, "encoder"), "ok");
}

#[test]
fn no_sound_server_is_named_with_its_fix() {
    let home = Home::new();
    let mut cmd = home.cmd(&[]);
    cmd.env("PULSE_SERVER", "unix:/nonexistent/pulse/native");
    let (o, report) = doctor_json(&home, cmd, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert_eq!(report["ok"], false);
    assert_eq!(status(&report, "sound"), "fail");
    let sound = check(&report, "sound");
    assert!(
        sound["detail"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/pulse/native"),
        "{sound}"
    );
    assert!(
        sound["fix"].as_str().unwrap().contains("pactl info"),
        "{sound}"
    );
    assert_eq!(status(&report, "microphone"), "skip");
    assert_eq!(
        status(&report, "screen"),
        "ok",
        "the screen does not need sound"
    );
}

#[test]
fn a_silent_microphone_fails_before_a_recording_is_wasted() {
    let silent = NullSink::load("clipnote_doctor_silent");
    let home = Home::new();
    let (o, report) = doctor_json(&home, home.cmd(&[]), &["--mic", &silent.monitor()]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    let mic = check(&report, "microphone");
    assert_eq!(mic["status"], "fail", "{mic}");
    assert!(
        mic["detail"].as_str().unwrap().contains("no sound from"),
        "{mic}"
    );
    assert!(
        mic["fix"].as_str().unwrap().contains("choose another"),
        "{mic}"
    );

    // A microphone that is not there at all.
    let (o, report) = doctor_json(&home, home.cmd(&[]), &["--mic", "no_such_mic"]);
    assert_eq!(o.status.code(), Some(3));
    let mic = check(&report, "microphone")["detail"].as_str().unwrap();
    assert!(
        mic.contains("no_such_mic") && mic.contains(&world().mic),
        "{mic}"
    );
}

#[test]
fn a_malformed_config_names_its_line() {
    let home = Home::new();
    home.config("author = \"Ada\"\n[clickup]\nteam_idd = \"x\"\n");
    let (o, report) = doctor_json(&home, home.cmd(&[]), &["--mic", "none"]);
    assert_eq!(o.status.code(), Some(8), "{}", text(&o.stderr));
    let config = check(&report, "config");
    assert_eq!(config["status"], "fail");
    let detail = config["detail"].as_str().unwrap();
    assert!(
        detail.contains("line 3") && detail.contains("team_idd"),
        "{detail}"
    );
    assert_eq!(status(&report, "microphone"), "skip");
}

#[test]
fn a_nearly_full_disk_says_how_little_fits() {
    let dir = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(&dir.path().join("small"), "4m");
    let mut home = Home::new();
    home.set("CLIPNOTE_LIBRARY_DIR", disk.0.to_str().unwrap());
    let (o, report) = doctor_json(&home, home.cmd(&[]), &["--mic", "none"]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    let d = check(&report, "disk");
    assert_eq!(d["status"], "fail", "{d}");
    assert!(
        d["detail"]
            .as_str()
            .unwrap()
            .contains("about 1 minute of recording"),
        "{d}"
    );
    assert!(
        d["fix"].as_str().unwrap().contains("Settings → Folders"),
        "{d}"
    );
}

#[test]
fn online_a_refused_token_fails_and_an_accepted_one_names_the_workspace() {
    let fake = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut home = Home::new();
    home.set("CLIPNOTE_NOTION_BASE_URL", &fake.base_url());
    home.unset("CLIPNOTE_CLICKUP_TOKEN");
    let (o, report) = doctor_json(&home, home.cmd(&[]), &["--online", "--mic", "none"]);
    assert_eq!(o.status.code(), Some(0), "{report:#}");
    let notion = check(&report, "notion")["detail"].as_str().unwrap();
    assert!(notion.contains("accepted: workspace"), "{notion}");
    assert_no_token(&o);

    home.set("CLIPNOTE_NOTION_TOKEN", "ntn_wrong_secret_41");
    let (o, report) = doctor_json(&home, home.cmd(&[]), &["--online", "--mic", "none"]);
    assert_eq!(o.status.code(), Some(5), "{report:#}");
    let notion = check(&report, "notion");
    assert_eq!(notion["status"], "fail");
    assert!(
        notion["fix"]
            .as_str()
            .unwrap()
            .contains("clipnote login notion"),
        "{notion}"
    );
    assert!(!text(&o.stdout).contains("ntn_wrong_secret_41"));
}

#[test]
fn a_support_bundle_holds_the_report_and_the_logs_with_secrets_links_and_home_taken_out() {
    let mut home = Home::new();
    let root = home.dir.path().to_str().unwrap().to_owned();
    let logs = home.dir.path().join("state");
    home.set("CLIPNOTE_LOG_DIR", logs.to_str().unwrap());
    home.set("HOME", &root);
    // A real run writes its story to the log: where the clip went (under the home folder).
    let o = {
        let _screen = screen_lock();
        home.run(&[
            "record",
            "--seconds",
            "1",
            "--mic",
            "none",
            "--no-transcript",
        ])
    };
    assert!(o.status.success(), "{}", text(&o.stderr));
    let log = std::fs::read_to_string(logs.join("clipnote.log")).unwrap();
    assert!(
        log.contains("record: saved") && log.contains(&root),
        "{log}"
    );
    // And lines as a presigned link and a token would look, had anything logged them.
    std::fs::write(
        logs.join("clipnote.log"),
        format!(
            "{log}GET https://bucket.example/clip.mp4?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA done\nauth {NOTION_TOKEN} used\n"
        ),
    )
    .unwrap();

    let bundle = home.dir.path().join("support.txt");
    let (o, _) = doctor_json(
        &home,
        home.cmd(&[]),
        &["--mic", "none", "--bundle", bundle.to_str().unwrap()],
    );
    assert!(
        text(&o.stderr).contains("Wrote the support bundle to"),
        "{}",
        text(&o.stderr)
    );
    let said = std::fs::read_to_string(&bundle).unwrap();
    for part in [
        "== clipnote doctor ==",
        "\"id\": \"disk\"",
        "== the most recent log lines",
        "record: saved",
        "clip=~/library/",
        "https://bucket.example/clip.mp4?[redacted] done",
    ] {
        assert!(said.contains(part), "{part:?} is not in:\n{said}");
    }
    for secret in [NOTION_TOKEN, "X-Amz-Signature", "deadbeef", root.as_str()] {
        assert!(!said.contains(secret), "{secret:?} is in:\n{said}");
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&bundle).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_hotkey_taken_by_another_program_is_named_with_the_fix() {
    let home = Home::new();
    let _screen = screen_lock();
    // Another X client holds Ctrl+Alt+R: this test process, through the library the app uses.
    let other = global_hotkey::GlobalHotKeyManager::new().unwrap();
    let key = app::ui::hotkey::parse(app::ui::hotkey::DEFAULT).unwrap();
    other.register(key).unwrap();
    let (o, report) = doctor_json_holding_the_screen(&home, home.cmd(&[]), &["--mic", "none"]);
    let hotkey = check(&report, "hotkey");
    assert_eq!(hotkey["status"], "warn", "{hotkey}");
    assert!(
        hotkey["detail"]
            .as_str()
            .unwrap()
            .contains("Ctrl+Alt+R is taken by another program"),
        "{hotkey}"
    );
    assert!(
        hotkey["fix"]
            .as_str()
            .unwrap()
            .contains("Settings → Global hotkey"),
        "{hotkey}"
    );
    assert_eq!(o.status.code(), Some(0), "a warning blocks nothing");

    // Let go: the X server frees the grab when that connection closes, a moment later.
    drop(other);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (_, report) = doctor_json_holding_the_screen(&home, home.cmd(&[]), &["--mic", "none"]);
        let hotkey = check(&report, "hotkey");
        if hotkey["status"] == "ok" {
            assert!(
                hotkey["detail"].as_str().unwrap().contains("is free"),
                "{hotkey}"
            );
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still taken after the other program let go: {hotkey}"
        );
    }
}

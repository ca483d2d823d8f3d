//! Start at login: Settings' toggle writes and removes the XDG autostart entry (off by default).

use app::ui::Screen;
use egui_kittest::kittest::Queryable;
use fakes::NotionFake;

use crate::ui::{Home, NOTION_TOKEN, harness};

#[test]
fn the_settings_toggle_writes_and_removes_the_autostart_entry() {
    let home = Home::new();
    let notion = NotionFake::start(NOTION_TOKEN, "5e3b1c2d4a6f48e19b7c0d2e3f4a5b6c");
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.screen = Some(Screen::Settings);
    let dir = home.path("autostart");
    options.autostart_dir = Some(dir.clone());
    let entry = dir.join("clipnote.desktop");
    let mut h = harness(options);
    h.run_steps(2);
    assert!(!entry.exists(), "off by default");

    h.get_by_label("Start Clipnote when I log in").click();
    h.run_steps(2);
    let text = std::fs::read_to_string(&entry).expect("the entry is written");
    assert!(text.starts_with("[Desktop Entry]\n"), "{text}");
    let exec = text
        .lines()
        .find_map(|l| l.strip_prefix("Exec="))
        .expect("an Exec line");
    // The test binary is not `clipnote` on PATH: the entry names it by its full path.
    assert!(
        std::path::Path::new(exec.trim_matches('"')).is_absolute(),
        "{exec}"
    );
    assert!(h.query_by_label_contains("starts at login").is_some());
    let o = std::process::Command::new("desktop-file-validate")
        .arg(&entry)
        .output()
        .expect("desktop-file-validate runs (xtask installs desktop-file-utils)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));

    h.get_by_label("Start Clipnote when I log in").click();
    h.run_steps(2);
    assert!(!entry.exists(), "turned off again");
    assert!(
        h.query_by_label_contains("no longer starts at login")
            .is_some()
    );
}

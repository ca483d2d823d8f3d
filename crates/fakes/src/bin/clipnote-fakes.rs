//! `clipnote-fakes`: the Notion and ClickUp contract fakes as a process, for benchmarks and for
//! trying the app by hand against them. Prints the environment that points `clipnote` at them,
//! then serves until its standard input closes (or it is killed).
//!
//! ```text
//! clipnote-fakes [--upload-kib-per-sec N]
//! CLIPNOTE_NOTION_BASE_URL=http://127.0.0.1:41234
//! CLIPNOTE_NOTION_TOKEN=ntn_fake_token
//! NOTION_PAGE=2a3b…
//! CLIPNOTE_CLICKUP_BASE_URL=http://127.0.0.1:41235/api
//! CLIPNOTE_CLICKUP_TOKEN=pk_fake_token
//! CLICKUP_TASK=86b0x2k7q
//! ```

use std::io::{Read, Write};

const NOTION_TOKEN: &str = "ntn_fake_token";
const NOTION_PAGE: &str = "2a3b4c5d6e7f80918a2b3c4d5e6f7a8b";
const CLICKUP_TOKEN: &str = "pk_fake_token";
const CLICKUP_TEAM: &str = "9012";
const CLICKUP_TASK: &str = "86b0x2k7q";

fn main() {
    let mut args = std::env::args().skip(1);
    let mut pace = None;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().map(|v| v.parse::<u64>())) {
            ("--upload-kib-per-sec", Some(Ok(kib))) if kib > 0 => pace = Some(kib * 1024),
            _ => {
                eprintln!(
                    "clipnote-fakes: unknown or malformed argument {arg:?}; usage: clipnote-fakes [--upload-kib-per-sec N]"
                );
                std::process::exit(2);
            }
        }
    }
    let notion = fakes::NotionFake::start(NOTION_TOKEN, NOTION_PAGE);
    notion.state().upload_bytes_per_sec = pace;
    let clickup = fakes::ClickUpFake::start(CLICKUP_TOKEN, CLICKUP_TEAM, CLICKUP_TASK);
    let said = format!(
        "CLIPNOTE_NOTION_BASE_URL={}\nCLIPNOTE_NOTION_TOKEN={NOTION_TOKEN}\nNOTION_PAGE={NOTION_PAGE}\nCLIPNOTE_CLICKUP_BASE_URL={}\nCLIPNOTE_CLICKUP_TOKEN={CLICKUP_TOKEN}\nCLICKUP_TASK={CLICKUP_TASK}\n",
        notion.base_url(),
        clickup.base_url()
    );
    let mut out = std::io::stdout();
    if out
        .write_all(said.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        std::process::exit(1);
    }
    // Serve until whoever started us closes our input.
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}

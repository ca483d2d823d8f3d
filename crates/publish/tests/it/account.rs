//! What Review and Settings show (issue 4): the real title of the pasted page or task
//! (`Destination::title`) and the connected workspace's name (`publish::account::check`),
//! read from the fakes, with the same messages as posting when the token or sharing is wrong.

use fakes::{ClickUpFake, NotionFake};
use publish::{Account, Error, Service, TaskRef, Token};

use crate::{CLICKUP_TOKEN, NOTION_TOKEN, PAGE, TASK, TEAM, World};

async fn title(world: &World, to: &str) -> Result<String, Error> {
    world
        .settings
        .open(&TaskRef::parse(to).unwrap())
        .unwrap()
        .title()
        .await
}

#[tokio::test]
async fn titles_are_the_page_the_task_the_library_and_the_folder() {
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    notion.add_page(PAGE, "Login bug: root cause");
    let clickup = ClickUpFake::start(CLICKUP_TOKEN, TEAM, TASK);
    clickup.add_task(TEAM, TASK, "Search filters", None);
    let mut world = World::with_notion(&notion);
    world.settings.clickup_base_url = clickup.base_url();

    assert_eq!(
        title(&world, &format!("https://www.notion.so/acme/x-{PAGE}"))
            .await
            .unwrap(),
        "Login bug: root cause"
    );
    world.settings.notion_version = "2026-03-11".into();
    assert_eq!(title(&world, PAGE).await.unwrap(), "Login bug: root cause");
    assert_eq!(
        title(&world, &format!("https://app.clickup.com/t/{TASK}"))
            .await
            .unwrap(),
        "Search filters"
    );
    assert_eq!(title(&world, "library").await.unwrap(), "Library");
    let shared = world.dir.path().join("Team clips");
    assert_eq!(
        title(&world, &format!("folder:{}", shared.display()))
            .await
            .unwrap(),
        "Team clips"
    );

    // A page not shared with the integration, a task that does not exist.
    let err = title(&world, "0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert!(
        err.to_string().contains("share it with the integration"),
        "{err}"
    );
    let err = title(&world, "86nosuchx").await.unwrap_err();
    assert!(err.to_string().contains("was not found"), "{err}");
}

#[tokio::test]
async fn accounts_name_the_workspace_and_a_bad_token_says_to_log_in_again() {
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    notion.state().max_file_bytes = fakes::notion::FREE_LIMIT_BYTES;
    let clickup = ClickUpFake::start(CLICKUP_TOKEN, TEAM, TASK);
    clickup.name_team(TEAM, "Acme Engineering");
    let mut world = World::with_notion(&notion);
    world.settings.clickup_base_url = clickup.base_url();

    let account = publish::account::check(&world.settings, Service::Notion)
        .await
        .unwrap();
    assert_eq!(
        account,
        Account {
            workspace: "Acme".into(),
            user: None,
            max_file_bytes: Some(5 * 1024 * 1024),
        }
    );
    let account = publish::account::check(&world.settings, Service::ClickUp)
        .await
        .unwrap();
    assert_eq!(account.workspace, "Acme Engineering");
    assert_eq!(account.user.as_deref(), Some("Fake User"));
    clickup.name_team("9099", "Acme Ops");
    let account = publish::account::check(&world.settings, Service::ClickUp)
        .await
        .unwrap();
    assert_eq!(account.workspace, "Acme Engineering, Acme Ops");

    let wrong_notion = "ntn_wrong_account_secret_9";
    let wrong_clickup = "pk_9_WRONG_ACCOUNT_SECRET";
    world.settings.notion_token = Some(Token::new(wrong_notion));
    world.settings.clickup_token = Some(Token::new(wrong_clickup));
    for (service, login, token) in [
        (Service::Notion, "clipnote login notion", wrong_notion),
        (Service::ClickUp, "clipnote login clickup", wrong_clickup),
    ] {
        let err = publish::account::check(&world.settings, service)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains(login) && !msg.contains(token), "{msg}");
    }
    let err = publish::account::check(&world.settings, Service::Library)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("only Notion and ClickUp"), "{err}");
}

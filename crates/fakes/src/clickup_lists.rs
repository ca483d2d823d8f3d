//! The ClickUp fake's list endpoint (CONTRACTS.md §2.2): `GET /list/{id}/task`, 100 tasks a
//! page from `page=0`, `last_page`, newest change first when `order_by=updated`.

use std::collections::HashMap;

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::clickup::{ClickUpState, task_name};
use crate::server::{self, Resp};

const PAGE_TASKS: usize = 100;

pub(crate) fn list_tasks(
    st: &ClickUpState,
    list_id: &str,
    query: &HashMap<String, String>,
) -> Resp {
    let page: usize = match query.get("page").map(|p| p.parse()) {
        None => 0,
        Some(Ok(p)) => p,
        Some(Err(_)) => {
            return server::json(
                StatusCode::BAD_REQUEST,
                &json!({ "err": "page must be a number", "ECODE": "INPUT_005" }),
                &[],
            );
        }
    };
    let mut tasks: Vec<(&String, &crate::clickup::Task)> = st
        .tasks
        .iter()
        .filter(|(_, t)| t.list_id.as_deref() == Some(list_id))
        .collect();
    if tasks.is_empty() {
        return server::json(
            StatusCode::UNAUTHORIZED,
            &json!({ "err": "Team not authorized", "ECODE": "OAUTH_027" }),
            &[],
        );
    }
    if tasks.iter().any(|(_, t)| !st.teams.contains(&t.team_id)) {
        return server::json(
            StatusCode::UNAUTHORIZED,
            &json!({ "err": "Team not authorized", "ECODE": "OAUTH_027" }),
            &[],
        );
    }
    let by_updated = query.get("order_by").map(String::as_str) == Some("updated");
    let reverse = query.get("reverse").map(String::as_str) == Some("true");
    tasks.sort_by(|a, b| {
        if by_updated {
            b.1.date_updated_ms
                .cmp(&a.1.date_updated_ms)
                .then(a.0.cmp(b.0))
        } else {
            // `created` (the default): newest first; ids stand in for creation order.
            b.0.cmp(a.0)
        }
    });
    if reverse {
        tasks.reverse();
    }
    let start = page * PAGE_TASKS;
    let slice: Vec<Value> = tasks
        .iter()
        .skip(start)
        .take(PAGE_TASKS)
        .map(|(id, t)| {
            json!({ "id": id, "custom_id": t.custom_id, "name": task_name(t), "team_id": t.team_id,
                "date_updated": t.date_updated_ms.to_string(), "list": { "id": list_id },
                "url": format!("https://app.clickup.com/t/{id}") })
        })
        .collect();
    let last_page = start + PAGE_TASKS >= tasks.len();
    server::json(
        StatusCode::OK,
        &json!({ "tasks": slice, "last_page": last_page }),
        &[],
    )
}

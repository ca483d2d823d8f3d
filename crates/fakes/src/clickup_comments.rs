//! The ClickUp fake's comments: the rich comment body (checked against the OpenAPI document),
//! task comments with their `start`/`start_id` pages, and threaded replies.

use std::collections::HashMap;

use hyper::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clickup::{ClickUpState, Comment, Task, err, user_json};
use crate::server::{self, Resp};

/// The rich comment body, per CreateTaskComment in the OpenAPI document plus the `comment` array.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateComment {
    comment_text: Option<String>,
    comment: Option<Vec<Op>>,
    notify_all: Option<bool>,
    assignee: Option<i64>,
    group_assignee: Option<String>,
}

#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct Op {
    text: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attributes: Option<Attributes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<Value>,
}

#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct Attributes {
    #[serde(skip_serializing_if = "Option::is_none")]
    bold: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    italic: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    underline: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    strike: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    list: Option<ListAttr>,
    #[serde(rename = "code-block", skip_serializing_if = "Option::is_none")]
    code_block: Option<Value>,
}

#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct ListAttr {
    list: String,
}

fn comment_body(body: &[u8]) -> Result<(Vec<Value>, String), Box<Resp>> {
    let bad = |m: &str| Box::new(err(StatusCode::BAD_REQUEST, "INPUT_005", m));
    let req: CreateComment =
        serde_json::from_slice(body).map_err(|e| bad(&format!("Invalid request body: {e}")))?;
    let _ = (req.notify_all, req.assignee, &req.group_assignee);
    match (req.comment, req.comment_text) {
        (Some(ops), _) if !ops.is_empty() => {
            if ops.iter().any(|o| o.text.is_none() && o.kind.is_none()) {
                return Err(bad("Each comment op needs text or a type"));
            }
            let text: String = ops.iter().filter_map(|o| o.text.clone()).collect();
            Ok((
                ops.iter()
                    .map(|o| serde_json::to_value(o).unwrap_or(Value::Null))
                    .collect(),
                text,
            ))
        }
        (_, Some(t)) if !t.is_empty() => Ok((vec![json!({ "text": t })], t)),
        _ => Err(bad("Comment text or comment required")),
    }
}

pub(crate) fn comment(
    st: &mut ClickUpState,
    task_id: &str,
    body: &[u8],
    now_ms: i64,
    user: u64,
) -> Resp {
    let (ops, text) = match comment_body(body) {
        Ok(b) => b,
        Err(resp) => return *resp,
    };
    st.next_comment_id += 1;
    let id = st.next_comment_id;
    let task = st.tasks.get_mut(task_id).expect("resolved");
    task.comment_users.insert(id, user);
    task.date_updated_ms = now_ms;
    task.comments.push(Comment {
        id,
        ops,
        text,
        date_ms: now_ms,
    });
    // Real responses return a numeric id.
    server::json(
        StatusCode::OK,
        &json!({ "id": id, "hist_id": server::uuid(), "date": now_ms }),
        &[],
    )
}

pub(crate) fn comments_page(
    st: &ClickUpState,
    task_id: &str,
    query: &HashMap<String, String>,
) -> Resp {
    let start = query.get("start").and_then(|v| v.parse::<i64>().ok());
    let start_id = query.get("start_id").and_then(|v| v.parse::<u64>().ok());
    if start.is_some() != start_id.is_some() {
        return err(
            StatusCode::BAD_REQUEST,
            "INPUT_005",
            "start and start_id must be given together",
        );
    }
    let task = &st.tasks[task_id];
    let mut all: Vec<&Comment> = task.comments.iter().collect();
    all.sort_by(|a, b| b.date_ms.cmp(&a.date_ms).then(b.id.cmp(&a.id)));
    let older = all
        .into_iter()
        .filter(|c| match (start, start_id) {
            (Some(s), Some(sid)) => (c.date_ms, c.id) < (s, sid),
            _ => true,
        })
        .take(25)
        .map(|c| comment_json(st, task, c))
        .collect::<Vec<_>>();
    server::json(StatusCode::OK, &json!({ "comments": older }), &[])
}

/// A comment (or threaded reply) as `GET` shows it.
fn comment_json(st: &ClickUpState, task: &Task, c: &Comment) -> Value {
    let replies = task.replies.get(&c.id).map_or(0, Vec::len);
    json!({ "id": c.id.to_string(), "comment": c.ops, "comment_text": c.text,
        "user": user_json(st, task.comment_users.get(&c.id).copied().unwrap_or(1)),
        "assignee": null, "assigned_by": null, "group_assignee": null, "resolved": false,
        "reactions": [], "date": c.date_ms.to_string(), "reply_count": replies })
}

/// `POST /comment/{id}/reply` (CreateThreadedComment: the task comment's body; answers `{}`)
/// and `GET /comment/{id}/reply` (GetThreadedComments: `{comments}`, oldest first, parent
/// not included). An unknown comment is 404 `{err, ECODE}`; the exact ECODE is not documented
/// (UNCERTAIN), so the fake answers one of its own.
pub(crate) fn threaded(
    st: &mut ClickUpState,
    create: bool,
    comment_id: &str,
    body: &[u8],
    now_ms: i64,
    user: u64,
) -> Resp {
    let parent = comment_id.parse::<u64>().ok().and_then(|id| {
        st.tasks
            .iter()
            .find(|(_, t)| t.comments.iter().any(|c| c.id == id))
            .map(|(task_id, t)| (id, task_id.clone(), t.team_id.clone()))
    });
    let Some((parent, task_id, team)) = parent else {
        return err(StatusCode::NOT_FOUND, "COMMENT_015", "Comment not found");
    };
    if !st.teams.contains(&team) {
        return err(StatusCode::UNAUTHORIZED, "OAUTH_027", "Team not authorized");
    }
    if !create {
        let task = &st.tasks[&task_id];
        let replies: Vec<Value> = task
            .replies
            .get(&parent)
            .into_iter()
            .flatten()
            .map(|c| comment_json(st, task, c))
            .collect();
        return server::json(StatusCode::OK, &json!({ "comments": replies }), &[]);
    }
    let (ops, text) = match comment_body(body) {
        Ok(b) => b,
        Err(resp) => return *resp,
    };
    st.next_comment_id += 1;
    let id = st.next_comment_id;
    let task = st.tasks.get_mut(&task_id).expect("found above");
    task.comment_users.insert(id, user);
    task.date_updated_ms = now_ms;
    task.replies.entry(parent).or_default().push(Comment {
        id,
        ops,
        text,
        date_ms: now_ms,
    });
    // The documented response is an empty object.
    server::json(StatusCode::OK, &json!({}), &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The comment body the fake accepts follows ClickUp's OpenAPI document: every property it
    /// declares is accepted, and a misspelt one is refused.
    #[test]
    fn comment_body_matches_the_openapi_document() {
        // In the repository, with its provenance in `contracts/SOURCES.md`. The crate's folder
        // as `cargo test` names it when it runs the test: a test binary built in another
        // checkout of the same sources may be reused, and its compiled-in path can be gone.
        let dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
            || env!("CARGO_MANIFEST_DIR").into(),
            std::path::PathBuf::from,
        );
        let path = dir.join("contracts/openapi/clickup-api-v2-reference.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("the OpenAPI document {}: {e}", path.display()));
        let doc: Value = serde_json::from_str(&text).unwrap();
        let op = &doc["paths"]["/v2/task/{task_id}/comment"]["post"];
        let mut schema = &op["requestBody"]["content"]["application/json"]["schema"];
        if let Some(r) = schema["$ref"].as_str() {
            schema = &doc["components"]["schemas"][r.rsplit('/').next().unwrap()];
        }
        let props = schema["properties"]
            .as_object()
            .expect("declared properties");
        assert!(props.contains_key("comment_text") && props.contains_key("notify_all"));
        let mut body = serde_json::Map::new();
        for (name, p) in props {
            let sample = match p["type"].as_str() {
                Some("boolean") => json!(false),
                Some("integer") | Some("number") => json!(1),
                _ => json!("x"),
            };
            body.insert(name.clone(), sample);
        }
        let body = Value::Object(body);
        assert!(
            serde_json::from_value::<CreateComment>(body.clone()).is_ok(),
            "{body}"
        );
        let mut typo = body;
        typo["comment_txt"] = json!("x");
        assert!(serde_json::from_value::<CreateComment>(typo).is_err());

        // A threaded reply's body is the task comment's schema (the fake checks it with the
        // same parser), and its documented answer is an empty object.
        let reply = &doc["paths"]["/v2/comment/{comment_id}/reply"]["post"];
        assert_eq!(
            reply["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/paths/~1v2~1task~1%7Btask_id%7D~1comment/post/requestBody/content/application~1json/schema"
        );
        assert_eq!(
            reply["responses"]["200"]["content"]["application/json"]["example"],
            json!({})
        );

        let attach = &doc["paths"]["/v2/task/{task_id}/attachment"]["post"]["requestBody"]["content"]
            ["multipart/form-data"]["schema"];
        let attach = match attach["$ref"].as_str() {
            Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
            None => attach,
        };
        assert!(
            attach["properties"].get("attachment").is_some(),
            "the file field is `attachment`"
        );
    }
}

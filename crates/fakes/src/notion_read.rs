//! The Notion fake's reading endpoints (CONTRACTS.md §1.3, §1.6): retrieve a page, a block and
//! a user; retrieve a database (its data sources from 2025-09-03); query a data source (or,
//! up to 2022-06-28, a database) for its row pages, paginated with `start_cursor`; and the
//! shapes reads share (a block as returned, the cursor window, dashed ids).

use hyper::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::notion::{BOT_USER_ID, Block, NotionState, Page, err, invalid, norm};
use crate::server::{self, Common, Resp};

/// The query body; unknown fields are refused like the real validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    filter: Option<Value>,
    sorts: Option<Value>,
    start_cursor: Option<String>,
    page_size: Option<usize>,
    filter_properties: Option<Value>,
}

fn not_found(kind: &str, id: &str) -> Resp {
    err(
        StatusCode::NOT_FOUND,
        "object_not_found",
        &format!(
            "Could not find {kind} with ID: {id}. Make sure the relevant pages and databases are shared with your integration."
        ),
    )
}

fn title_json(title: &str) -> Value {
    json!([{ "type": "text", "text": { "content": title, "link": null }, "plain_text": title, "href": null }])
}

/// A page object: title property, times, parent and the page's URL.
pub(crate) fn page_json(id: &str, page: &Page, new_version: bool) -> Value {
    let slug: String = page
        .title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-')
        .collect();
    let parent = match &page.data_source {
        Some(ds) => json!({ "type": "data_source_id", "data_source_id": ds }),
        None => json!({ "type": "workspace", "workspace": true }),
    };
    let mut v = json!({ "object": "page", "id": dashed(id),
        "created_time": server::iso(page.last_edited), "last_edited_time": server::iso(page.last_edited),
        "created_by": { "object": "user", "id": BOT_USER_ID }, "parent": parent, "in_trash": false,
        "url": format!("https://www.notion.so/{}{}{}", slug, if slug.is_empty() { "" } else { "-" }, norm(id)),
        "properties": { "Name": { "id": "title", "type": "title", "title": title_json(&page.title) } },
        "request_id": server::uuid() });
    if !new_version {
        v["archived"] = json!(false);
    }
    v
}

pub(crate) fn route(
    common: &Common,
    st: &NotionState,
    route: &str,
    seg: &[&str],
    body: &[u8],
    new_version: bool,
) -> Resp {
    let id = seg[2];
    match route {
        "get_page" => match st.pages.get(&norm(id)).filter(|p| p.shared) {
            Some(p) => server::json(StatusCode::OK, &page_json(id, p, new_version), &[]),
            None => not_found("page", id),
        },
        "get_block" => {
            let found = st
                .pages
                .iter()
                .filter(|(_, p)| p.shared)
                .find_map(|(pid, p)| {
                    p.blocks
                        .iter()
                        .find(|b| norm(&b.id) == norm(id))
                        .map(|b| block_json(common, pid, p, b, new_version))
                });
            match found {
                Some(mut v) => {
                    v["request_id"] = json!(server::uuid());
                    server::json(StatusCode::OK, &v, &[])
                }
                None => not_found("block", id),
            }
        }
        "get_user" => {
            let user = if id == BOT_USER_ID {
                Some(
                    json!({ "object": "user", "id": BOT_USER_ID, "type": "bot", "name": "Clipnote", "bot": {} }),
                )
            } else {
                st.users.iter().find(|u| u.id == id).map(|u| {
                    json!({ "object": "user", "id": u.id, "type": "person", "name": u.name,
                        "avatar_url": null, "person": { "email": format!("{}@example.test", u.id) } })
                })
            };
            match user {
                Some(mut u) => {
                    u["request_id"] = json!(server::uuid());
                    server::json(StatusCode::OK, &u, &[])
                }
                None => not_found("user", id),
            }
        }
        "get_database" => match st.databases.get(&norm(id)) {
            Some(db) => {
                let mut v = json!({ "object": "database", "id": dashed(id), "title": title_json(&db.title),
                    "in_trash": false, "request_id": server::uuid() });
                // From 2025-09-03 a database lists its data sources (older clients ignore it).
                v["data_sources"] = json!([{ "id": db.data_source_id, "name": db.title }]);
                server::json(StatusCode::OK, &v, &[])
            }
            None => not_found("database", id),
        },
        "query" => query(st, seg, body, new_version),
        _ => err(
            StatusCode::BAD_REQUEST,
            "invalid_request_url",
            "Invalid request URL.",
        ),
    }
}

fn query(st: &NotionState, seg: &[&str], body: &[u8], new_version: bool) -> Resp {
    let (kind, id) = (seg[1], seg[2]);
    let req: Query = if body.is_empty() {
        Query {
            filter: None,
            sorts: None,
            start_cursor: None,
            page_size: None,
            filter_properties: None,
        }
    } else {
        match serde_json::from_slice(body) {
            Ok(q) => q,
            Err(e) => {
                return invalid(e);
            }
        }
    };
    let _ = (&req.filter, &req.sorts, &req.filter_properties);
    let db = if kind == "data_sources" {
        st.databases.values().find(|d| d.data_source_id == id)
    } else {
        st.databases.get(&norm(id))
    };
    let Some(db) = db else {
        return not_found(
            if kind == "data_sources" {
                "data_source"
            } else {
                "database"
            },
            id,
        );
    };
    let page_size = req.page_size.unwrap_or(100);
    if page_size == 0 || page_size > 100 {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "body failed validation: body.page_size should be ≤ `100`.",
        );
    }
    let rows: Vec<&String> = db
        .pages
        .iter()
        .filter(|p| st.pages.get(*p).is_some_and(|p| p.shared))
        .collect();
    let Some((start, end)) =
        page_window(&rows, req.start_cursor.as_deref(), page_size, |p| norm(p))
    else {
        return bad_cursor();
    };
    let results: Vec<Value> = rows[start..end]
        .iter()
        .map(|p| {
            let mut v = page_json(p, &st.pages[*p], new_version);
            v.as_object_mut().map(|o| o.remove("request_id"));
            v
        })
        .collect();
    let next = rows.get(end).map(|p| dashed(p));
    server::json(
        StatusCode::OK,
        &json!({ "object": "list", "results": results, "next_cursor": next, "has_more": next.is_some(),
            "type": "page_or_data_source", "page_or_data_source": {}, "request_id": server::uuid() }),
        &[],
    )
}

/// A block as the API returns it; a video from an upload carries a fresh signed URL (1 h).
pub(crate) fn block_json(
    common: &Common,
    page_id: &str,
    page: &Page,
    b: &Block,
    new_version: bool,
) -> Value {
    let body = match &b.video_upload {
        Some(upload) => {
            let (path, expires) = common.signed_path(upload, 3600);
            json!({ "caption": b.body["caption"], "type": "file",
                "file": { "url": format!("{}{path}", common.base.get().cloned().unwrap_or_default()), "expiry_time": server::iso(expires) } })
        }
        None => b.body.clone(),
    };
    let (created, by) = page
        .meta
        .get(&b.id)
        .map_or((common.now(), BOT_USER_ID.to_string()), |m| {
            (m.created, m.created_by.clone())
        });
    let mut v = json!({ "object": "block", "id": b.id, "type": b.kind, "has_children": !b.children.is_empty(),
        "parent": { "type": "page_id", "page_id": dashed(page_id) },
        "created_time": server::iso(created), "last_edited_time": server::iso(created),
        "created_by": { "object": "user", "id": by }, "last_edited_by": { "object": "user", "id": by },
        "in_trash": false, (b.kind.clone()): body });
    if !new_version {
        v["archived"] = json!(false);
    }
    v
}

/// The slice of a paginated list that `start_cursor` (the first item's id) and `page_size`
/// select, as `(start, end)`; `None` for an unknown cursor (answer [`bad_cursor`]).
pub(crate) fn page_window<T>(
    items: &[T],
    cursor: Option<&str>,
    page_size: usize,
    id: impl Fn(&T) -> String,
) -> Option<(usize, usize)> {
    let start = match cursor {
        Some(c) => items.iter().position(|x| id(x) == norm(c))?,
        None => 0,
    };
    Some((start, (start + page_size).min(items.len())))
}

/// The API's refusal of a `start_cursor` it did not hand out.
pub(crate) fn bad_cursor() -> Resp {
    err(
        StatusCode::BAD_REQUEST,
        "validation_error",
        "start_cursor is invalid.",
    )
}

/// A normalised id in the dashed UUID form the API prints.
pub(crate) fn dashed(id: &str) -> String {
    let h = norm(id);
    if h.len() != 32 {
        return id.to_string();
    }
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

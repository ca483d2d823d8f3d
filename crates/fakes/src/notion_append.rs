//! The Notion fake's `PATCH /v1/blocks/{id}/children`: children validated against the schema
//! and Notion's limits (≤ 100 a `children` array, two levels of nesting, ≤ 1000 block elements
//! and 500 KB a request), uploads attached, placement by `after` or `position` as each API
//! version has it — on a page, or under a toggle on one.

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::notion::{Block, BlockMeta, NotionState, err, invalid, norm};
use crate::notion_schema::{self as schema, AppendChildren, BlockIn};
use crate::server::{self, Resp};

/// The largest request body the fake takes: Notion refuses bodies over 500 KB (CONTRACTS.md
/// §1.5: very large ones have drawn 413; its error code there is not documented).
pub const MAX_BODY_BYTES: usize = 500 * 1000;
/// Block elements in one request, nested ones included (CONTRACTS.md §1.5).
pub const MAX_BLOCK_ELEMENTS: usize = 1000;

/// Where an append's children go: the page's own list, or under one of its blocks (a toggle).
pub(crate) enum Parent {
    Page(String),
    Block { page: String, index: usize },
}

/// What `PATCH /blocks/{id}/children` names: a shared page, or a block on one. A block that
/// cannot hold children is 400 `validation_error`; an unknown id is 404 `object_not_found`.
pub(crate) fn parent(st: &NotionState, id: &str) -> Result<Parent, Box<Resp>> {
    let id = norm(id);
    if st.pages.get(&id).is_some_and(|p| p.shared) {
        return Ok(Parent::Page(id));
    }
    for (pid, p) in st.pages.iter().filter(|(_, p)| p.shared) {
        if let Some(index) = p.blocks.iter().position(|b| norm(&b.id) == id) {
            if p.blocks[index].kind != "toggle" {
                return Err(Box::new(invalid(format!(
                    "block {id} of type `{}` cannot have children in this fake (a toggle can).",
                    p.blocks[index].kind
                ))));
            }
            return Ok(Parent::Block {
                page: pid.clone(),
                index,
            });
        }
    }
    Err(Box::new(err(
        StatusCode::NOT_FOUND,
        "object_not_found",
        &format!(
            "Could not find block with ID: {id}. Make sure the relevant pages and databases are shared with your integration."
        ),
    )))
}

pub(crate) fn append(
    st: &mut NotionState,
    target: &Parent,
    body: &[u8],
    now: i64,
    new_version: bool,
    caller: &str,
) -> Resp {
    if body.len() > MAX_BODY_BYTES {
        return err(
            StatusCode::PAYLOAD_TOO_LARGE,
            "validation_error",
            &format!(
                "Request body too large: {} bytes; the limit is {MAX_BODY_BYTES}.",
                body.len()
            ),
        );
    }
    let req: AppendChildren = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => {
            return invalid(e);
        }
    };
    if new_version && req.after.is_some() {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "body failed validation: `after` was replaced by `position` in 2026-03-11.",
        );
    }
    if !new_version && req.position.is_some() {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "body failed validation: body.position is not a property in this version.",
        );
    }
    let (page, siblings) = match target {
        Parent::Page(page) => (page.clone(), &st.pages[page].blocks),
        Parent::Block { page, index } => (page.clone(), &st.pages[page].blocks[*index].children),
    };
    let at = match insertion_index(st, &page, siblings, &req) {
        Ok(at) => at,
        Err(resp) => return *resp,
    };
    if let Err(resp) = check_count("body.children", req.children.len()) {
        return *resp;
    }
    let elements: usize = req
        .children
        .iter()
        .map(|b| {
            1 + b
                .toggle
                .as_ref()
                .and_then(|t| t.children.as_ref())
                .map_or(0, Vec::len)
        })
        .sum();
    if elements > MAX_BLOCK_ELEMENTS {
        return invalid(format!(
            "the request has {elements} block elements; the limit is {MAX_BLOCK_ELEMENTS}."
        ));
    }
    let nested_parent = matches!(target, Parent::Block { .. });
    let mut new_blocks = Vec::new();
    for (i, b) in req.children.iter().enumerate() {
        match build(st, b, &format!("body.children[{i}]"), nested_parent, now) {
            Ok(block) => new_blocks.push(block),
            Err(resp) => return *resp,
        }
    }
    for b in new_blocks
        .iter()
        .chain(new_blocks.iter().flat_map(|b| &b.children))
    {
        if let Some(up) = &b.video_upload
            && let Some(u) = st.uploads.get_mut(up)
        {
            u.attached = true;
        }
    }
    let results: Vec<Value> = new_blocks
        .iter()
        .map(|b| json!({ "object": "block", "id": b.id, "type": b.kind, "has_children": !b.children.is_empty() }))
        .collect();
    let page_data = st.pages.get_mut(&page).expect("checked shared");
    for b in new_blocks
        .iter()
        .chain(new_blocks.iter().flat_map(|b| &b.children))
    {
        page_data.meta.insert(
            b.id.clone(),
            BlockMeta {
                created: now,
                created_by: caller.to_string(),
            },
        );
    }
    page_data.last_edited = now;
    let list = match target {
        Parent::Page(_) => &mut page_data.blocks,
        Parent::Block { index, .. } => &mut page_data.blocks[*index].children,
    };
    let at = at.unwrap_or(list.len());
    list.splice(at..at, new_blocks);
    server::json(
        StatusCode::OK,
        &json!({ "object": "list", "results": results, "next_cursor": null, "has_more": false, "type": "block", "block": {}, "request_id": server::uuid() }),
        &[],
    )
}

/// A `children` array holds 1 to 100 blocks.
fn check_count(path: &str, n: usize) -> Result<(), Box<Resp>> {
    if n == 0 || n > 100 {
        return Err(Box::new(err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            &format!(
                "body failed validation: {path}.length should be between 1 and 100, instead was `{n}`."
            ),
        )));
    }
    Ok(())
}

/// One block of a request, checked and made. `nested`: it goes under another block, so it may
/// not bring children of its own (two levels at most; this fake keeps two levels in all).
fn build(
    st: &NotionState,
    b: &BlockIn,
    at: &str,
    nested: bool,
    now: i64,
) -> Result<Block, Box<Resp>> {
    let bad = |m: String| Box::new(err(StatusCode::BAD_REQUEST, "validation_error", &m));
    let kind = b.kind().map_err(|e| Box::new(invalid(e)))?;
    let path = format!("{at}.{kind}");
    if b.object.as_deref().is_some_and(|o| o != "block") {
        return Err(bad(format!(
            "body failed validation: {at}.object should be `block`."
        )));
    }
    if let Some(ext) = b.video.as_ref().and_then(|v| v.external.as_ref()) {
        // A video linked by URL (anyone can add one in the Notion editor).
        let v = b.video.as_ref().expect("kind says video");
        if !ext.url.starts_with("https://") || v.file_upload.is_some() {
            return Err(bad(format!(
                "body failed validation: {path}.external.url should be an https URL."
            )));
        }
        let caption: Vec<Value> = v.caption.as_ref().map(|c| c.iter().map(|r| json!({"type":"text","text":{"content":r.text.content},"plain_text":r.text.content})).collect()).unwrap_or_default();
        return Ok(Block {
            id: server::uuid(),
            kind: "video".into(),
            text: caption
                .iter()
                .filter_map(|r| r["plain_text"].as_str())
                .collect(),
            body: json!({ "caption": caption, "type": "external", "external": { "url": ext.url } }),
            video_upload: None,
            children: Vec::new(),
        });
    }
    if kind == "video" {
        let v = b.video.as_ref().expect("kind says video");
        if v.kind.as_deref().is_some_and(|k| k != "file_upload") || v.name.is_some() {
            return Err(bad(format!(
                "body failed validation: {path}.type should be `file_upload` for this fake."
            )));
        }
        let Some(up) = &v.file_upload else {
            return Err(bad(format!(
                "body failed validation: {path}.file_upload should be defined."
            )));
        };
        if let Some(c) = &v.caption {
            schema::check_rich_text(&format!("{path}.caption"), c).map_err(bad)?;
        }
        let Some(u) = st.uploads.get(&up.id) else {
            return Err(bad(format!(
                "Could not find file_upload with ID: {}.",
                up.id
            )));
        };
        if !u.attached && now > u.created + 3600 {
            return Err(bad(format!("File upload {} is expired.", up.id)));
        }
        if u.status != "uploaded" {
            return Err(bad(format!(
                "File upload {} is in status `{}`; it must be uploaded first.",
                up.id, u.status
            )));
        }
        let caption = serde_json::to_value(v.caption.as_ref().map(|c| c.iter().map(|r| json!({"type":"text","text":{"content":r.text.content},"plain_text":r.text.content})).collect::<Vec<_>>()).unwrap_or_default()).unwrap_or(Value::Null);
        return Ok(Block {
            id: server::uuid(),
            kind: "video".into(),
            text: v
                .caption
                .as_ref()
                .map(|c| c.iter().map(|r| r.text.content.as_str()).collect())
                .unwrap_or_default(),
            body: json!({ "caption": if caption.is_null() { json!([]) } else { caption } }),
            video_upload: Some(up.id.clone()),
            children: Vec::new(),
        });
    }
    if let Some(t) = &b.toggle {
        schema::check_rich_text(&path, &t.rich_text).map_err(bad)?;
        let mut children = Vec::new();
        if let Some(kids) = &t.children {
            if nested {
                return Err(bad(format!(
                    "body failed validation: {path}.children nests more than two levels of blocks in one request."
                )));
            }
            check_count(&format!("{path}.children"), kids.len())?;
            for (j, kid) in kids.iter().enumerate() {
                children.push(build(st, kid, &format!("{path}.children[{j}]"), true, now)?);
            }
        }
        return Ok(Block {
            id: server::uuid(),
            kind: "toggle".into(),
            text: t
                .rich_text
                .iter()
                .map(|r| r.text.content.as_str())
                .collect(),
            body: json!({ "rich_text": plain_runs(&t.rich_text),
                "color": t.color.clone().unwrap_or_else(|| "default".into()) }),
            video_upload: None,
            children,
        });
    }
    if let Some(t) = b.text() {
        schema::check_rich_text(&path, &t.rich_text).map_err(bad)?;
        let mut body = serde_json::to_value(t).unwrap_or(Value::Null);
        body["rich_text"] = plain_runs(&t.rich_text);
        return Ok(Block {
            id: server::uuid(),
            kind: kind.into(),
            text: t
                .rich_text
                .iter()
                .map(|r| r.text.content.as_str())
                .collect(),
            body,
            video_upload: None,
            children: Vec::new(),
        });
    }
    Ok(Block {
        id: server::uuid(),
        kind: kind.into(),
        text: String::new(),
        body: json!({}),
        video_upload: None,
        children: Vec::new(),
    })
}

/// Rich text as read back: each run with its `plain_text`.
fn plain_runs(runs: &[schema::RichText]) -> Value {
    let mut v = serde_json::to_value(runs).unwrap_or(Value::Null);
    if let Some(runs) = v.as_array_mut() {
        for r in runs {
            r["plain_text"] = r["text"]["content"].clone();
        }
    }
    v
}

/// Where an append puts its children on `page`: `None` for the end (the default), or the index
/// right after the block named by `after` (up to 2025-09-03) or by `position` (from 2026-03-11:
/// `{type:"after_block",after_block:{id}}`, `{type:"start"}`, `{type:"end"}`). A block that
/// exists nowhere is 404 `object_not_found`; one that is not a child of this page is 400
/// `validation_error`.
fn insertion_index(
    st: &NotionState,
    page: &str,
    blocks: &[Block],
    req: &AppendChildren,
) -> Result<Option<usize>, Box<Resp>> {
    let invalid = |m: &str| {
        Box::new(err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            &format!("body failed validation: {m}"),
        ))
    };
    let after = match (&req.after, &req.position) {
        (Some(id), _) => id.clone(),
        (None, None) => return Ok(None),
        (None, Some(pos)) => match pos["type"].as_str() {
            Some("end") if pos.as_object().is_some_and(|o| o.len() == 1) => return Ok(None),
            Some("start") if pos.as_object().is_some_and(|o| o.len() == 1) => return Ok(Some(0)),
            Some("after_block") => match pos["after_block"]["id"].as_str() {
                Some(id) if pos.as_object().is_some_and(|o| o.len() == 2) => id.to_string(),
                _ => return Err(invalid("body.position.after_block.id should be defined.")),
            },
            _ => {
                return Err(invalid(
                    "body.position.type should be `after_block`, `start` or `end`.",
                ));
            }
        },
    };
    if let Some(i) = blocks.iter().position(|b| norm(&b.id) == norm(&after)) {
        return Ok(Some(i + 1));
    }
    let elsewhere = st
        .pages
        .values()
        .any(|p| p.shared && p.blocks.iter().any(|b| norm(&b.id) == norm(&after)));
    if elsewhere {
        Err(invalid(&format!(
            "block {after} is not a child of the parent block {page}."
        )))
    } else {
        Err(Box::new(err(
            StatusCode::NOT_FOUND,
            "object_not_found",
            &format!(
                "Could not find block with ID: {after}. Make sure the relevant pages and databases are shared with your integration."
            ),
        )))
    }
}

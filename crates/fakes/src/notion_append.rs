//! The Notion fake's `PATCH /v1/blocks/{id}/children`: children validated against the schema,
//! uploads attached, and placement by `after` or `position` as each API version has it.

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::notion::{Block, BlockMeta, NotionState, err, invalid, norm};
use crate::notion_schema::{self as schema, AppendChildren};
use crate::server::{self, Resp};

pub(crate) fn append(
    st: &mut NotionState,
    page: &str,
    body: &[u8],
    now: i64,
    new_version: bool,
    caller: &str,
) -> Resp {
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
    let at = match insertion_index(st, page, &req) {
        Ok(at) => at,
        Err(resp) => return *resp,
    };
    if req.children.is_empty() || req.children.len() > 100 {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            &format!(
                "body failed validation: body.children.length should be between 1 and 100, instead was `{}`.",
                req.children.len()
            ),
        );
    }
    let mut new_blocks = Vec::new();
    for (i, b) in req.children.iter().enumerate() {
        let kind = match b.kind() {
            Ok(k) => k,
            Err(e) => {
                return invalid(e);
            }
        };
        let path = format!("body.children[{i}].{kind}");
        if b.object.as_deref().is_some_and(|o| o != "block") {
            return err(
                StatusCode::BAD_REQUEST,
                "validation_error",
                &format!("body failed validation: body.children[{i}].object should be `block`."),
            );
        }
        let block = if let Some(ext) = b.video.as_ref().and_then(|v| v.external.as_ref()) {
            // A video linked by URL (anyone can add one in the Notion editor).
            let v = b.video.as_ref().expect("kind says video");
            if !ext.url.starts_with("https://") || v.file_upload.is_some() {
                return err(
                    StatusCode::BAD_REQUEST,
                    "validation_error",
                    &format!("body failed validation: {path}.external.url should be an https URL."),
                );
            }
            let caption: Vec<Value> = v.caption.as_ref().map(|c| c.iter().map(|r| json!({"type":"text","text":{"content":r.text.content},"plain_text":r.text.content})).collect()).unwrap_or_default();
            Block {
                id: server::uuid(),
                kind: "video".into(),
                text: caption
                    .iter()
                    .filter_map(|r| r["plain_text"].as_str())
                    .collect(),
                body: json!({ "caption": caption, "type": "external", "external": { "url": ext.url } }),
                video_upload: None,
            }
        } else if kind == "video" {
            let v = b.video.as_ref().expect("kind says video");
            if v.kind.as_deref().is_some_and(|k| k != "file_upload") || v.name.is_some() {
                return err(
                    StatusCode::BAD_REQUEST,
                    "validation_error",
                    &format!(
                        "body failed validation: {path}.type should be `file_upload` for this fake."
                    ),
                );
            }
            let Some(up) = &v.file_upload else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "validation_error",
                    &format!("body failed validation: {path}.file_upload should be defined."),
                );
            };
            if let Some(c) = &v.caption
                && let Err(e) = schema::check_rich_text(&format!("{path}.caption"), c)
            {
                return err(StatusCode::BAD_REQUEST, "validation_error", &e);
            }
            let Some(u) = st.uploads.get(&up.id) else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "validation_error",
                    &format!("Could not find file_upload with ID: {}.", up.id),
                );
            };
            if !u.attached && now > u.created + 3600 {
                return err(
                    StatusCode::BAD_REQUEST,
                    "validation_error",
                    &format!("File upload {} is expired.", up.id),
                );
            }
            if u.status != "uploaded" {
                return err(
                    StatusCode::BAD_REQUEST,
                    "validation_error",
                    &format!(
                        "File upload {} is in status `{}`; it must be uploaded first.",
                        up.id, u.status
                    ),
                );
            }
            let caption = serde_json::to_value(v.caption.as_ref().map(|c| c.iter().map(|r| json!({"type":"text","text":{"content":r.text.content},"plain_text":r.text.content})).collect::<Vec<_>>()).unwrap_or_default()).unwrap_or(Value::Null);
            Block {
                id: server::uuid(),
                kind: "video".into(),
                text: v
                    .caption
                    .as_ref()
                    .map(|c| c.iter().map(|r| r.text.content.as_str()).collect())
                    .unwrap_or_default(),
                body: json!({ "caption": if caption.is_null() { json!([]) } else { caption } }),
                video_upload: Some(up.id.clone()),
            }
        } else if let Some(t) = b.text() {
            if let Err(e) = schema::check_rich_text(&path, &t.rich_text) {
                return err(StatusCode::BAD_REQUEST, "validation_error", &e);
            }
            let mut body = serde_json::to_value(t).unwrap_or(Value::Null);
            if let Some(runs) = body["rich_text"].as_array_mut() {
                for r in runs {
                    r["plain_text"] = r["text"]["content"].clone();
                }
            }
            Block {
                id: server::uuid(),
                kind: kind.into(),
                text: t
                    .rich_text
                    .iter()
                    .map(|r| r.text.content.as_str())
                    .collect(),
                body,
                video_upload: None,
            }
        } else {
            Block {
                id: server::uuid(),
                kind: kind.into(),
                text: String::new(),
                body: json!({}),
                video_upload: None,
            }
        };
        new_blocks.push(block);
    }
    for b in &new_blocks {
        if let Some(up) = &b.video_upload
            && let Some(u) = st.uploads.get_mut(up)
        {
            u.attached = true;
        }
    }
    let results: Vec<Value> = new_blocks
        .iter()
        .map(|b| json!({ "object": "block", "id": b.id, "type": b.kind, "has_children": false }))
        .collect();
    let page = st.pages.get_mut(page).expect("checked shared");
    for b in &new_blocks {
        page.meta.insert(
            b.id.clone(),
            BlockMeta {
                created: now,
                created_by: caller.to_string(),
            },
        );
    }
    page.last_edited = now;
    let at = at.unwrap_or(page.blocks.len());
    page.blocks.splice(at..at, new_blocks);
    server::json(
        StatusCode::OK,
        &json!({ "object": "list", "results": results, "next_cursor": null, "has_more": false, "type": "block", "block": {}, "request_id": server::uuid() }),
        &[],
    )
}

/// Where an append puts its children on `page`: `None` for the end (the default), or the index
/// right after the block named by `after` (up to 2025-09-03) or by `position` (from 2026-03-11:
/// `{type:"after_block",after_block:{id}}`, `{type:"start"}`, `{type:"end"}`). A block that
/// exists nowhere is 404 `object_not_found`; one that is not a child of this page is 400
/// `validation_error`.
fn insertion_index(
    st: &NotionState,
    page: &str,
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
    let blocks = &st.pages[page].blocks;
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

//! The Notion fake's File Upload endpoints: create (single or multi-part), send (strict
//! multipart, part sizes, the workspace cap, 1 h expiry), complete, and the upload object.

use std::collections::BTreeMap;

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::multipart;
use crate::notion::{NotionState, Upload, err, invalid};
use crate::notion_schema::CreateUpload;
use crate::server::{self, Resp};

const SEND_MAX_BYTES: usize = 20 * 1024 * 1024;
const PART_MIN_BYTES: usize = 5 * 1024 * 1024;

fn content_type_for(filename: &str) -> Option<&'static str> {
    let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "mp4" | "m4v" => "application/mp4",
        "webm" => "video/webm",
        "mov" | "qt" => "video/quicktime",
        "mkv" => "video/x-matroska",
        "png" => "image/png",
        "txt" => "text/plain",
        _ => return None,
    })
}

pub(crate) fn upload_json(u: &Upload, now: i64, new_version: bool) -> Value {
    let expired = !u.attached && now > u.created + 3600;
    let status = if expired && u.status == "pending" {
        "expired"
    } else {
        u.status.as_str()
    };
    let mut v = json!({ "object": "file_upload", "id": u.id, "created_time": server::iso(u.created),
        "created_by": { "id": "bot-user-1", "type": "bot" }, "last_edited_time": server::iso(now),
        "expiry_time": if u.attached { Value::Null } else { json!(server::iso(u.created + 3600)) },
        "status": status, "filename": u.filename, "content_type": u.content_type,
        "content_length": if u.multi_part && u.status == "pending" { u.parts.values().map(Vec::len).sum::<usize>() } else { u.bytes.len() },
        "request_id": server::uuid() });
    v[if new_version { "in_trash" } else { "archived" }] = json!(false);
    if u.status == "pending" {
        v["upload_url"] = json!(format!(
            "https://api.notion.com/v1/file_uploads/{}/send",
            u.id
        ));
    }
    if u.multi_part {
        v["number_of_parts"] = json!({ "total": u.parts_total, "sent": u.parts.len() });
    }
    v
}

pub(crate) fn create_upload(
    st: &mut NotionState,
    body: &[u8],
    now: i64,
    new_version: bool,
) -> Resp {
    let req: CreateUpload = match serde_json::from_slice(if body.is_empty() { b"{}" } else { body })
    {
        Ok(r) => r,
        Err(e) => {
            return invalid(e);
        }
    };
    let mode = req.mode.as_deref().unwrap_or("single_part");
    let multi = match mode {
        "single_part" => false,
        "multi_part" => true,
        "external_url" => {
            return err(
                StatusCode::BAD_REQUEST,
                "validation_error",
                "external_url mode is not supported by this fake.",
            );
        }
        _ => {
            return err(
                StatusCode::BAD_REQUEST,
                "validation_error",
                "body failed validation: body.mode should be one of single_part, multi_part, external_url.",
            );
        }
    };
    if let Some(f) = &req.filename
        && f.len() > 900
    {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "body failed validation: body.filename.length should be ≤ `900`.",
        );
    }
    if multi {
        if req.filename.is_none() {
            return err(
                StatusCode::BAD_REQUEST,
                "validation_error",
                "body failed validation: body.filename should be defined for multi_part.",
            );
        }
        if !(1..=1000).contains(&req.number_of_parts.unwrap_or(0)) {
            return err(
                StatusCode::BAD_REQUEST,
                "validation_error",
                "body failed validation: body.number_of_parts should be between 1 and 1000.",
            );
        }
    } else if req.number_of_parts.is_some() {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "number_of_parts is only allowed for multi_part uploads.",
        );
    }
    let inferred = req.filename.as_deref().and_then(content_type_for);
    let content_type = match (&req.content_type, inferred) {
        (Some(ct), Some(inf)) => {
            let compatible = ct == inf || (inf == "application/mp4" && ct == "video/mp4");
            if !compatible {
                return err(
                    StatusCode::BAD_REQUEST,
                    "validation_error",
                    &format!("content_type `{ct}` does not match the filename extension."),
                );
            }
            Some(ct.clone())
        }
        (Some(ct), None) => Some(ct.clone()),
        (None, inf) => inf.map(str::to_string),
    };
    if req.filename.is_some() && content_type.is_none() {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "filename must have an extension or content_type must be given.",
        );
    }
    let u = Upload {
        id: server::uuid(),
        status: "pending".into(),
        multi_part: multi,
        parts_total: req.number_of_parts.unwrap_or(1),
        parts: BTreeMap::new(),
        bytes: Vec::new(),
        filename: req.filename,
        content_type,
        created: now,
        attached: false,
    };
    let v = upload_json(&u, now, new_version);
    st.uploads.insert(u.id.clone(), u);
    server::json(StatusCode::OK, &v, &[])
}

pub(crate) fn send(
    st: &mut NotionState,
    id: &str,
    headers: &hyper::HeaderMap,
    body: &[u8],
    now: i64,
    new_version: bool,
) -> Resp {
    let ct = headers.get("content-type").and_then(|v| v.to_str().ok());
    let Some(boundary) = multipart::boundary(ct) else {
        return err(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Content-Type must be multipart/form-data with a boundary.",
        );
    };
    let parts = match multipart::parse(body, &boundary) {
        Ok(p) => p,
        Err(e) => {
            return err(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("Malformed multipart body: {e}"),
            );
        }
    };
    if let Some(unknown) = parts
        .iter()
        .find(|p| p.name != "file" && p.name != "part_number")
    {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            &format!("body failed validation: unknown field `{}`.", unknown.name),
        );
    }
    let Some(file) = parts.iter().find(|p| p.name == "file") else {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "body failed validation: body.file should be defined.",
        );
    };
    let part_number = parts
        .iter()
        .find(|p| p.name == "part_number")
        .map(|p| String::from_utf8_lossy(&p.data).into_owned());
    let limit = st.max_file_bytes;
    let Some(u) = st.uploads.get_mut(id) else {
        return err(
            StatusCode::NOT_FOUND,
            "object_not_found",
            &format!("Could not find file_upload with ID: {id}."),
        );
    };
    if !u.attached && now > u.created + 3600 {
        u.status = "expired".into();
    }
    if u.status != "pending" {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            &format!(
                "File upload is in status `{}` and cannot be sent to.",
                u.status
            ),
        );
    }
    if file.data.len() > SEND_MAX_BYTES {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "The file is larger than the 20 MB limit for a single send: use multi_part.",
        );
    }
    if u.filename.is_none() {
        u.filename = file.filename.clone();
        u.content_type = file.content_type.clone().or_else(|| {
            file.filename
                .as_deref()
                .and_then(content_type_for)
                .map(str::to_string)
        });
    }
    if u.multi_part {
        let Some(n) = part_number.and_then(|p| p.parse::<u32>().ok()) else {
            return err(
                StatusCode::BAD_REQUEST,
                "validation_error",
                "body failed validation: part_number should be defined for multi_part uploads.",
            );
        };
        if !(1..=u.parts_total).contains(&n) {
            return err(
                StatusCode::BAD_REQUEST,
                "validation_error",
                "part_number is out of range.",
            );
        }
        if n < u.parts_total && file.data.len() < PART_MIN_BYTES {
            return err(
                StatusCode::BAD_REQUEST,
                "validation_error",
                "Each part except the last must be at least 5 MB.",
            );
        }
        u.parts.insert(n, file.data.clone());
        let total: usize = u.parts.values().map(Vec::len).sum();
        if total as u64 > limit {
            return err(
                StatusCode::BAD_REQUEST,
                "validation_error",
                "The file size exceeds the workspace's file upload size limit.",
            );
        }
    } else {
        if part_number.is_some() {
            return err(
                StatusCode::BAD_REQUEST,
                "validation_error",
                "part_number is only allowed for multi_part uploads.",
            );
        }
        if file.data.len() as u64 > limit {
            return err(
                StatusCode::BAD_REQUEST,
                "validation_error",
                &format!(
                    "The file size exceeds the workspace's file upload size limit of {limit} bytes."
                ),
            );
        }
        u.bytes = file.data.clone();
        u.status = "uploaded".into();
    }
    server::json(StatusCode::OK, &upload_json(u, now, new_version), &[])
}

pub(crate) fn complete(st: &mut NotionState, id: &str, now: i64, new_version: bool) -> Resp {
    let limit = st.max_file_bytes;
    let Some(u) = st.uploads.get_mut(id) else {
        return err(
            StatusCode::NOT_FOUND,
            "object_not_found",
            &format!("Could not find file_upload with ID: {id}."),
        );
    };
    if !u.multi_part {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "Only multi_part uploads can be completed.",
        );
    }
    if u.status != "pending" {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            &format!("File upload is in status `{}`.", u.status),
        );
    }
    if u.parts.len() as u32 != u.parts_total {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "Not all parts have been sent.",
        );
    }
    let bytes: Vec<u8> = u.parts.values().flatten().copied().collect();
    if bytes.len() as u64 > limit {
        return err(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "The file size exceeds the workspace's file upload size limit.",
        );
    }
    u.bytes = bytes;
    u.status = "uploaded".into();
    server::json(StatusCode::OK, &upload_json(u, now, new_version), &[])
}

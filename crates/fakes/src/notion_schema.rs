//! Request bodies the Notion fake accepts, mirroring the OpenAPI documents
//! (`notion-openapi.json`, `notion-file-uploads.yaml`): unknown fields are refused, so a
//! misspelt field name fails the way the real API's `validation_error` does.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUpload {
    pub mode: Option<String>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub number_of_parts: Option<u32>,
    pub external_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppendChildren {
    pub children: Vec<BlockIn>,
    /// Up to 2025-09-03.
    pub after: Option<String>,
    /// From 2026-03-11.
    pub position: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockIn {
    pub object: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub paragraph: Option<TextBlock>,
    pub heading_1: Option<TextBlock>,
    pub heading_2: Option<TextBlock>,
    pub heading_3: Option<TextBlock>,
    pub bulleted_list_item: Option<TextBlock>,
    pub numbered_list_item: Option<TextBlock>,
    pub to_do: Option<TextBlock>,
    pub quote: Option<TextBlock>,
    pub video: Option<FileBlock>,
    pub divider: Option<serde_json::Value>,
    pub toggle: Option<ToggleBlock>,
}

impl BlockIn {
    /// The block's type: `type` when given, otherwise the one body present.
    pub fn kind(&self) -> Result<&'static str, String> {
        let present: Vec<&'static str> = [
            ("paragraph", self.paragraph.is_some()),
            ("heading_1", self.heading_1.is_some()),
            ("heading_2", self.heading_2.is_some()),
            ("heading_3", self.heading_3.is_some()),
            ("bulleted_list_item", self.bulleted_list_item.is_some()),
            ("numbered_list_item", self.numbered_list_item.is_some()),
            ("to_do", self.to_do.is_some()),
            ("quote", self.quote.is_some()),
            ("video", self.video.is_some()),
            ("divider", self.divider.is_some()),
            ("toggle", self.toggle.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, p)| p.then_some(k))
        .collect();
        match (present.as_slice(), self.kind.as_deref()) {
            ([one], None) => Ok(one),
            ([one], Some(t)) if t == *one => Ok(one),
            ([one], Some(t)) => Err(format!(
                "body.children[].type is `{t}` but the block body is `{one}`"
            )),
            _ => Err("body.children[] should have exactly one block type body".into()),
        }
    }

    pub fn text(&self) -> Option<&TextBlock> {
        [
            &self.paragraph,
            &self.heading_1,
            &self.heading_2,
            &self.heading_3,
            &self.bulleted_list_item,
            &self.numbered_list_item,
            &self.to_do,
            &self.quote,
        ]
        .into_iter()
        .find_map(Option::as_ref)
    }
}

#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct TextBlock {
    pub rich_text: Vec<RichText>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_toggleable: Option<bool>,
}

/// A toggle: its title's rich text and, in the same request, its children (the notion-sdk-js
/// request type `toggle: { rich_text, color?, children? }`; CONTRACTS.md §1.4 lists `toggle`
/// among the text blocks, and §1.5 allows two levels of nesting per request).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToggleBlock {
    pub rich_text: Vec<RichText>,
    pub color: Option<String>,
    pub children: Option<Vec<BlockIn>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileBlock {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub file_upload: Option<IdRef>,
    pub external: Option<UrlRef>,
    pub caption: Option<Vec<RichText>>,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdRef {
    pub id: String,
}

#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct UrlRef {
    pub url: String,
}

#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RichText {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub text: TextContent,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
}

#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct TextContent {
    pub content: String,
    /// An object or null; the string "null" is refused as in the real API.
    pub link: Option<UrlRef>,
}

#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Annotations {
    pub bold: Option<bool>,
    pub italic: Option<bool>,
    pub strikethrough: Option<bool>,
    pub underline: Option<bool>,
    pub code: Option<bool>,
    pub color: Option<String>,
}

/// Checks Notion's size limits on rich text; `Err` is the validation message.
pub fn check_rich_text(path: &str, runs: &[RichText]) -> Result<(), String> {
    if runs.len() > 100 {
        return Err(format!(
            "body failed validation: {path}.rich_text.length should be ≤ `100`, instead was `{}`.",
            runs.len()
        ));
    }
    for (i, r) in runs.iter().enumerate() {
        let n = r.text.content.chars().count();
        if n > 2000 {
            return Err(format!(
                "body failed validation: {path}.rich_text[{i}].text.content.length should be ≤ `2000`, instead was `{n}`."
            ));
        }
        if let Some(link) = &r.text.link
            && (!(link.url.starts_with("http://") || link.url.starts_with("https://"))
                || link.url.len() > 2000)
        {
            return Err(format!(
                "body failed validation: {path}.rich_text[{i}].text.link.url is not a valid URL."
            ));
        }
    }
    Ok(())
}

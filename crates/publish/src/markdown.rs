//! The summary's light markdown: paragraphs, `-` bullets, `1.` lists, `[ ]`/`[x]` to-dos,
//! `**bold**`, `*italic*`, `` `code` ``, `[text](url)`. Parsed once into plain data, then
//! rendered as Notion blocks ([`to_notion_blocks`]) or a ClickUp rich comment ([`to_clickup_ops`]).

use serde_json::{Value, json};

/// One styled run of text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Span {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
    pub code: bool,
    pub link: Option<String>,
}

/// One line-level element of the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<Span>),
    Bullet(Vec<Span>),
    Numbered(Vec<Span>),
    Todo { checked: bool, spans: Vec<Span> },
}

/// Notion's caps: characters per text run and items per rich-text array.
pub const NOTION_MAX_RUN_CHARS: usize = 2000;
pub const NOTION_MAX_RICH_TEXT: usize = 100;

/// Parses the summary into blocks.
pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !para.is_empty() {
            blocks.push(Block::Paragraph(inline(&para.join("\n"))));
            para.clear();
        }
    };
    for raw in text.lines() {
        let line = raw.trim_end();
        let t = line.trim_start();
        if t.is_empty() {
            flush(&mut para, &mut blocks);
            continue;
        }
        let item = t.strip_prefix("- ").or_else(|| t.strip_prefix("* "));
        let todo_body = item.unwrap_or(t);
        let todo = if let Some(rest) = todo_body.strip_prefix("[ ] ") {
            Some((false, rest))
        } else {
            todo_body
                .strip_prefix("[x] ")
                .or_else(|| todo_body.strip_prefix("[X] "))
                .map(|rest| (true, rest))
        };
        if let Some((checked, rest)) = todo {
            flush(&mut para, &mut blocks);
            blocks.push(Block::Todo {
                checked,
                spans: inline(rest),
            });
        } else if let Some(rest) = item {
            flush(&mut para, &mut blocks);
            blocks.push(Block::Bullet(inline(rest)));
        } else if let Some(rest) = numbered(t) {
            flush(&mut para, &mut blocks);
            blocks.push(Block::Numbered(inline(rest)));
        } else {
            para.push(t);
        }
    }
    flush(&mut para, &mut blocks);
    blocks
}

fn numbered(t: &str) -> Option<&str> {
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    t[digits..]
        .strip_prefix(". ")
        .or_else(|| t[digits..].strip_prefix(") "))
}

/// Parses inline styling. Unclosed markers stay literal text.
pub fn inline(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    parse_inline(text, &Span::default(), &mut out);
    // Merge neighbours with the same style.
    let mut merged: Vec<Span> = Vec::with_capacity(out.len());
    for s in out {
        match merged.last_mut() {
            Some(last) if same_style(last, &s) => last.text.push_str(&s.text),
            _ if s.text.is_empty() => {}
            _ => merged.push(s),
        }
    }
    merged
}

fn same_style(a: &Span, b: &Span) -> bool {
    a.bold == b.bold && a.italic == b.italic && a.code == b.code && a.link == b.link
}

fn parse_inline(text: &str, style: &Span, out: &mut Vec<Span>) {
    let mut plain = String::new();
    let mut i = 0;
    let emit = |plain: &mut String, out: &mut Vec<Span>| {
        if !plain.is_empty() {
            out.push(Span {
                text: std::mem::take(plain),
                ..style.clone()
            });
        }
    };
    while i < text.len() {
        let rest = &text[i..];
        if let Some(after) = rest.strip_prefix('`') {
            if let Some(end) = after.find('`') {
                emit(&mut plain, out);
                out.push(Span {
                    text: after[..end].to_string(),
                    code: true,
                    ..style.clone()
                });
                i += 1 + end + 1;
                continue;
            }
        } else if let Some(after) = rest.strip_prefix("**") {
            if let Some(end) = after.find("**").filter(|e| *e > 0) {
                emit(&mut plain, out);
                let inner = Span {
                    bold: true,
                    ..style.clone()
                };
                parse_inline(&after[..end], &inner, out);
                i += 2 + end + 2;
                continue;
            }
        } else if let Some(after) = rest.strip_prefix('*') {
            if let Some(end) = find_single_star(after) {
                emit(&mut plain, out);
                let inner = Span {
                    italic: true,
                    ..style.clone()
                };
                parse_inline(&after[..end], &inner, out);
                i += 1 + end + 1;
                continue;
            }
        } else if let Some(after) = rest.strip_prefix('[')
            && let Some(close) = after.find("](")
            && let Some(url_end) = after[close + 2..].find(')')
        {
            let label = &after[..close];
            let url = after[close + 2..close + 2 + url_end].trim();
            if !label.is_empty() && (url.starts_with("https://") || url.starts_with("http://")) {
                emit(&mut plain, out);
                let inner = Span {
                    link: Some(url.to_string()),
                    ..style.clone()
                };
                parse_inline(label, &inner, out);
                i += 1 + close + 2 + url_end + 1;
                continue;
            }
        }
        let ch = rest.chars().next().unwrap_or(' ');
        plain.push(ch);
        i += ch.len_utf8();
    }
    emit(&mut plain, out);
}

fn find_single_star(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (1..b.len())
        .find(|&k| b[k] == b'*' && b.get(k + 1) != Some(&b'*') && (k == 0 || b[k - 1] != b'*'))
}

/// The summary as plain text (markers removed), for sidecars and previews.
pub fn plain_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for (n, b) in blocks.iter().enumerate() {
        let (prefix, spans) = match b {
            Block::Paragraph(s) => (String::new(), s),
            Block::Bullet(s) => ("• ".to_string(), s),
            Block::Numbered(s) => (format!("{}. ", n + 1), s),
            Block::Todo { checked, spans } => {
                ((if *checked { "☑ " } else { "☐ " }).to_string(), spans)
            }
        };
        out.push_str(&prefix);
        for s in spans {
            out.push_str(&s.text);
        }
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------- Notion

/// Rich-text items for Notion, each run at most 2,000 characters.
pub fn notion_rich_text(spans: &[Span]) -> Vec<Value> {
    let mut items = Vec::new();
    for s in spans {
        for chunk in chunk_chars(&s.text, NOTION_MAX_RUN_CHARS) {
            let mut text = json!({ "content": chunk });
            if let Some(url) = &s.link {
                text["link"] = json!({ "url": url });
            }
            items.push(json!({
                "type": "text",
                "text": text,
                "annotations": {
                    "bold": s.bold, "italic": s.italic, "strikethrough": false,
                    "underline": false, "code": s.code, "color": "default"
                }
            }));
        }
    }
    items
}

fn chunk_chars(s: &str, max: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars.chunks(max).map(|c| c.iter().collect()).collect()
}

/// A Notion text block of `kind` with rich text (split into several blocks past 100 items).
pub fn notion_text_blocks(kind: &str, spans: &[Span], extra: Option<(&str, Value)>) -> Vec<Value> {
    let items = notion_rich_text(spans);
    items
        .chunks(NOTION_MAX_RICH_TEXT)
        .map(|chunk| {
            let mut body = json!({ "rich_text": chunk });
            if let Some((k, v)) = &extra {
                body[*k] = v.clone();
            }
            json!({ "object": "block", "type": kind, kind: body })
        })
        .collect()
}

/// The summary as Notion blocks (paragraph, bulleted/numbered list item, to-do).
pub fn to_notion_blocks(blocks: &[Block]) -> Vec<Value> {
    let mut out = Vec::new();
    for b in blocks {
        match b {
            Block::Paragraph(s) => out.extend(notion_text_blocks("paragraph", s, None)),
            Block::Bullet(s) => out.extend(notion_text_blocks("bulleted_list_item", s, None)),
            Block::Numbered(s) => out.extend(notion_text_blocks("numbered_list_item", s, None)),
            Block::Todo { checked, spans } => out.extend(notion_text_blocks(
                "to_do",
                spans,
                Some(("checked", json!(checked))),
            )),
        }
    }
    out
}

// ---------------------------------------------------------------- ClickUp

/// One styled run as a ClickUp comment op.
pub fn clickup_op(s: &Span) -> Value {
    let mut attrs = serde_json::Map::new();
    if s.bold {
        attrs.insert("bold".into(), json!(true));
    }
    if s.italic {
        attrs.insert("italic".into(), json!(true));
    }
    if s.code {
        attrs.insert("code".into(), json!(true));
    }
    if let Some(url) = &s.link {
        attrs.insert("link".into(), json!(url));
    }
    if attrs.is_empty() {
        json!({ "text": s.text })
    } else {
        json!({ "text": s.text, "attributes": attrs })
    }
}

/// The summary as ClickUp's rich `comment` array: line formats ride on the trailing `"\n"`.
pub fn to_clickup_ops(blocks: &[Block]) -> Vec<Value> {
    let mut ops = Vec::new();
    for b in blocks {
        let (spans, list) = match b {
            Block::Paragraph(s) => (s, None),
            Block::Bullet(s) => (s, Some("bullet")),
            Block::Numbered(s) => (s, Some("ordered")),
            Block::Todo { checked, spans } => {
                (spans, Some(if *checked { "checked" } else { "unchecked" }))
            }
        };
        ops.extend(spans.iter().map(clickup_op));
        match list {
            Some(kind) => {
                ops.push(json!({ "text": "\n", "attributes": { "list": { "list": kind } } }))
            }
            None => ops.push(json!({ "text": "\n" })),
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: &str) -> Span {
        Span {
            text: text.into(),
            ..Span::default()
        }
    }

    #[test]
    fn the_template_parses_into_blocks() {
        let md = "Context: the **login** bug\nsecond line\n\n- fixed *token* refresh\n- see [PR](https://example.test/pr/1)\n1. ship `v2`\n[ ] tell QA\n- [x] write tests\n";
        let blocks = parse(md);
        assert_eq!(blocks.len(), 6, "{blocks:#?}");
        assert_eq!(
            blocks[0],
            Block::Paragraph(vec![
                span("Context: the "),
                Span {
                    bold: true,
                    ..span("login")
                },
                span(" bug\nsecond line"),
            ])
        );
        assert_eq!(
            blocks[1],
            Block::Bullet(vec![
                span("fixed "),
                Span {
                    italic: true,
                    ..span("token")
                },
                span(" refresh")
            ])
        );
        assert_eq!(
            blocks[2],
            Block::Bullet(vec![
                span("see "),
                Span {
                    link: Some("https://example.test/pr/1".into()),
                    ..span("PR")
                }
            ])
        );
        assert_eq!(
            blocks[3],
            Block::Numbered(vec![
                span("ship "),
                Span {
                    code: true,
                    ..span("v2")
                }
            ])
        );
        assert_eq!(
            blocks[4],
            Block::Todo {
                checked: false,
                spans: vec![span("tell QA")]
            }
        );
        assert!(matches!(blocks[5], Block::Todo { checked: true, .. }));
    }

    #[test]
    fn unclosed_markers_stay_literal() {
        assert_eq!(inline("2 * 3 and **open"), vec![span("2 * 3 and **open")]);
        assert_eq!(inline("[x](not a url)"), vec![span("[x](not a url)")]);
    }

    #[test]
    fn notion_runs_respect_2000_chars_and_100_items() {
        let long = "a".repeat(4500);
        let blocks = to_notion_blocks(&parse(&long));
        let runs = blocks[0]["paragraph"]["rich_text"].as_array().unwrap();
        assert_eq!(runs.len(), 3);
        assert!(
            runs.iter()
                .all(|r| r["text"]["content"].as_str().unwrap().chars().count() <= 2000)
        );

        let many: String = (0..150).map(|i| format!("**b{i}** x ")).collect();
        let blocks = to_notion_blocks(&parse(&many));
        assert!(blocks.len() >= 3, "300 runs become several blocks");
        for b in &blocks {
            assert!(b["paragraph"]["rich_text"].as_array().unwrap().len() <= 100);
        }
    }

    #[test]
    fn clickup_ops_carry_list_formats_on_the_newline() {
        let ops = to_clickup_ops(&parse("- **a** b\n1. c"));
        assert_eq!(ops[0], json!({"text": "a", "attributes": {"bold": true}}));
        assert_eq!(
            ops[2],
            json!({"text": "\n", "attributes": {"list": {"list": "bullet"}}})
        );
        assert_eq!(
            ops[4],
            json!({"text": "\n", "attributes": {"list": {"list": "ordered"}}})
        );
    }
}

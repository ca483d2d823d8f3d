//! A strict `multipart/form-data` reader: the boundary must be in `Content-Type`, every part
//! needs a `Content-Disposition: form-data; name=…`.

/// One form field.
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// The boundary from a `Content-Type` header, if it is multipart/form-data with one.
pub fn boundary(content_type: Option<&str>) -> Option<String> {
    let ct = content_type?;
    let mut pieces = ct.split(';').map(str::trim);
    if !pieces.next()?.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    pieces
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
        .filter(|b| !b.is_empty())
}

/// Parses the body; `Err` says what is malformed.
pub fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delim = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut pos = find(body, &delim, 0).ok_or("no boundary in the body")?;
    loop {
        pos += delim.len();
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        if !body[pos..].starts_with(b"\r\n") {
            return Err("boundary not followed by CRLF".into());
        }
        pos += 2;
        let head_end = find(body, b"\r\n\r\n", pos).ok_or("part headers not terminated")?;
        let head = String::from_utf8_lossy(&body[pos..head_end]).into_owned();
        let data_start = head_end + 4;
        let mut next_delim = b"\r\n".to_vec();
        next_delim.extend_from_slice(&delim);
        let data_end =
            find(body, &next_delim, data_start).ok_or("part not terminated by the boundary")?;
        let mut name = None;
        let mut filename = None;
        let mut content_type = None;
        for line in head.split("\r\n") {
            let (k, v) = line.split_once(':').ok_or("malformed part header")?;
            let k = k.trim().to_ascii_lowercase();
            if k == "content-disposition" {
                let mut fields = v.split(';').map(str::trim);
                if fields.next() != Some("form-data") {
                    return Err("part is not form-data".into());
                }
                for f in fields {
                    if let Some(n) = f.strip_prefix("name=") {
                        name = Some(n.trim_matches('"').to_string());
                    } else if let Some(n) = f.strip_prefix("filename=") {
                        filename = Some(n.trim_matches('"').to_string());
                    }
                }
            } else if k == "content-type" {
                content_type = Some(v.trim().to_string());
            }
        }
        parts.push(Part {
            name: name.ok_or("part without a name")?,
            filename,
            content_type,
            data: body[data_start..data_end].to_vec(),
        });
        pos = data_end + 2;
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_files() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"part_number\"\r\n\r\n2\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp4\"\r\nContent-Type: video/mp4\r\n\r\n\x00\x01\r\n\x02\r\n--XyZ--\r\n";
        let parts = parse(body, "XyZ").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "part_number");
        assert_eq!(parts[0].data, b"2");
        assert_eq!(parts[1].filename.as_deref(), Some("a.mp4"));
        assert_eq!(parts[1].data, b"\x00\x01\r\n\x02");
        assert_eq!(
            boundary(Some("multipart/form-data; boundary=XyZ")).as_deref(),
            Some("XyZ")
        );
        assert_eq!(boundary(Some("multipart/form-data")), None);
    }
}

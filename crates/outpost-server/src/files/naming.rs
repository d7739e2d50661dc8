//! What an uploaded file is called and what it is: the name a client gave, made safe
//! to show and to put in a path and a `Content-Disposition`; the type read from the
//! bytes, never taken from the client.

/// The longest name kept, in bytes (most file systems' limit).
const NAME_MAX_BYTES: usize = 255;

/// `name` without directories, control characters or characters that are special in
/// paths and headers, trimmed of dots and spaces, at most 255 bytes (the extension
/// kept); `file` when nothing is left.
pub fn sanitize_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|' | ';') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() {
        return "file".into();
    }
    if trimmed.len() <= NAME_MAX_BYTES {
        return trimmed.to_owned();
    }
    let (stem, ext) = match trimmed.rfind('.') {
        Some(dot) if trimmed.len() - dot <= 16 => trimmed.split_at(dot),
        _ => (trimmed, ""),
    };
    let mut cut = NAME_MAX_BYTES - ext.len();
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}", &stem[..cut])
}

/// The content type of `bytes` by their signature; UTF-8 text without one is
/// `text/plain`, anything else `application/octet-stream`.
pub fn sniff_mime(bytes: &[u8]) -> String {
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type().to_owned();
    }
    if std::str::from_utf8(bytes).is_ok() {
        "text/plain".into()
    } else {
        "application/octet-stream".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_dropped() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("C:\\Users\\a\\report.pdf"), "report.pdf");
    }

    #[test]
    fn header_and_control_characters_are_replaced() {
        assert_eq!(sanitize_name("a\"b;\r\nc.txt"), "a_b___c.txt");
    }

    #[test]
    fn empty_and_dot_names_become_file() {
        for n in ["", "..", " . ", "/"] {
            assert_eq!(sanitize_name(n), "file", "{n:?}");
        }
    }

    #[test]
    fn long_names_keep_their_extension() {
        let long = format!("{}.pdf", "é".repeat(300));
        let s = sanitize_name(&long);
        assert!(s.len() <= NAME_MAX_BYTES, "{}", s.len());
        assert!(s.ends_with(".pdf"));
    }

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff_mime(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff_mime(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(sniff_mime(b"hello"), "text/plain");
        assert_eq!(
            sniff_mime(&[0xff, 0xfe, 0x00, 0x01, 0x9f]),
            "application/octet-stream"
        );
    }
}

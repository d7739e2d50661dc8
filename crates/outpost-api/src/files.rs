//! Files under `/files/v1` (native API): an upload answers an [`UploadedFile`] whose
//! `url` a message then names in its `attachments`; the same path serves the bytes to
//! whoever may see the message's ticket. The path is written and read here only, so
//! the server, its clients and every API that shows attachments agree on it.

use serde::{Deserialize, Serialize};

/// The prefix of every file path.
pub const FILES_PREFIX: &str = "/files/v1/";

/// A stored file: what an upload answers and what a message's attachment then says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UploadedFile {
    /// The tenant's number for the file (seed 004 shows it as the attachment `id`).
    pub id: i64,
    /// The sanitised file name.
    pub name: String,
    /// The content type, sniffed from the bytes.
    pub mime: String,
    pub size: i64,
    /// Server-relative path of the bytes (`/files/v1/{id}/{name}`); put it in a
    /// message's `attachments[].url` to send the file.
    pub url: String,
}

/// `name` percent-encoded but for unreserved characters (`A-Z a-z 0-9 - . _ ~`): safe
/// in a URL path and as an RFC 5987 `filename*` value.
pub fn percent_encode(name: &str) -> String {
    let mut encoded = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    encoded
}

/// The server-relative path of file `number` named `name`.
pub fn file_path(number: i64, name: &str) -> String {
    format!("{FILES_PREFIX}{number}/{}", percent_encode(name))
}

/// The file number a URL names, when it is a path of this server's file store
/// (relative, or absolute with any origin: the origin a client saw depends on how it
/// reached the server).
pub fn file_number(url: &str) -> Option<i64> {
    let path = match url.find("://") {
        Some(scheme_end) => {
            let rest = &url[scheme_end + 3..];
            &rest[rest.find('/')?..]
        }
        None => url,
    };
    let rest = path.strip_prefix(FILES_PREFIX)?;
    let number = rest.split('/').next()?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) || number.len() > 18 {
        return None;
    }
    number.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_names_its_number() {
        assert_eq!(file_number(&file_path(42, "invoice.pdf")), Some(42));
    }

    #[test]
    fn names_are_percent_encoded() {
        assert_eq!(
            file_path(7, "my file (1).png"),
            "/files/v1/7/my%20file%20%281%29.png"
        );
    }

    #[test]
    fn an_absolute_url_of_any_origin_names_its_number() {
        assert_eq!(
            file_number("https://desk.example.com/files/v1/9/a.txt"),
            Some(9)
        );
    }

    #[test]
    fn other_urls_name_no_file() {
        for url in [
            "https://cdn.example.com/a.png",
            "/files/v1//a.png",
            "/files/v1/x1/a.png",
            "/files/v2/1/a.png",
            "/files/v1/99999999999999999999/a",
            "",
        ] {
            assert_eq!(file_number(url), None, "{url}");
        }
    }
}

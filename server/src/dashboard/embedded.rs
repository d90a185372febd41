//! The dashboard compiled into the binary (`embed-dashboard` feature; `build.rs` writes the
//! table). Each file answers with its content type, an ETag from its SHA-256 (a matching
//! `If-None-Match` gets 304), and its brotli or gzip form when the browser accepts one
//! (brotli first: it is smaller); unknown paths
//! get `index.html` for client-side routes. `Cache-Control` comes from
//! [`crate::headers`] like every other response.

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};

use crate::AppState;

/// One embedded file.
#[derive(Debug)]
pub struct EmbeddedFile {
    /// Its name in `dist/` (no leading slash).
    pub path: &'static str,
    /// Its bytes.
    pub body: &'static [u8],
    /// Its `.gz` sibling, when the build made one.
    pub gzip: Option<&'static [u8]>,
    /// Its `.br` sibling, when the build made one.
    pub brotli: Option<&'static [u8]>,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// `ETag` (quoted).
    pub etag: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/embedded_dashboard.rs"));

/// The file at `path` (no leading slash).
pub fn find(path: &str) -> Option<&'static EmbeddedFile> {
    FILES
        .binary_search_by(|f| f.path.cmp(path))
        .ok()
        .and_then(|i| FILES.get(i))
}

/// Every non-API path.
pub fn router() -> Router<AppState> {
    Router::new().fallback(serve)
}

async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let path = uri.path().trim_start_matches('/');
    let Some(file) = find(path).or_else(|| find("index.html")) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = HeaderValue::from_static(file.etag);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == file.etag || t.trim() == "*")
        })
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let accepted = |encoding: &str| accepts(&headers, encoding);
    let mut builder = Response::builder()
        .header(header::CONTENT_TYPE, file.content_type)
        .header(header::ETAG, etag)
        .header(header::VARY, "accept-encoding");
    let body = match (file.brotli, file.gzip) {
        (Some(br), _) if accepted("br") => {
            builder = builder.header(header::CONTENT_ENCODING, "br");
            br
        }
        (_, Some(gz)) if accepted("gzip") => {
            builder = builder.header(header::CONTENT_ENCODING, "gzip");
            gz
        }
        _ => file.body,
    };
    builder = builder.header(header::CONTENT_LENGTH, body.len());
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(body)
    };
    builder
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Whether `Accept-Encoding` lists `encoding` without refusing it (`;q=0`).
fn accepts(headers: &HeaderMap, encoding: &str) -> bool {
    headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|e| {
                let mut parts = e.split(';');
                let name = parts.next().unwrap_or_default().trim();
                let refused = parts.any(|p| {
                    p.trim()
                        .replace(' ', "")
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                name.eq_ignore_ascii_case(encoding) && !refused
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).expect("ascii"),
        );
        headers
    }

    #[test]
    fn encodings_are_accepted_unless_refused() {
        assert!(accepts(&accept("gzip, deflate, br, zstd"), "br"));
        assert!(accepts(&accept("gzip, deflate, br, zstd"), "gzip"));
        assert!(!accepts(&accept("gzip"), "br"));
        assert!(!accepts(&accept("br;q=0, gzip"), "br"));
        assert!(!accepts(&accept("br; q=0.0"), "br"));
        assert!(accepts(&accept("BR;q=0.5"), "br"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }
}

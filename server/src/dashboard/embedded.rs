//! The dashboard compiled into the binary (`embed-dashboard` feature; `build.rs` writes the
//! table). Each file answers with its content type, an ETag from its SHA-256 (a matching
//! `If-None-Match` gets 304), and its gzip form when the browser accepts gzip; unknown paths
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
    let accepts_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|e| {
                let mut parts = e.split(';');
                let name = parts.next().unwrap_or_default().trim();
                let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
                name.eq_ignore_ascii_case("gzip") && !refused
            })
        });
    let mut builder = Response::builder()
        .header(header::CONTENT_TYPE, file.content_type)
        .header(header::ETAG, etag)
        .header(header::VARY, "accept-encoding");
    let body = match file.gzip {
        Some(gz) if accepts_gzip => {
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

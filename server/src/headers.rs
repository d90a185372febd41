//! Security headers on every response.
//!
//! The CSP allows our own scripts plus `'wasm-unsafe-eval'` (needed to compile WebAssembly),
//! never `'unsafe-eval'` or inline scripts; the page may not be framed. API responses are never
//! cached (they carry wrapped keys and ciphertext); dashboard files are revalidated on each load.

use axum::{
    extract::Request,
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};

/// The Content-Security-Policy for the dashboard and the API.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the headers; `no-store` on `/api`, `no-cache` elsewhere.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let is_api = path == "/api" || path.starts_with("/api/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CSP);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "no-referrer");
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        header::CACHE_CONTROL,
        if is_api { "no-store" } else { "no-cache" },
    );
    response
}

/// `Strict-Transport-Security` for a server that serves TLS itself: browsers then refuse
/// plain HTTP to it for two years (subdomains are left alone: they may be other services).
pub async fn hsts(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=63072000"),
    );
    response
}

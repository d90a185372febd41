//! The direct HTTPS transport to App Store Connect (the CLI's; the dashboard goes through
//! the server's relay instead, as browsers cannot call Apple).
//!
//! The base URL is Apple's, [`signet_core::asc::API_BASE`]; `SIGNET_ASC_API_URL` overrides it
//! only so tests can point at the simulator, and then plain `http://` is allowed for loopback
//! addresses only.

use signet_core::{
    Error, Result,
    asc::{API_BASE, Method, Request, Response, Transport},
};

/// The variable that points the client at another App Store Connect (tests' simulator).
pub const API_URL_VAR: &str = "SIGNET_ASC_API_URL";

/// Answers larger than this are refused (profiles and certificate lists are far smaller).
const MAX_ANSWER: usize = 8 * 1024 * 1024;

/// Talks to App Store Connect over HTTPS.
#[derive(Debug, Clone)]
pub struct DirectTransport {
    base: String,
    http: reqwest::Client,
}

/// Checks an App Store Connect base URL: `https://…`, or `http://` to a loopback address.
pub fn check_base(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"]
        .iter()
        .any(|p| url.starts_with(p));
    if (url.starts_with("https://") || loopback) && !url.contains('?') && !url.contains('#') {
        Ok(url.to_owned())
    } else {
        Err(Error::InvalidInput(format!(
            "{url:?} is not an App Store Connect API URL: use https://… (plain http only to a \
             loopback address, for a local simulator)"
        )))
    }
}

impl DirectTransport {
    /// Apple's API, or `SIGNET_ASC_API_URL` when set.
    pub fn from_env() -> Result<Self> {
        let base = match std::env::var(API_URL_VAR) {
            Ok(url) if !url.trim().is_empty() => check_base(&url)?,
            _ => API_BASE.to_owned(),
        };
        Ok(Self::new(&base))
    }

    /// A transport to `base` (already checked).
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(15))
            .timeout(std::time::Duration::from_secs(120))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
        }
    }

    /// Where requests go.
    pub fn base(&self) -> &str {
        &self.base
    }
}

impl Transport for DirectTransport {
    async fn send(&self, request: &Request, token: &str) -> Result<Response> {
        if !signet_core::asc::request::is_api_path(&request.path) {
            return Err(Error::InvalidInput(format!(
                "{} is not an App Store Connect API path",
                request.path
            )));
        }
        let url = format!("{}{}", self.base, request.path);
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self.http.request(method, &url).bearer_auth(token);
        if let Some(body) = &request.body {
            builder = builder
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let unreachable = |e: reqwest::Error| {
            Error::AscUnreachable(format!(
                "{} ({}); check this machine's network and try again",
                self.base,
                e.without_url()
            ))
        };
        let mut answer = builder.send().await.map_err(unreachable)?;
        let status = answer.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = answer.chunk().await.map_err(unreachable)? {
            if body.len() + chunk.len() > MAX_ANSWER {
                return Err(Error::AscUnreachable(format!(
                    "{} sent an answer larger than {MAX_ANSWER} bytes; refusing it",
                    self.base
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_bases_are_accepted() {
        assert!(check_base("https://api.appstoreconnect.apple.com/").is_ok());
        assert!(check_base("http://127.0.0.1:4000").is_ok());
        assert!(check_base("http://evil.example").is_err());
        assert!(check_base("http://127.0.0.1.evil.example").is_err());
        assert!(check_base("ftp://x").is_err());
    }
}

//! How a request reaches the server: the one thing that differs between the CLI and the
//! dashboard. [`Api`](crate::Api) builds every request (URL, headers, JSON) and reads every
//! answer (status, error body, size cap); a [`Transport`] only moves bytes.
//!
//! - natively, [`Native`]: reqwest, bounded timeouts, HTTPS through rustls with the `tls`
//!   feature;
//! - in the browser (wasm32), [`Browser`]: the page's `fetch`, same origin, so the
//!   `__Host-` session cookie goes along (this code never reads it).
//!
//! [`Platform`] is the one for the target this crate is compiled for.

use std::future::Future;

/// An HTTP method the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// Its name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// A request, ready to send.
pub struct Request {
    /// The method.
    pub method: Method,
    /// The full URL.
    pub url: String,
    /// Headers (name, value); may carry a bearer token.
    pub headers: Vec<(&'static str, String)>,
    /// A JSON body.
    pub body: Option<Vec<u8>>,
    /// The most bytes of answer to read; past it the transport stops with
    /// [`TransportError::TooLarge`].
    pub cap: usize,
}

impl core::fmt::Debug for Request {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Headers may carry a token and bodies wrapped keys: neither is printed.
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// An answer: its status and body.
#[derive(Debug)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// The body (at most the request's cap).
    pub body: Vec<u8>,
}

/// Why bytes did not move.
#[derive(Debug)]
pub enum TransportError {
    /// The server could not be reached or the connection broke (with the causes).
    Network(String),
    /// The answer is larger than the request's cap.
    TooLarge,
}

/// Moves one request and its answer.
pub trait Transport {
    /// Sends `request` and reads its answer (at most `request.cap` bytes).
    fn send(&self, request: Request) -> impl Future<Output = Result<Response, TransportError>>;

    /// Lets the host breathe between long local steps (a browser paints the progress it was
    /// just told about); natively, nothing.
    fn breathe(&self) -> impl Future<Output = ()> {
        async {}
    }
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub use native::Native as Platform;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub use browser::Browser as Platform;

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub use native::Native;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub use browser::Browser;

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
mod native {
    use super::{Request, Response, Transport, TransportError};

    /// reqwest, with bounded waits so a CLI on CI fails with a message instead of hanging on
    /// a server that accepted the connection and never answers.
    #[derive(Debug, Clone)]
    pub struct Native {
        http: reqwest::Client,
    }

    impl Default for Native {
        fn default() -> Self {
            let http = reqwest::Client::builder()
                .connect_timeout(std::time::Duration::from_secs(15))
                .timeout(std::time::Duration::from_secs(300))
                .build()
                .unwrap_or_default();
            Self { http }
        }
    }

    /// A transport error with its causes ("connection refused", "invalid peer certificate:
    /// UnknownIssuer"): reqwest's own message alone does not say what went wrong.
    fn network(error: &reqwest::Error) -> TransportError {
        let mut reason = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !reason.contains(&text) {
                reason.push_str(": ");
                reason.push_str(&text);
            }
            source = cause.source();
        }
        TransportError::Network(reason)
    }

    impl Transport for Native {
        async fn send(&self, request: Request) -> Result<Response, TransportError> {
            let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
                .map_err(|e| TransportError::Network(e.to_string()))?;
            let mut builder = self.http.request(method, &request.url);
            for (name, value) in &request.headers {
                builder = builder.header(*name, value);
            }
            if let Some(body) = request.body {
                builder = builder
                    .header("content-type", "application/json")
                    .body(body);
            }
            let mut response = builder.send().await.map_err(|e| network(&e))?;
            if response
                .content_length()
                .is_some_and(|n| n > request.cap as u64)
            {
                return Err(TransportError::TooLarge);
            }
            let status = response.status().as_u16();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| network(&e))? {
                if body.len() + chunk.len() > request.cap {
                    return Err(TransportError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Response { status, body })
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod browser {
    use super::{Method, Request, Response, Transport, TransportError};

    /// The page's `fetch`, same origin.
    #[derive(Debug, Clone, Default)]
    pub struct Browser(());

    impl Transport for Browser {
        async fn send(&self, request: Request) -> Result<Response, TransportError> {
            use gloo_net::http::Request as Fetch;
            let mut builder = match request.method {
                Method::Get => Fetch::get(&request.url),
                Method::Post => Fetch::post(&request.url),
                Method::Put => Fetch::put(&request.url),
                Method::Patch => Fetch::patch(&request.url),
                Method::Delete => Fetch::delete(&request.url),
            };
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            let network = |e: gloo_net::Error| TransportError::Network(e.to_string());
            let response = match request.body {
                Some(body) => {
                    let text = String::from_utf8(body)
                        .map_err(|e| TransportError::Network(e.to_string()))?;
                    builder
                        .header("content-type", "application/json")
                        .body(text)
                        .map_err(network)?
                        .send()
                        .await
                }
                None => builder.send().await,
            }
            .map_err(network)?;
            let status = response.status();
            let body = response.binary().await.map_err(network)?;
            if body.len() > request.cap {
                return Err(TransportError::TooLarge);
            }
            Ok(Response { status, body })
        }

        async fn breathe(&self) {
            gloo_timers::future::TimeoutFuture::new(20).await;
        }
    }
}

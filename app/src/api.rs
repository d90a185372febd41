//! The server's API, as the dashboard sees it. The only module that knows URLs.

use gloo_net::http::{Request, Response};
use signet_core::wire::{ErrorBody, Health};

/// A failed call, phrased for the person looking at the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError(pub String);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

async fn json<T: serde::de::DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        return response
            .json::<T>()
            .await
            .map_err(|e| ApiError(format!("the server sent an unexpected answer: {e}")));
    }
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiError(body.error.message)),
        Err(_) => Err(ApiError(format!("the server answered HTTP {status}"))),
    }
}

/// `GET /api/health`.
pub async fn health() -> Result<Health, ApiError> {
    let response = Request::get("/api/health")
        .send()
        .await
        .map_err(|e| ApiError(format!("cannot reach the Signet server: {e}")))?;
    json(response).await
}

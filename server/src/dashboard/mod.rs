//! Serving the built dashboard: from a `dist/` directory (development, `--dist`), or from the
//! copy embedded in the binary at build time (the `embed-dashboard` feature, what `cargo
//! xtask release` builds), so an installed `signet serve` needs no file beside it.
//!
//! Either way files are served with precompressed `.br` or `.gz` siblings when the browser
//! accepts brotli or gzip (brotli first), and any other non-API path gets `index.html`, so client-side routes survive a reload.
//! Asset URLs carry the build's hash (`?v=…`, from `cargo xtask dist`): [`Source::build_id`]
//! reports it in `/api/health` and `signet --version`.

mod embedded;

use std::path::{Path, PathBuf};

use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

use crate::{AppState, ServerError};

/// Where the dashboard's files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A directory made by `cargo xtask dist`.
    Dir(PathBuf),
    /// The copy compiled into this binary.
    Embedded,
}

/// Whether this binary carries the dashboard (built with the `embed-dashboard` feature).
pub fn is_embedded() -> bool {
    !embedded::FILES.is_empty()
}

impl Source {
    /// The embedded copy when this binary has one, else `dist` (the development default).
    pub fn default_for(dist: Option<PathBuf>) -> Self {
        match dist {
            Some(dir) => Self::Dir(dir),
            None if is_embedded() => Self::Embedded,
            None => Self::Dir(PathBuf::from("./dist")),
        }
    }

    /// Refuses to start without a dashboard, naming the command that builds it.
    pub fn check(&self) -> Result<(), ServerError> {
        match self {
            Self::Dir(dir) => check_dist(dir),
            Self::Embedded if is_embedded() => Ok(()),
            Self::Embedded => Err(ServerError::MissingDist {
                path: "(this binary was built without the embedded dashboard)".into(),
            }),
        }
    }

    /// The build's hash: the `?v=` that `index.html`'s asset URLs carry (`None` when the
    /// index has none, or the directory cannot be read).
    pub fn build_id(&self) -> Option<String> {
        let index = match self {
            Self::Dir(dir) => std::fs::read(dir.join("index.html")).ok()?,
            Self::Embedded => embedded::find("index.html")?.body.to_vec(),
        };
        build_id_of(&index)
    }

    /// `dir` for a directory, `embedded` otherwise (for logs).
    pub fn describe(&self) -> String {
        match self {
            Self::Dir(dir) => dir.display().to_string(),
            Self::Embedded => "embedded in this binary".into(),
        }
    }

    /// The dashboard's routes.
    pub fn router(&self) -> Router<AppState> {
        match self {
            Self::Dir(dir) => router(dir),
            Self::Embedded => embedded::router(),
        }
    }
}

/// The `v=` value of the first versioned asset URL in an `index.html`.
fn build_id_of(index: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(index).ok()?;
    let start = text.find("?v=")? + 3;
    let id: String = text[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    (!id.is_empty()).then_some(id)
}

/// Refuses to start without a built dashboard, naming the command that builds it.
pub fn check_dist(dist: &Path) -> Result<(), ServerError> {
    if dist.join("index.html").is_file() {
        Ok(())
    } else {
        Err(ServerError::MissingDist {
            path: dist.display().to_string(),
        })
    }
}

/// The static files of `dist`, with `index.html` as the fallback for client-side routes.
pub fn router(dist: &Path) -> Router<AppState> {
    let index = ServeFile::new(dist.join("index.html"));
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index);
    Router::new().fallback_service(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_id_is_the_asset_version() {
        let index = br#"<link rel="stylesheet" href="/signet.css?v=c1c5974349b3">"#;
        assert_eq!(build_id_of(index).as_deref(), Some("c1c5974349b3"));
        assert_eq!(build_id_of(b"<html></html>"), None);
    }
}

//! With the `embed-dashboard` feature: embeds the built dashboard (`dist/`, or the directory
//! in `SIGNET_EMBED_DIST`) into the binary, so `signet serve` needs no file beside it.
//!
//! Writes `$OUT_DIR/embedded_dashboard.rs`: one entry per file with its bytes, its `.gz`
//! sibling when there is one, its content type and an ETag from its SHA-256. Without the
//! feature it writes an empty table and reads nothing.

use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
};

use sha2::{Digest, Sha256};

fn main() {
    println!("cargo:rerun-if-env-changed=SIGNET_EMBED_DIST");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = out.join("embedded_dashboard.rs");
    if std::env::var_os("CARGO_FEATURE_EMBED_DASHBOARD").is_none() {
        std::fs::write(
            &target,
            "/// Nothing embedded.\npub static FILES: &[EmbeddedFile] = &[];\n",
        )
        .expect("write the empty table");
        return;
    }
    let dist = std::env::var_os("SIGNET_EMBED_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"))
                .join("../dist")
        });
    println!("cargo:rerun-if-changed={}", dist.display());
    if !dist.join("index.html").is_file() {
        panic!(
            "the embed-dashboard feature needs the built dashboard in {} (index.html missing): \
             run `cargo xtask release`, which builds it first, or `cargo xtask dist`",
            dist.display()
        );
    }
    let mut names: Vec<String> = std::fs::read_dir(&dist)
        .expect("read the dashboard directory")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.ends_with(".gz") && !n.ends_with(".br"))
        .collect();
    names.sort();
    let mut code = String::from(
        "/// The dashboard's files, sorted by path.\npub static FILES: &[EmbeddedFile] = &[\n",
    );
    for name in &names {
        let path = dist.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes = std::fs::read(&path).expect("read a dashboard file");
        let etag = hex(&Sha256::digest(&bytes)[..12]);
        let sibling = |ext: &str| {
            let file = dist.join(format!("{name}.{ext}"));
            if file.is_file() {
                println!("cargo:rerun-if-changed={}", file.display());
                format!("Some(include_bytes!({:?}))", absolute(&file))
            } else {
                "None".to_owned()
            }
        };
        let (gzip, brotli) = (sibling("gz"), sibling("br"));
        let _ = writeln!(
            code,
            "    EmbeddedFile {{ path: {name:?}, body: include_bytes!({:?}), gzip: {gzip}, \
             brotli: {brotli}, content_type: {:?}, etag: \"\\\"{etag}\\\"\" }},",
            absolute(&path),
            content_type(name)
        );
    }
    code.push_str("];\n");
    std::fs::write(&target, code).expect("write the embedded table");
}

fn absolute(path: &Path) -> String {
    std::fs::canonicalize(path)
        .expect("canonical path")
        .display()
        .to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The Content-Type of a dashboard file, by extension (what tower-http's ServeDir sends).
fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

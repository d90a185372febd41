//! Building the dashboard into `dist/`: compile `signet-app` for wasm32, generate the JS glue
//! with wasm-bindgen (as a library, so its version always matches the `wasm-bindgen` crate in
//! `Cargo.lock`), then add `index.html`, the stylesheet and gzip siblings the server sends to
//! browsers that accept them.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::{cmd, step, toolchain::WasmToolchain};

/// The module that starts the app. A file, not an inline script, so the CSP can forbid inline
/// scripts. The wasm path is absolute: a string is fetched relative to the *page*, and a page
/// like `/apps/{id}` or `/invite/{id}` would otherwise fetch `index.html` instead.
const BOOT_JS: &str = "import init from './app.js?v={{ASSET_VERSION}}';\n\
init({ module_or_path: '/app_bg.wasm?v={{ASSET_VERSION}}' });\n";

/// The Web Worker that makes upload keystores off the page's thread: the same wasm module,
/// instantiated again in the worker (its start function sees no `window` and mounts nothing),
/// answering one message per key. The RSA key comes from the browser's WebCrypto when it
/// offers one (several times faster than finding primes in wasm); the certificate and the
/// keystore are built in wasm around it, and the exported key bytes are zeroed after use.
/// Without WebCrypto (plain HTTP on a non-local address) or should that key be refused, the
/// key is generated in wasm instead.
const WORKER_JS: &str = "import init, { worker_generate_upload_keystore, worker_upload_keystore_with_key } from './app.js?v={{ASSET_VERSION}}';\n\
const ready = init({ module_or_path: '/app_bg.wasm?v={{ASSET_VERSION}}' });\n\
async function webCryptoKey() {\n\
  if (!self.crypto || !self.crypto.subtle) return null;\n\
  try {\n\
    const pair = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048,\n\
      publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']);\n\
    return new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));\n\
  } catch (_) {\n\
    return null;\n\
  }\n\
}\n\
self.onmessage = async (event) => {\n\
  const { package: pkg, now } = event.data;\n\
  const started = performance.now();\n\
  let key = null;\n\
  try {\n\
    [key] = await Promise.all([webCryptoKey(), ready]);\n\
    let ok = null;\n\
    let source = 'webcrypto';\n\
    if (key) {\n\
      try { ok = worker_upload_keystore_with_key(pkg, now, key); } catch (_) { ok = null; }\n\
    }\n\
    if (!ok) {\n\
      source = 'wasm';\n\
      ok = worker_generate_upload_keystore(pkg, now);\n\
    }\n\
    self.postMessage({ ok, ms: performance.now() - started, source }, [ok.buffer]);\n\
  } catch (error) {\n\
    self.postMessage({ error: String(error) });\n\
  } finally {\n\
    if (key) key.fill(0);\n\
  }\n\
};\n";

/// Builds the dashboard with whichever wasm32 toolchain is found; returns the `dist/` path.
pub fn dist() -> Result<PathBuf> {
    build(&WasmToolchain::detect()?)
}

/// Builds the dashboard with `toolchain`; returns the `dist/` path.
pub fn build(toolchain: &WasmToolchain) -> Result<PathBuf> {
    build_wasm(toolchain)?;
    let wasm = toolchain
        .target_dir
        .join("wasm32-unknown-unknown/wasm-release/signet_app.wasm");
    package(&wasm)
}

fn build_wasm(toolchain: &WasmToolchain) -> Result<()> {
    step("building the dashboard (signet-app → wasm32, profile wasm-release)");
    cmd::run(toolchain.cargo("build").args([
        "--package",
        "signet-app",
        "--lib",
        "--profile",
        "wasm-release",
    ]))
}

fn package(wasm: &Path) -> Result<PathBuf> {
    let root = crate::root();
    let dist = root.join("dist");
    let staging = root.join("target/dist-staging");
    if staging.exists() {
        fs::remove_dir_all(&staging).context("cannot clear target/dist-staging")?;
    }
    fs::create_dir_all(&staging).context("cannot create target/dist-staging")?;

    step("generating the JS glue (wasm-bindgen)");
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(wasm)
        .web(true)?
        .typescript(false)
        .out_name("app")
        .remove_name_section(true)
        .remove_producers_section(true)
        .generate(&staging)
        .context("wasm-bindgen could not process the dashboard's wasm")?;

    let css =
        fs::read(root.join("app/style/signet.css")).context("reading app/style/signet.css")?;
    fs::write(staging.join("signet.css"), &css)?;

    // Cache busting: every asset URL carries a hash of the build.
    let mut hasher = Sha256::new();
    for name in ["app_bg.wasm", "app.js", "signet.css"] {
        hasher.update(fs::read(staging.join(name)).with_context(|| format!("reading {name}"))?);
    }
    let version = hex::encode(&hasher.finalize()[..6]);
    let template =
        fs::read_to_string(root.join("index.html")).context("reading the index.html template")?;
    fs::write(
        staging.join("index.html"),
        template.replace("{{ASSET_VERSION}}", &version),
    )?;
    fs::write(
        staging.join("boot.js"),
        BOOT_JS.replace("{{ASSET_VERSION}}", &version),
    )?;
    fs::write(
        staging.join("worker.js"),
        WORKER_JS.replace("{{ASSET_VERSION}}", &version),
    )?;

    let mut report = Vec::new();
    for name in [
        "app_bg.wasm",
        "app.js",
        "boot.js",
        "worker.js",
        "signet.css",
        "index.html",
    ] {
        let raw = fs::read(staging.join(name))?;
        let gz = gzip(&raw)?;
        fs::write(staging.join(format!("{name}.gz")), &gz)?;
        report.push((name, raw.len(), gz.len()));
    }

    if dist.exists() {
        fs::remove_dir_all(&dist).context("cannot remove the old dist/")?;
    }
    fs::rename(&staging, &dist).context("cannot move the new build into dist/")?;

    let (raw_total, gz_total) = report
        .iter()
        .fold((0, 0), |(r, g), (_, raw, gz)| (r + raw, g + gz));
    eprintln!("dashboard built into {}:", dist.display());
    for (name, raw, gz) in &report {
        eprintln!(
            "  {name:<12} {:>8.1} KB  ({:>6.1} KB gzip)",
            kb(*raw),
            kb(*gz)
        );
    }
    eprintln!(
        "  {:<12} {:>8.1} KB  ({:>6.1} KB gzip)",
        "total",
        kb(raw_total),
        kb(gz_total)
    );
    Ok(dist)
}

fn kb(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}

fn gzip(data: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data)?;
    Ok(encoder.finish()?)
}

//! Building the dashboard into `dist/`: compile `signet-app` for wasm32, split it at its
//! `#[lazy]` / `#[lazy_route]` points into a main module and chunks fetched on first use
//! (`wasm_split_cli_support`, what cargo-leptos does), generate the JS glue for the main module
//! with wasm-bindgen (as a library, so its version always matches the `wasm-bindgen` crate in
//! `Cargo.lock`), then add `index.html`, the stylesheet and gzip and brotli siblings the server sends to
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

/// The Web Worker that makes upload keystores and iOS signing requests (`csr` in the message)
/// off the page's thread: the same wasm module,
/// instantiated again in the worker (its start function sees no `window` and mounts nothing),
/// answering one message per key. The RSA key comes from the browser's WebCrypto when it
/// offers one (several times faster than finding primes in wasm); the certificate and the
/// keystore are built in wasm around it, and the exported key bytes are zeroed after use.
/// Without WebCrypto (plain HTTP on a non-local address) or should that key be refused, the
/// key is generated in wasm instead. Both wasm paths are in lazily loaded chunks, which the
/// worker fetches on first use (the exports are async).
const WORKER_JS: &str = "import init, { worker_generate_upload_keystore, worker_upload_keystore_with_key, worker_generate_csr, worker_csr_with_key } from './app.js?v={{ASSET_VERSION}}';\n\
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
  const { package: pkg, now, csr } = event.data;\n\
  const started = performance.now();\n\
  let key = null;\n\
  try {\n\
    [key] = await Promise.all([webCryptoKey(), ready]);\n\
    let ok = null;\n\
    let source = 'webcrypto';\n\
    if (key) {\n\
      try { ok = await (csr ? worker_csr_with_key(csr, key) : worker_upload_keystore_with_key(pkg, now, key)); } catch (_) { ok = null; }\n\
    }\n\
    if (!ok) {\n\
      source = 'wasm';\n\
      ok = await (csr ? worker_generate_csr(csr) : worker_generate_upload_keystore(pkg, now));\n\
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
    // `app/build.rs` links the wasm with `--emit-relocs`: the split step needs them.
    cmd::run(toolchain.cargo("build").args([
        "--package",
        "signet-app",
        "--lib",
        "--profile",
        "wasm-release",
    ]))
}

/// The split step's loader for the chunks (imported by the main module, so by `app.js`).
const SPLIT_JS: &str = "split.js";

fn package(wasm: &Path) -> Result<PathBuf> {
    let root = crate::root();
    let dist = root.join("dist");
    let staging = root.join("target/dist-staging");
    if staging.exists() {
        fs::remove_dir_all(&staging).context("cannot clear target/dist-staging")?;
    }
    fs::create_dir_all(&staging).context("cannot create target/dist-staging")?;

    let input = fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let css =
        fs::read(root.join("app/style/signet.css")).context("reading app/style/signet.css")?;
    let template =
        fs::read_to_string(root.join("index.html")).context("reading the index.html template")?;

    // Cache busting: every asset URL carries `?v=` and a hash of what the build starts from
    // (the split and wasm-bindgen are deterministic, with versions pinned by Cargo.lock). The
    // hash must be known *before* splitting: the main module imports the loader by that URL,
    // and the loader imports `app.js` by the very URL the page used, or the browser would
    // load a second, uninitialised copy of the glue.
    let mut hasher = Sha256::new();
    for part in [
        &input[..],
        &css,
        template.as_bytes(),
        BOOT_JS.as_bytes(),
        WORKER_JS.as_bytes(),
    ] {
        hasher.update(Sha256::digest(part));
    }
    let version = hex::encode(&hasher.finalize()[..6]);

    step("splitting the wasm at its #[lazy] points (wasm_split_cli_support)");
    let main_wasm = root.join("target/dist-split-main.wasm");
    let link_name = format!("./{SPLIT_JS}?v={version}");
    let main_module = format!("./app.js?v={version}");
    let split = {
        let mut options = wasm_split_cli_support::Options::new(&input);
        options.output_dir = &staging;
        options.main_out_path = &main_wasm;
        options.link_name = &link_name;
        options.main_module = &main_module;
        wasm_split_cli_support::transform(options)
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .context("wasm-split could not split the dashboard's wasm")?
    };
    // The loader was written under its import name; chunks are fetched relative to it and get
    // the same `?v=`.
    let mut loader =
        fs::read_to_string(staging.join(&link_name)).context("reading the split loader")?;
    fs::remove_file(staging.join(&link_name))?;
    let mut chunks = Vec::new();
    for path in &split.split_modules {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .context("a split module without a file name")?
            .to_owned();
        let quoted = format!("\"./{name}\"");
        anyhow::ensure!(
            loader.contains(&quoted),
            "the split loader does not fetch {name} as expected"
        );
        loader = loader.replace(&quoted, &format!("\"./{name}?v={version}\""));
        let chunk = fs::read(path)?;
        fs::write(path, strip_custom_sections(&chunk)?)?;
        chunks.push(name);
    }
    chunks.sort();
    fs::write(staging.join(SPLIT_JS), loader)?;

    step("generating the JS glue (wasm-bindgen)");
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&main_wasm)
        .web(true)?
        .typescript(false)
        .out_name("app")
        // The chunks import the main module's stack pointer, table and lld helpers.
        .keep_lld_exports(true)
        .remove_name_section(true)
        .remove_producers_section(true)
        .generate(&staging)
        .context("wasm-bindgen could not process the dashboard's wasm")?;

    fs::write(staging.join("signet.css"), &css)?;
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
    let names = [
        "app_bg.wasm",
        "app.js",
        SPLIT_JS,
        "boot.js",
        "worker.js",
        "signet.css",
        "index.html",
    ];
    for name in names
        .iter()
        .copied()
        .chain(chunks.iter().map(String::as_str))
    {
        let raw = fs::read(staging.join(name))?;
        let gz = gzip(&raw)?;
        fs::write(staging.join(format!("{name}.gz")), &gz)?;
        let br = brotli(&raw)?;
        fs::write(staging.join(format!("{name}.br")), &br)?;
        report.push(Size {
            name,
            raw: raw.len(),
            gz: gz.len(),
            br: br.len(),
        });
    }

    if dist.exists() {
        fs::remove_dir_all(&dist).context("cannot remove the old dist/")?;
    }
    fs::rename(&staging, &dist).context("cannot move the new build into dist/")?;

    let total = Size::sum("total", report.iter());
    // What a first visit fetches: everything but the chunks and the worker.
    let first = Size::sum(
        "first load (no chunks)",
        report
            .iter()
            .filter(|f| !chunks.iter().any(|c| c == f.name) && f.name != "worker.js"),
    );
    eprintln!("dashboard built into {}:", dist.display());
    for size in report.iter().chain([&first, &total]) {
        eprintln!(
            "  {:<28} {:>8.1} KB  ({:>6.1} KB gzip, {:>6.1} KB brotli)",
            size.name,
            kb(size.raw),
            kb(size.gz),
            kb(size.br)
        );
    }
    Ok(dist)
}

/// Drops a module's custom sections (the split step copies the function names into every
/// chunk: a third of their size; wasm-bindgen removes them from the main module).
fn strip_custom_sections(wasm: &[u8]) -> Result<Vec<u8>> {
    fn leb_u32(bytes: &[u8], at: &mut usize) -> Result<usize> {
        let mut value = 0usize;
        for shift in (0..35).step_by(7) {
            let byte = *bytes.get(*at).context("truncated wasm section header")?;
            *at += 1;
            value |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        anyhow::bail!("bad LEB128 in a wasm section header")
    }
    let header = wasm.get(..8).filter(|h| h.starts_with(b"\0asm"));
    let mut out = header.context("not a wasm module")?.to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let start = at;
        let id = wasm[at];
        at += 1;
        let len = leb_u32(wasm, &mut at)?;
        let end = at.checked_add(len).filter(|&e| e <= wasm.len());
        let end = end.context("a wasm section runs past the end")?;
        if id != 0 {
            out.extend_from_slice(&wasm[start..end]);
        }
        at = end;
    }
    Ok(out)
}

/// A file's size as built and as sent.
struct Size<'a> {
    name: &'a str,
    raw: usize,
    gz: usize,
    br: usize,
}

impl<'a> Size<'a> {
    fn sum<'b>(name: &'a str, sizes: impl Iterator<Item = &'b Size<'b>>) -> Self {
        sizes.fold(
            Size {
                name,
                raw: 0,
                gz: 0,
                br: 0,
            },
            |a, s| Size {
                name,
                raw: a.raw + s.raw,
                gz: a.gz + s.gz,
                br: a.br + s.br,
            },
        )
    }
}

fn kb(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}

/// Brotli at its best quality and a 4 MiB window (browsers accept up to 16 MiB).
fn brotli(data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut writer = ::brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        writer.write_all(data)?;
        writer.flush()?;
    }
    Ok(out)
}

fn gzip(data: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data)?;
    Ok(encoder.finish()?)
}

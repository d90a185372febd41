//! axe-core, the accessibility checker, run inside the page a test has open.
//!
//! The script comes from npm (`axe-core@4.14.1`), installed once into `target/npm/` by
//! [`source`] when missing, so a fresh machine (CI included) needs nothing by hand but `npm`.

use std::{path::PathBuf, process::Command};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::browser::Browser;

/// The axe-core release the checks are written against.
pub const VERSION: &str = "4.14.1";

/// `target/npm/node_modules/axe-core/axe.min.js`, installing it with npm when missing.
///
/// Tests run in parallel processes: each installs into its own prefix and moves the package
/// into place with one rename, so a half-installed package is never read.
pub fn source() -> Result<String> {
    let prefix = crate::paths::root().join("target/npm");
    let package = prefix.join("node_modules/axe-core");
    let script: PathBuf = package.join("axe.min.js");
    if !script.is_file() {
        let scratch = crate::paths::root().join(format!("target/npm-{}", std::process::id()));
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&scratch)
            .arg(format!("axe-core@{VERSION}"))
            .status()
            .context("cannot run npm: install Node.js and npm to run the accessibility checks")?;
        if !status.success() {
            bail!("npm install axe-core@{VERSION} failed ({status})");
        }
        std::fs::create_dir_all(prefix.join("node_modules"))?;
        // Losing the race to another test process is fine: its copy is the same.
        let _ = std::fs::rename(scratch.join("node_modules/axe-core"), &package);
        let _ = std::fs::remove_dir_all(&scratch);
        if !script.is_file() {
            bail!(
                "npm install axe-core@{VERSION} left no {}",
                script.display()
            );
        }
    }
    std::fs::read_to_string(&script).with_context(|| format!("reading {}", script.display()))
}

/// One rule broken on the page, with the elements that break it.
#[derive(Debug, Clone, Deserialize)]
pub struct Violation {
    /// The rule, e.g. `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: Option<String>,
    /// What the rule wants.
    pub help: String,
    /// The offending elements.
    pub nodes: Vec<Node>,
}

impl Violation {
    /// A page that does not fit a small window (not an axe rule: the suite's own check).
    pub fn narrow(what: String) -> Self {
        Self {
            id: "fits-360px".into(),
            impact: Some("serious".into()),
            help: what,
            nodes: Vec::new(),
        }
    }
}

/// An element that breaks a rule.
#[derive(Debug, Clone, Deserialize)]
pub struct Node {
    /// CSS selectors leading to it.
    pub target: Vec<serde_json::Value>,
    /// axe's explanation (contrast ratio, missing label…).
    #[serde(rename = "failureSummary", default)]
    pub failure_summary: String,
}

impl Violation {
    /// Whether the rule is `serious` or `critical`.
    pub fn is_serious(&self) -> bool {
        matches!(self.impact.as_deref(), Some("serious" | "critical"))
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} ({}): {}",
            self.id,
            self.impact.as_deref().unwrap_or("?"),
            self.help
        )?;
        for node in &self.nodes {
            let target = node
                .target
                .iter()
                .map(|t| t.as_str().map_or_else(|| t.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(" > ");
            writeln!(
                f,
                "    {target}: {}",
                node.failure_summary.replace('\n', " ")
            )?;
        }
        Ok(())
    }
}

/// What axe found on a page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Results {
    /// Rules broken.
    pub violations: Vec<Violation>,
    /// Rules axe could not decide (e.g. contrast over an image); a person should look.
    pub incomplete: Vec<Violation>,
}

/// Injects axe (once per page load) and runs it on the whole document.
pub async fn run(browser: &Browser, axe: &str) -> Result<Results> {
    let loaded = browser
        .client
        .execute("return typeof window.axe !== 'undefined';", vec![])
        .await?;
    if loaded != serde_json::Value::Bool(true) {
        browser
            .client
            .execute(&format!("{axe}\n;return true;"), vec![])
            .await
            .context("injecting axe-core")?;
    }
    let result = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, { resultTypes: ['violations', 'incomplete'] }) \
               .then(r => done(JSON.stringify({ violations: r.violations, incomplete: r.incomplete }))) \
               .catch(e => done(JSON.stringify({ error: String(e) })));",
            vec![],
        )
        .await
        .context("running axe-core")?;
    let text = result.as_str().context("axe-core returned no result")?;
    let value: serde_json::Value = serde_json::from_str(text)?;
    if let Some(error) = value.get("error") {
        bail!("axe-core failed: {error}");
    }
    Ok(serde_json::from_value(value)?)
}

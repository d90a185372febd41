//! Headless Chromium through chromedriver, for tests that use the dashboard as a person would.
//!
//! chromedriver runs in its own process group on a free loopback port; dropping [`Browser`]
//! kills the whole group, so a failing test never leaves Chromium behind.
//!
//! Besides the WebDriver helpers, the steps every dashboard suite starts with: sign up (with
//! [`PASSWORD`]) or sign in, make the first team, make the first app and open it.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail, ensure};
use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Flags that make Chromium quiet and reliable on a headless machine with no network.
const CHROME_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--window-size=1280,900",
];

/// Makes `prefers-color-scheme: dark` match, so pages render their dark theme. WebDriver has
/// no CDP `Emulation.setEmulatedMedia` through fantoccini; Blink's setting does the same
/// (0 = dark, 1 = light). Tests check `matchMedia` to prove it took effect.
pub const DARK_MODE: &str = "--blink-settings=preferredColorScheme=0";

/// The password people sign up with in the dashboard (it is strong enough for the sign-up
/// form's meter; accounts registered through the client library use
/// [`crate::api::PASSWORD`] instead).
pub const PASSWORD: &str = "correct horse battery staple";

/// How often `click` and `fill` find their element again when the page re-rendered it
/// between finding and acting (the same selector, a new node: what a person would click).
const STALE_RETRIES: u32 = 5;

/// A WebDriver session in a fresh Chromium profile.
#[derive(Debug)]
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    downloads: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium. Fails with a clear message when Chromium
    /// or chromedriver is not installed.
    pub async fn start() -> Result<Self> {
        Self::start_with(&[]).await
    }

    /// Like [`Browser::start`], with more Chromium flags (e.g.
    /// [`DARK_MODE`] to render the dashboard's dark theme).
    pub async fn start_with(extra_args: &[&str]) -> Result<Self> {
        let chromium = env_path("SIGNET_TEST_CHROMIUM", CHROMIUM);
        let chromedriver = env_path("SIGNET_TEST_CHROMEDRIVER", CHROMEDRIVER);
        for (what, path) in [("Chromium", &chromium), ("chromedriver", &chromedriver)] {
            if !path.is_file() {
                bail!(
                    "{what} is not installed (looked for {}). The browser tests need Debian's \
                     chromium and chromium-driver packages: run the tests with `cargo xtask test`, \
                     which installs them, or `apt-get install chromium chromium-driver`",
                    path.display()
                );
            }
        }
        let port = free_port()?;
        let mut command = Command::new(&chromedriver);
        command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let driver = command
            .spawn()
            .with_context(|| format!("cannot start {}", chromedriver.display()))?;
        let profile = tempfile::tempdir()?;
        let downloads = tempfile::tempdir()?;
        let mut args: Vec<String> = CHROME_ARGS.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.extend(extra_args.iter().map(|a| (*a).to_owned()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": args,
                "prefs": {
                    "download.default_directory": downloads.path(),
                    "download.prompt_for_download": false,
                },
            }),
        );
        let mut guard = DriverGuard(Some(driver));
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = String::new();
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    let driver = guard.0.take().context("driver")?;
                    return Ok(Self {
                        client,
                        driver,
                        _profile: profile,
                        downloads,
                    });
                }
                Err(e) => last_error = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("could not start a Chromium session through chromedriver: {last_error}")
    }

    /// Waits (up to `secs`) for an element matching `css`.
    pub async fn wait_for(&self, css: &str, secs: u64) -> Result<Element> {
        self.client
            .wait()
            .at_most(Duration::from_secs(secs))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("no element `{css}` appeared within {secs} s"))
    }

    /// Waits (up to `secs`) until the element matching `css` has text containing `needle`, and
    /// returns its whole text.
    pub async fn wait_for_text(&self, css: &str, needle: &str, secs: u64) -> Result<String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        let mut last = String::new();
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = element.text().await
            {
                if text.contains(needle) {
                    return Ok(text);
                }
                last = text;
            }
            if std::time::Instant::now() > deadline {
                bail!("`{css}` did not show \"{needle}\" within {secs} s (last text: {last:?})");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the input matching `css`, clears it and types `text`.
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        for attempt in 1.. {
            let element = self.wait_for(css, 20).await?;
            let typed = match element.clear().await {
                Ok(()) => element.send_keys(text).await,
                Err(e) => Err(e),
            };
            match typed {
                Err(e) if e.is_stale_element_reference() && attempt < STALE_RETRIES => {}
                other => return other.with_context(|| format!("typing into `{css}`")),
            }
        }
        unreachable!("the loop returns")
    }

    /// Whether nothing matches `css` now (no waiting: call it once the page has settled).
    /// Only WebDriver's "no such element" means absent; any other failure is an error.
    pub async fn absent(&self, css: &str) -> Result<bool> {
        match self.client.find(fantoccini::Locator::Css(css)).await {
            Ok(_) => Ok(false),
            Err(e) if e.is_no_such_element() => Ok(true),
            Err(e) => Err(e).with_context(|| format!("looking for `{css}`")),
        }
    }

    /// Resizes the window (its outer size: in headless Chromium the viewport comes out the
    /// same) and gives the page a moment to lay itself out again. Browsers start at
    /// 1280×900.
    pub async fn resize(&self, width: u32, height: u32) -> Result<()> {
        self.client.set_window_size(width, height).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(())
    }

    /// What takes more than one line now, among the elements matching `css`: with
    /// `each_text` every text node inside them on its own (a word or an id broken inside
    /// itself), else each element's whole content (a date or a row of buttons that wraps).
    /// Returns their texts; empty when each sits on one line. Lines come from the boxes of
    /// the text itself: two boxes are on one line when they overlap vertically (so a
    /// button's padding around its label is no second line).
    pub async fn wrapped(&self, css: &str, each_text: bool) -> Result<Vec<String>> {
        let script = format!(
            "(() => {{ \
               const boxes = n => {{ const r = document.createRange(); r.selectNodeContents(n); \
                 return [...r.getClientRects()].filter(b => b.width > 0 && b.height > 0); }}; \
               const texts = el => {{ const out = []; const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT); \
                 for (let n = walk.nextNode(); n; n = walk.nextNode()) if (n.textContent.trim()) out.push(n); return out; }}; \
               const lines = bs => {{ bs.sort((a, b) => a.top - b.top); let count = 0, bottom = -Infinity; \
                 for (const b of bs) {{ if (b.top >= bottom - 1) {{ count++; bottom = b.bottom; }} else bottom = Math.max(bottom, b.bottom); }} \
                 return count; }}; \
               const out = []; \
               for (const el of document.querySelectorAll({css})) {{ \
                 if ({each_text}) {{ for (const n of texts(el)) if (lines(boxes(n)) > 1) out.push(n.textContent); }} \
                 else if (lines(texts(el).flatMap(boxes)) > 1) out.push(el.innerText); \
               }} \
               return out; }})()",
            css = serde_json::to_string(css)?,
        );
        let value = self
            .client
            .execute(&format!("return {script};"), vec![])
            .await?;
        Ok(serde_json::from_value(value)?)
    }

    /// Waits for the element matching `css` and clicks it.
    pub async fn click(&self, css: &str) -> Result<()> {
        for attempt in 1.. {
            match self.wait_for(css, 20).await?.click().await {
                Err(e) if e.is_stale_element_reference() && attempt < STALE_RETRIES => {}
                other => return other.with_context(|| format!("clicking `{css}`")),
            }
        }
        unreachable!("the loop returns")
    }

    /// Waits (up to `secs`) until `script` (a JS expression) is truthy; returns its value.
    pub async fn wait_until(&self, script: &str, secs: u64) -> Result<serde_json::Value> {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let value = self
                .client
                .execute(&format!("return ({script});"), vec![])
                .await?;
            let truthy = !matches!(
                &value,
                serde_json::Value::Null | serde_json::Value::Bool(false)
            ) && value != json!(0)
                && value != json!("");
            if truthy {
                return Ok(value);
            }
            if std::time::Instant::now() > deadline {
                bail!("`{script}` did not become true within {secs} s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (up to `secs`) for the browser to finish downloading `name`; returns its bytes.
    pub async fn wait_for_download(&self, name: &str, secs: u64) -> Result<Vec<u8>> {
        let path = self.downloads.path().join(name);
        let partial = self.downloads.path().join(format!("{name}.crdownload"));
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        let mut last_len = None;
        loop {
            // Chromium writes `NAME.crdownload` and renames it when complete, but a small
            // download can appear under its own name before its bytes are in: wait until it
            // is non-empty and the same size twice in a row.
            let len = std::fs::metadata(&path)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            if let Some(len) = len
                && len > 0
                && !partial.exists()
                && last_len == Some(len)
            {
                return Ok(std::fs::read(&path)?);
            }
            last_len = len;
            if std::time::Instant::now() > deadline {
                let seen: Vec<_> = std::fs::read_dir(self.downloads.path())?
                    .filter_map(|e| e.ok().map(|e| e.file_name()))
                    .collect();
                bail!("no download {name} within {secs} s (the folder holds {seen:?})");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a PNG screenshot as `target/screenshots/NAME.png` and returns the path.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let png = self.client.screenshot().await?;
        let path = crate::paths::screenshot(name)?;
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Signs up as `email` with [`PASSWORD`] through the dashboard at `url` (from the account
    /// page's sign-up form) and waits for the recovery code; returns the code and how long
    /// deriving the keys took in the browser.
    pub async fn sign_up(&self, url: &str, email: &str) -> Result<(String, Duration)> {
        self.client.goto(&format!("{url}/account")).await?;
        self.click("#show-signup").await?;
        self.fill("#signup-email", email).await?;
        self.fill("#signup-password", PASSWORD).await?;
        self.fill("#signup-confirm", PASSWORD).await?;
        let started = Instant::now();
        self.click("#signup-submit").await?;
        let code = self.wait_for_text("#recovery-code", "-", 60).await?;
        Ok((code, started.elapsed()))
    }

    /// On the recovery-code screen: checks that Continue waits for the confirmation, confirms
    /// the code was saved and continues.
    pub async fn confirm_recovery_code(&self) -> Result<()> {
        let continue_button = self.wait_for("#recovery-continue", 10).await?;
        ensure!(
            !continue_button.is_enabled().await?,
            "Continue must wait for the confirmation"
        );
        self.click("#recovery-saved").await?;
        self.click("#recovery-continue").await?;
        Ok(())
    }

    /// [`Browser::sign_up`], [`Browser::confirm_recovery_code`], then waits for the account
    /// page's fingerprint: a new account, unlocked. Returns the recovery code.
    pub async fn signed_up(&self, url: &str, email: &str) -> Result<String> {
        let (code, _) = self.sign_up(url, email).await?;
        self.confirm_recovery_code().await?;
        self.wait_for("#account-fingerprint", 30).await?;
        Ok(code)
    }

    /// Signs in as `email` with `password` on the dashboard at `url` and waits until the
    /// account page shows the fingerprint (the keys are unlocked); returns the fingerprint.
    pub async fn sign_in(&self, url: &str, email: &str, password: &str) -> Result<String> {
        self.client.goto(&format!("{url}/account")).await?;
        self.fill("#signin-email", email).await?;
        self.fill("#signin-password", password).await?;
        self.click("#signin-submit").await?;
        self.wait_for_text("#account-fingerprint", "", 60).await
    }

    /// Makes the account's first team, `name`, on the Teams page (which must show that there
    /// is no team yet) and waits until it is listed; a new team becomes the current one.
    pub async fn create_first_team(&self, name: &str) -> Result<()> {
        self.click("nav a[href='/teams']").await?;
        self.wait_for("#no-teams", 30).await?;
        self.fill("#team-name", name).await?;
        self.click("#create-team").await?;
        self.wait_for_text("#team-list", name, 30).await?;
        Ok(())
    }

    /// Makes the current team's first app on the Apps page (which must show that there is no
    /// app yet): `name`, the Android `package` if any, and `ios` as the form takes it (one
    /// `BUNDLE_ID` or `TARGET=BUNDLE_ID` a line, empty for none). Waits until the list shows
    /// it with its identifiers, then opens the app's page and waits for its Android package.
    pub async fn create_first_app(
        &self,
        name: &str,
        package: Option<&str>,
        ios: &str,
    ) -> Result<()> {
        let bundle_ids: Vec<&str> = ios
            .lines()
            .map(|l| l.rsplit('=').next().unwrap_or(l).trim())
            .filter(|id| !id.is_empty())
            .collect();
        let shown = package
            .or(bundle_ids.first().copied())
            .context("an app needs an Android package or an iOS bundle id")?;
        self.click("nav a[href='/apps']").await?;
        self.wait_for("#no-apps", 60).await?;
        self.fill("#app-name", name).await?;
        if let Some(package) = package {
            self.fill("#app-package", package).await?;
        }
        if !ios.is_empty() {
            self.fill("#app-ios", ios).await?;
        }
        self.click("#create-app").await?;
        let list = self.wait_for_text("#app-list", shown, 30).await?;
        ensure!(
            list.contains(name) && bundle_ids.iter().all(|id| list.contains(id)),
            "the new app is listed without its name or bundle ids: {list}"
        );
        self.click("#app-list a").await?;
        self.wait_for_text("#app-android-package", package.unwrap_or("not set"), 30)
            .await?;
        Ok(())
    }

    /// Ends the WebDriver session (Chromium exits) and stops chromedriver.
    pub async fn close(mut self) -> Result<()> {
        let result = self.client.clone().close().await;
        kill_group(&mut self.driver);
        result.context("closing the browser session")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
    }
}

/// Kills chromedriver if a session could not be created.
struct DriverGuard(Option<Child>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            kill_group(child);
        }
    }
}

/// Kills the process group led by `child` (chromedriver and the Chromium it started).
fn kill_group(child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

fn env_path(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

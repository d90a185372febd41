//! `cargo xtask run`: build the dashboard and the server, then become `signet serve`.

use anyhow::{Context, Result};

use crate::{cmd, dist, step};

/// Builds everything and runs the server in the foreground; `args` go to `signet serve`.
pub fn run(args: &[String]) -> Result<()> {
    let dist = dist::dist()?;
    cmd::build_signet(&dist)?;
    let root = crate::root();
    let signet = root.join("target/debug/signet");
    let mut serve = std::process::Command::new(&signet);
    serve.current_dir(&root).arg("serve").args(args);
    if std::env::var_os("SIGNET_DIST").is_none() {
        serve.env("SIGNET_DIST", &dist);
    }
    step("starting signet serve");
    // Become the server so Ctrl-C and SIGTERM reach it directly and it shuts down cleanly.
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let error = serve.exec();
        Err(error).with_context(|| format!("cannot start {}", signet.display()))
    }
    #[cfg(not(unix))]
    {
        cmd::run(&mut serve)
    }
}

//! `cargo xtask test`: everything CI checks, in the order that fails fastest.

use anyhow::Result;

use crate::{
    apt, cmd, dist,
    postgres::{self, Postgres},
    step,
    toolchain::WasmToolchain,
};

/// Programs the tests drive, and their Debian packages.
pub(crate) const TEST_TOOLS: &[apt::Need] = &[
    apt::Need {
        path: "/usr/bin/chromium",
        package: "chromium",
    },
    apt::Need {
        path: "/usr/bin/chromedriver",
        package: "chromium-driver",
    },
    apt::Need {
        path: "/usr/bin/openssl",
        package: "openssl",
    },
    apt::Need {
        path: "/usr/bin/keytool",
        package: "openjdk-17-jdk-headless",
    },
    apt::Need {
        path: "/usr/bin/jarsigner",
        package: "openjdk-17-jdk-headless",
    },
    apt::Need {
        path: "/usr/bin/apksigner",
        package: "apksigner",
    },
    apt::Need {
        path: "/usr/bin/zipalign",
        package: "zipalign",
    },
    // The alert tests' SMTP server (tests/src/smtp.rs), for Debian's /usr/bin/python3.
    apt::Need {
        path: "/usr/lib/python3/dist-packages/aiosmtpd/__init__.py",
        package: "python3-aiosmtpd",
    },
];

/// Runs every check; `args` are passed to `cargo test` (e.g. a test name filter).
pub fn test(args: &[String]) -> Result<()> {
    step("cargo fmt --check");
    cmd::run(cmd::cargo().args(["fmt", "--all", "--", "--check"]))?;

    // With signet-core's `fuzzing` feature, so the fuzz entry points and the smoke fuzzer
    // (which nothing else builds) are linted too.
    step("cargo clippy -D warnings (native, every crate and target)");
    cmd::run(cmd::cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--features",
        "signet-core/fuzzing",
        "--",
        "-D",
        "warnings",
    ]))?;

    let toolchain = WasmToolchain::detect()?;
    // The vault's unit tests are written to run under wasm-bindgen-test too; building them
    // for wasm32 proves the core (and its tests) compile there with no C code.
    step("signet-core and its unit tests build for wasm32");
    cmd::run(
        toolchain
            .cargo("test")
            .args(["--package", "signet-core", "--lib", "--no-run"]),
    )?;

    let dist = dist::build(&toolchain)?;

    apt::ensure(TEST_TOOLS, "the browser and artifact tests")?;

    // Test runners build test harnesses, not plain binaries: the tests that drive the real
    // `signet` binary need it built first.
    cmd::build_signet(&dist)?;
    // The Debian package of that binary, and a rebuilt one with a newer version for the
    // upgrade test (tests/tests/integration/deb_package.rs installs both).
    let debs = crate::root().join("target/deb-test");
    let signet = crate::root().join("target/debug/signet");
    let version = env!("CARGO_PKG_VERSION");
    let deb = crate::deb::build(&signet, version, &debs, crate::deb::Compression::Fast)?;
    let upgrade = crate::deb::build(
        &signet,
        &format!("{version}+upgrade1"),
        &debs,
        crate::deb::Compression::Fast,
    )?;

    step("doc tests");
    cmd::run(cmd::cargo().args(["test", "--doc", "--workspace", "--exclude", "signet-app"]))?;

    // A short pass of the stable smoke fuzzer: every parser survives its mutated fixtures
    // (10 targets, 20 s). `cargo xtask fuzz` is the long run.
    crate::fuzz::smoke(2, &[])?;

    // One server for the whole run: nextest runs each test in its own process, so no test
    // could own a server the others share. Each test creates its own database in it. A URL
    // already in the environment (a developer's server) is used as it is.
    let postgres = if std::env::var_os(postgres::URL_VAR).is_some_and(|url| !url.is_empty()) {
        step(&format!("PostgreSQL tests use ${}", postgres::URL_VAR));
        None
    } else {
        step("starting a throwaway PostgreSQL");
        Some(Postgres::start()?)
    };

    // Unit, API and browser tests last, so the runner's summary closes the output. nextest
    // (preinstalled on these machines) prints one summary for the whole run; plain
    // `cargo test` is the fallback.
    let nextest = cmd::succeeds(cmd::cargo().args(["nextest", "--version"]));
    let mut tests = cmd::cargo();
    if nextest {
        step("cargo nextest run (unit tests, API tests, browser tests)");
        tests.args(["nextest", "run", "--no-fail-fast"]);
    } else {
        step("cargo test (unit tests, API tests, browser tests)");
        tests.args(["test", "--no-fail-fast"]);
    }
    tests
        .args(["--workspace", "--exclude", "signet-app", "--all-targets"])
        // The same features as the signet binary built above, so it is not rebuilt without
        // the dashboard.
        .args(["--features", "signet-cli/embed-dashboard"])
        .env("SIGNET_EMBED_DIST", &dist)
        .env("SIGNET_TEST_DIST", &dist)
        .env("SIGNET_TEST_DEB", &deb)
        .env("SIGNET_TEST_DEB_UPGRADE", &upgrade)
        .env("SIGNET_TEST_REQUIRE_BROWSER", "1")
        .args(args);
    if let Some(postgres) = &postgres {
        tests.env(postgres::URL_VAR, &postgres.url);
    }
    let result = cmd::run(&mut tests);
    // A test failure is the news; a failure to stop the server comes second.
    let stopped = postgres.map_or(Ok(()), Postgres::stop);
    result.and(stopped)
}

//! # signet-tests — the harness
//!
//! Helpers shared by the one integration test binary (`tests/integration/`):
//! - [`asc_sim`] — an App Store Connect simulator on loopback (checks tokens and bodies as
//!   Apple does; real certificates and CMS-signed profiles);
//! - [`server`] — the real server, started in-process on a loopback port with a real SQLite
//!   file in a temp dir, or the real `signet` binary as a child process;
//! - [`browser`] — headless Chromium driven through chromedriver (WebDriver);
//! - [`cli`] — the real `signet` binary as one person or CI job runs it (own config dir,
//!   non-interactive), and the people the CLI suites start from;
//! - [`axe`] — axe-core accessibility checks run in the browser's page;
//! - [`postgres`] — a fresh database per test on the throwaway PostgreSQL `cargo xtask test`
//!   starts;
//! - [`durability`] — streams of writes, a ledger of what was acknowledged, and the checks
//!   that none of it was lost (concurrency, backup and crash tests);
//! - [`smtp`] — a real SMTP server (aiosmtpd, STARTTLS and a password) that keeps the mail;
//! - [`webhook`] — a webhook receiver that checks signatures and can fail on purpose;
//! - [`tools`] — the real `openssl` & co. that validate what we produce;
//! - [`paths`] — where the built dashboard, the binary and screenshots live.
#![forbid(unsafe_code)]

pub mod api;
pub mod asc_sim;
pub mod axe;
pub mod browser;
pub mod cli;
pub mod durability;
pub mod paths;
pub mod postgres;
pub mod proxy;
pub mod server;
pub mod smtp;
pub mod tools;
pub mod webhook;

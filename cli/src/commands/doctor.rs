//! `signet doctor credentials.json`: checks an EAS credentials bundle before a build.
//!
//! The checks themselves live in [`signet_core::eas::doctor`]; this module reads the files
//! (relative paths start at the directory holding `credentials.json`, as EAS resolves them
//! from the project root) and prints the report: one line per check for people, or JSON.
//! The exit code is 0 when nothing failed (warnings allowed), 1 otherwise.

use std::{
    io::ErrorKind,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::json;
use signet_core::{
    eas::{
        CredentialsJson,
        doctor::{self, EXPIRY_WARNING_DAYS, ExpectedBundleIds, Report, Status},
    },
    ios::certificate::format_utc,
};

use super::files;

/// `signet doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The EAS credentials.json to check.
    #[arg(default_value = "credentials.json")]
    credentials: PathBuf,
    /// The iOS bundle id the provisioning profile must cover. For a per-target `ios` map,
    /// repeat it as TARGET=BUNDLE_ID (a bare id is enough when there is one target).
    #[arg(long = "bundle-id", value_name = "[TARGET=]BUNDLE_ID")]
    bundle_ids: Vec<String>,
    /// Judge expiry as of this day (UTC) instead of now, e.g. a planned release day.
    #[arg(long, value_name = "YYYY-MM-DD")]
    at: Option<String>,
    /// Print JSON for programs instead of text for people.
    #[arg(long)]
    json: bool,
}

/// Runs `signet doctor`; `Ok(false)` when a check failed (exit code 1).
pub fn run(args: DoctorArgs) -> Result<bool> {
    let now = match &args.at {
        Some(day) => parse_day(day).with_context(|| format!("--at {day}"))?,
        None => files::now_unix(),
    };
    let bundle_ids = ExpectedBundleIds::parse(args.bundle_ids.iter().map(String::as_str))
        .context("--bundle-id")?;
    let report = check(&args.credentials, &bundle_ids, now)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&to_json(&args.credentials, &report))?
        );
    } else {
        print!("{}", render(&args.credentials, &report));
    }
    Ok(report.passed())
}

/// Reads `credentials.json` at `path` and the files it names, and checks them as of `now`.
pub fn check(path: &Path, bundle_ids: &ExpectedBundleIds, now: i64) -> Result<Report> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => bail!(
            "{} does not exist: pass the path of your EAS credentials.json \
             (`signet doctor path/to/credentials.json`)",
            path.display()
        ),
        Err(e) => bail!("cannot read {}: {e}", path.display()),
    };
    let credentials =
        CredentialsJson::from_json(&bytes).with_context(|| format!("{}", path.display()))?;
    let base = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    doctor::diagnose(&credentials, |file| read(&base, file), bundle_ids, now).context("--bundle-id")
}

/// Reads a file named in credentials.json; the error says where it was looked for.
pub fn read(base: &Path, file: &str) -> std::result::Result<Vec<u8>, String> {
    // `join` keeps an absolute path as it is.
    let full = base.join(file);
    std::fs::read(&full).map_err(|e| match e.kind() {
        ErrorKind::NotFound => format!("{} does not exist", full.display()),
        _ => format!("{}: {e}", full.display()),
    })
}

fn to_json(path: &Path, report: &Report) -> serde_json::Value {
    json!({
        "credentials": path.display().to_string(),
        "checked_at": format_utc(report.checked_at),
        "passed": report.passed(),
        "summary": {
            "ok": report.count(Status::Ok),
            "warnings": report.count(Status::Warning),
            "failed": report.count(Status::Failed),
            "skipped": report.count(Status::Skipped),
        },
        "checks": report.checks,
    })
}

/// One line per check, grouped by scope, fixes indented under the line they belong to.
pub fn render(path: &Path, report: &Report) -> String {
    let width = report
        .checks
        .iter()
        .map(|c| c.check.label().chars().count())
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "Checking {} (expiry as of {}; warning within {EXPIRY_WARNING_DAYS} days)\n",
        path.display(),
        format_utc(report.checked_at)
    );
    let mut scope = "";
    for check in &report.checks {
        if check.scope != scope {
            scope = &check.scope;
            out.push_str(&format!("\n{scope}\n"));
        }
        let mark = match check.status {
            Status::Ok => "✓",
            Status::Warning => "⚠",
            Status::Failed => "✗",
            Status::Skipped => "-",
        };
        out.push_str(&format!(
            "  {mark} {:<width$}  {}\n",
            check.check.label(),
            check.message
        ));
        if let Some(fix) = &check.fix {
            out.push_str(&format!("    {:<width$}  → {fix}\n", ""));
        }
    }
    let (ok, warnings, failed, skipped) = (
        report.count(Status::Ok),
        report.count(Status::Warning),
        report.count(Status::Failed),
        report.count(Status::Skipped),
    );
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut counts = vec![format!("{ok} ok")];
    if warnings > 0 {
        counts.push(plural(warnings, "warning", "warnings"));
    }
    if failed > 0 {
        counts.push(format!("{failed} failed"));
    }
    if skipped > 0 {
        counts.push(format!("{skipped} not checked"));
    }
    let verdict = if failed > 0 {
        "✗ a build with these credentials would fail: fix what is marked ✗"
    } else if warnings > 0 {
        "⚠ ready to build, but see the warnings"
    } else {
        "✓ ready to build"
    };
    out.push_str(&format!("\n{verdict} ({}).\n", counts.join(", ")));
    out
}

/// `YYYY-MM-DD` → unix seconds at 00:00 UTC that day.
fn parse_day(text: &str) -> Result<i64> {
    let parts: Vec<&str> = text.trim().split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        bail!("write the day as YYYY-MM-DD, e.g. 2027-01-31");
    };
    let (Ok(year), Ok(month), Ok(day)) = (
        year.parse::<i64>(),
        month.parse::<i64>(),
        day.parse::<i64>(),
    ) else {
        bail!("write the day as YYYY-MM-DD, e.g. 2027-01-31");
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => bail!("there is no month {month}"),
    };
    if !(1970..=9999).contains(&year) || !(1..=days_in_month).contains(&day) {
        bail!("{text} is not a day between 1970-01-01 and 9999-12-31");
    }
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok((era * 146_097 + doe - 719_468) * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse_to_midnight_utc() -> Result<()> {
        assert_eq!(parse_day("1970-01-01")?, 0);
        assert_eq!(parse_day("2000-02-29")?, 951_782_400);
        assert_eq!(parse_day("2027-01-01")?, 1_798_761_600);
        for day in [
            "2027-02-29",
            "2027-13-01",
            "2027-00-10",
            "27-01-01",
            "2027/01/01",
            "soon",
        ] {
            assert!(parse_day(day).is_err(), "{day}");
        }
        for unix in [0, 951_782_400, 1_798_761_600, 4_102_444_800] {
            let day = format_utc(unix);
            assert_eq!(parse_day(&day[..10])?, unix, "{day}");
        }
        Ok(())
    }
}

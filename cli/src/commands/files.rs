//! Reading inputs and writing secret files safely, and the clock (the core never reads it).

use std::{io::Write, path::Path};

use anyhow::{Context, Result, bail};

/// Seconds since 1970, from the system clock.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A span of time as people write it on a command line, in seconds: `30d`, `2w`, `12h`, or a
/// bare number of days (`30`). `None` when it is none of these, or negative.
pub fn parse_span(text: &str) -> Option<i64> {
    let t = text.trim();
    let (number, unit) = [("h", 3_600), ("d", 86_400), ("w", 7 * 86_400)]
        .into_iter()
        .find_map(|(suffix, unit)| t.strip_suffix(suffix).map(|n| (n, unit)))
        .unwrap_or((t, 86_400));
    let n: i64 = number.trim().parse().ok().filter(|n| *n >= 0)?;
    n.checked_mul(unit)
}

/// Reads a whole input file, naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Writes a file that holds a secret: created new with mode 0600 (never readable by others),
/// refusing to replace an existing file unless `force`.
pub fn write_secret(path: &Path, bytes: &[u8], force: bool) -> Result<()> {
    if path.exists() && !force {
        bail!(
            "{} already exists; refusing to overwrite it (pass --force to replace it)",
            path.display()
        );
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Writes a secret file whether or not one exists: a 0600 temp file next to it, renamed over
/// it (an older file's looser mode is not kept, and a crash leaves the old file whole).
/// Creates missing parent directories.
pub fn replace_secret(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    write_secret(&tmp, bytes, false)?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))
}

/// Proves that writing `relative` under `dir` stays inside `dir`: `relative` has only plain
/// components (no `..`, no root, no drive), and no folder between `dir` and the file is a
/// symbolic link (which could point anywhere). Called for every file before anything is
/// written.
pub fn check_inside(dir: &Path, relative: &str) -> Result<()> {
    use std::path::Component;
    let rel = Path::new(relative);
    let plain = !relative.is_empty() && rel.components().all(|c| matches!(c, Component::Normal(_)));
    if !plain {
        anyhow::bail!(
            "refusing to write {relative:?}: it is not a plain path inside {} (nothing was \
             written)",
            dir.display()
        );
    }
    let mut at = dir.to_path_buf();
    let parents: Vec<_> = rel.components().collect();
    for part in &parents[..parents.len().saturating_sub(1)] {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            anyhow::bail!(
                "refusing to write {relative:?}: {} is a symbolic link, so the file could land \
                 outside {} (nothing was written); replace the link with a folder",
                at.display(),
                dir.display()
            );
        }
    }
    let target = dir.join(rel);
    if std::fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) {
        anyhow::bail!(
            "refusing to write {}: it is a symbolic link (nothing was written); remove it",
            target.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_span;

    #[test]
    fn spans_are_days_weeks_hours_or_bare_days() {
        assert_eq!(parse_span("30d"), Some(30 * 86_400));
        assert_eq!(parse_span(" 2w "), Some(14 * 86_400));
        assert_eq!(parse_span("12h"), Some(12 * 3_600));
        assert_eq!(parse_span("30"), Some(30 * 86_400));
        assert_eq!(parse_span("0d"), Some(0));
        for bad in ["", "d", "-3d", "soon", "3m", "1.5d", "99999999999999999w"] {
            assert_eq!(parse_span(bad), None, "{bad}");
        }
    }
}

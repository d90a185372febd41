//! The CLI's config file: which server, who is signed in, and the session token.
//!
//! `$SIGNET_CONFIG_DIR/config.json`, else `$XDG_CONFIG_HOME/signet/config.json`, else
//! `~/.config/signet/config.json`; the directory is 0700 and the file 0600. It never holds
//! a key or a password: commands that decrypt ask for the password again (or read
//! `SIGNET_PASSWORD`) and derive the keys in memory.
//!
//! It also mirrors the account's team log pins (public hashes, copied from the sealed trust
//! state by every command that unlocks), so that commands which need no password, like
//! `signet credentials`, can still verify a team's membership log and with it each
//! credential's metadata signature.

use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use signet_core::vault::membership::TeamPin;

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What `signet login` remembers.
#[derive(Default, Serialize, Deserialize)]
pub struct Config {
    /// The server's base URL, e.g. `https://signet.acme.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The signed-in account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The session token (`Authorization: Bearer`); absent after `signet logout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The newest write of this account's sealed trust state (team log pins) this machine
    /// has seen: a server that serves an older one (to roll back a pin) is caught.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub trust_counter: u32,
    /// The strongest KDF parameters this account was seen to use on this machine: a login
    /// that is offered weaker ones is refused before any proof is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kdf: Option<signet_core::vault::kdf::KdfParams>,
    /// By team id: the newest point of the team's membership log this machine trusts (its
    /// creation's hash and a verified head). Public data, but only ever taken from the
    /// account's sealed trust state or from a log verified from an earlier pin, never from
    /// the server's word alone.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pins: BTreeMap<String, TeamPin>,
}

impl core::fmt::Debug for Config {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Config")
            .field("server", &self.server)
            .field("email", &self.email)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("trust_counter", &self.trust_counter)
            .field("pins", &self.pins.len())
            .finish()
    }
}

/// The directory holding `config.json`.
pub fn dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("SIGNET_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("signet"));
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".config/signet")),
        None => {
            bail!("cannot tell where to keep the CLI's config: set SIGNET_CONFIG_DIR (or HOME)")
        }
    }
}

/// `config.json`'s path.
pub fn path() -> Result<PathBuf> {
    Ok(dir()?.join("config.json"))
}

impl Config {
    /// Remembers the trust-state write a session has seen, if it is newer, and the pins it
    /// holds (each merged with the one kept here: the newer verified head wins). A pin that
    /// contradicts this machine's (another team creation, or another entry at the same
    /// place: a forked log) is an error and nothing is saved.
    pub fn observe_trust(&mut self, counter: u32, pins: &BTreeMap<String, TeamPin>) -> Result<()> {
        let mut changed = false;
        if counter > self.trust_counter {
            self.trust_counter = counter;
            changed = true;
        }
        for (team_id, pin) in pins {
            changed |= self.advance_pin(team_id, pin)?;
        }
        if changed {
            self.save()?;
        }
        Ok(())
    }

    /// Moves this machine's pin for `team_id` to `pin` when it is newer (or sets it when
    /// there is none); `Ok(true)` when it changed. Not saved.
    pub fn advance_pin(&mut self, team_id: &str, pin: &TeamPin) -> Result<bool> {
        match self.pins.get_mut(team_id) {
            None => {
                self.pins.insert(team_id.to_owned(), *pin);
                Ok(true)
            }
            Some(mine) => mine.advance(pin).map_err(|e| {
                anyhow::anyhow!(
                    "team {team_id}'s membership log as this machine knows it disagrees with                      the one your account trusts: {e}. The server may be compromised: change                      nothing in this team and ask your admin"
                )
            }),
        }
    }

    /// Reads the config; a missing file is an empty config.
    pub fn load() -> Result<Self> {
        let path = path()?;
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "{} is not a valid Signet config; delete it and run `signet login` again",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Writes the config atomically: a 0600 temp file in a 0700 directory, renamed over the
    /// old one (so a crash never leaves half a file, and the token is never world-readable,
    /// whatever mode an older file had).
    pub fn save(&self) -> Result<PathBuf> {
        let dir = dir()?;
        create_private_dir(&dir)?;
        let path = dir.join("config.json");
        let tmp = dir.join(format!(".config.json.{}.tmp", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let _ = std::fs::remove_file(&tmp);
        let mut file = options
            .open(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut text = serde_json::to_vec_pretty(self)?;
        text.push(b'\n');
        file.write_all(&text)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path)
            .with_context(|| format!("cannot replace {}", path.display()))?;
        Ok(path)
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(genesis: u8, head_seq: u32, head: u8) -> TeamPin {
        TeamPin {
            genesis: [genesis; 32],
            head_seq,
            head_hash: [head; 32],
        }
    }

    #[test]
    fn pins_advance_to_the_newer_head_and_a_fork_or_another_team_is_refused() -> Result<()> {
        let mut config = Config::default();
        assert!(config.advance_pin("t", &pin(1, 2, 2))?);
        // An older pin (another client's, not yet up to date) changes nothing.
        assert!(!config.advance_pin("t", &pin(1, 1, 9))?);
        assert!(config.advance_pin("t", &pin(1, 5, 5))?);
        assert_eq!(config.pins["t"], pin(1, 5, 5));
        // Another entry at the same place is a forked log; another creation another team.
        assert!(config.advance_pin("t", &pin(1, 5, 6)).is_err());
        assert!(config.advance_pin("t", &pin(7, 9, 9)).is_err());
        assert_eq!(config.pins["t"], pin(1, 5, 5));
        // The config file names hashes in hex and round-trips.
        let text = serde_json::to_string(&config)?;
        let back: Config = serde_json::from_str(&text)?;
        assert_eq!(back.pins, config.pins);
        Ok(())
    }
}

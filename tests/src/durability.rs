//! Durability harness: streams of credential writes through `signet-client`, a [`Ledger`] of
//! what the server acknowledged, and [`check`], which proves none of it was lost.
//!
//! Every payload is unique (it names its writer and sequence number), so a stored payload
//! identifies the write that put it there; the ledger keeps its SHA-256. A write whose answer
//! never came (the server was killed) is kept *in flight*: afterwards it may or may not have
//! landed, and [`check`] accepts either — but nothing older than the last acknowledged write.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    path::Path,
    sync::{Mutex, MutexGuard, PoisonError},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, Result, bail, ensure};
use sha2::{Digest as _, Sha256};
use signet_client::{ClientError, Session, credential::NewCredential};
use signet_core::{
    vault::team_key::TeamKey,
    wire::credential::{CredentialInfo, CredentialKind},
};

/// A small seeded random source (SplitMix64): enough to choose writes and kill moments, and
/// replayable from the seed a test prints.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// An independent generator for a sub-task.
    pub fn fork(&mut self) -> Self {
        Self(self.next_u64())
    }
}

/// The seed in the variable `var`, or a fresh one from the clock; printed either way, so a
/// failing run can be replayed with `var=<seed>`.
pub fn seed(var: &str) -> u64 {
    let seed = std::env::var(var)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    eprintln!("seed: {var}={seed}");
    seed
}

/// SHA-256 of a payload.
pub type Digest = [u8; 32];

/// SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> Digest {
    Sha256::digest(bytes).into()
}

/// A payload no other write has: it names its writer and sequence number, then random bytes
/// up to 64 B – 8 KiB.
pub fn unique_payload(rng: &mut Rng, writer: usize, seq: u64) -> Vec<u8> {
    let mut bytes = format!("writer {writer} write {seq}\n").into_bytes();
    let len = 64 + rng.below(8 * 1024 - 64) as usize;
    while bytes.len() < len {
        bytes.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    bytes
}

/// One version of a credential: its revision and the SHA-256 of its plaintext payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// The revision the server gave it.
    pub revision: i64,
    /// SHA-256 of the plaintext.
    pub digest: Digest,
}

#[derive(Debug)]
struct Entry {
    /// The newest version the server acknowledged.
    acked: Version,
    /// An update sent but never answered: it may or may not have landed.
    in_flight: Option<Version>,
    /// Acknowledged since [`check`] last read its payload.
    unchecked: bool,
    /// Every version acknowledged (or found landed), oldest first.
    history: Vec<Version>,
}

/// Every acknowledged write (the newest per credential) and the writes whose fate is unknown.
#[derive(Debug, Default)]
pub struct Ledger {
    entries: BTreeMap<String, Entry>,
    /// Creates sent but never answered. The client picks the id inside the call, so they are
    /// known by their payload.
    creates_in_flight: HashSet<Digest>,
    acknowledged: u64,
}

impl Ledger {
    /// How many writes the server has acknowledged.
    pub fn acknowledged(&self) -> u64 {
        self.acknowledged
    }

    /// How many credentials exist.
    pub fn credentials(&self) -> usize {
        self.entries.len()
    }

    /// Every credential id with its acknowledged revision, in id order.
    pub fn ids(&self) -> Vec<(String, i64)> {
        self.entries
            .iter()
            .map(|(id, e)| (id.clone(), e.acked.revision))
            .collect()
    }

    /// The newest acknowledged version of every credential.
    pub fn snapshot(&self) -> BTreeMap<String, Version> {
        self.entries
            .iter()
            .map(|(id, e)| (id.clone(), e.acked))
            .collect()
    }

    /// Every version of credential `id` the server acknowledged, oldest first.
    pub fn history(&self, id: &str) -> &[Version] {
        self.entries.get(id).map_or(&[], |e| e.history.as_slice())
    }

    fn acked(&mut self, id: &str, version: Version) {
        self.acknowledged += 1;
        self.creates_in_flight.remove(&version.digest);
        let entry = self.entries.entry(id.to_owned()).or_insert(Entry {
            acked: version,
            in_flight: None,
            unchecked: true,
            history: Vec::new(),
        });
        entry.acked = version;
        entry.in_flight = None;
        entry.unchecked = true;
        entry.history.push(version);
    }
}

/// Locks the ledger (a panicking writer must not hide what the others recorded).
pub fn lock(ledger: &Mutex<Ledger>) -> MutexGuard<'_, Ledger> {
    ledger.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One of several concurrent clients writing to one team: it creates credentials and updates
/// its own. No two writers touch one credential, so every write should succeed.
#[derive(Debug)]
pub struct Writer {
    index: usize,
    session: Session,
    team_id: String,
    key: TeamKey,
    rng: Rng,
    own: Vec<(String, i64)>,
    seq: u64,
    create_one_in: u64,
}

impl Writer {
    /// Writer number `index`, owning the credentials `own` (id, acknowledged revision);
    /// about one write in `create_one_in` is a create.
    pub fn new(
        index: usize,
        session: Session,
        (team_id, key): (&str, &TeamKey),
        rng: Rng,
        own: Vec<(String, i64)>,
        create_one_in: u64,
    ) -> Self {
        Self {
            index,
            session,
            team_id: team_id.to_owned(),
            key: key.clone(),
            rng,
            own,
            seq: 0,
            create_one_in,
        }
    }

    /// Creates a credential or updates one of its own, recording the write in `ledger` before
    /// it is sent and again when it is acknowledged. An error leaves the write in flight.
    pub async fn write(&mut self, ledger: &Mutex<Ledger>) -> Result<(), WriteError> {
        self.seq += 1;
        let payload = unique_payload(&mut self.rng, self.index, self.seq);
        let sent = digest(&payload);
        let label = format!("writer {} #{}", self.index, self.seq);
        let c = NewCredential {
            kind: CredentialKind::AndroidKeystore,
            label: &label,
            metadata: serde_json::json!({ "writer": self.index, "seq": self.seq }),
            payload: &payload,
        };
        if self.own.is_empty() || self.rng.below(self.create_one_in) == 0 {
            lock(ledger).creates_in_flight.insert(sent);
            let info = self
                .session
                .create_credential(&self.team_id, &self.key, &c)
                .await?;
            expect_revision(&info, 1)?;
            lock(ledger).acked(
                &info.id,
                Version {
                    revision: 1,
                    digest: sent,
                },
            );
            self.own.push((info.id, 1));
        } else {
            let slot = self.rng.below(self.own.len() as u64) as usize;
            let (id, revision) = self.own[slot].clone();
            let next = Version {
                revision: revision + 1,
                digest: sent,
            };
            if let Some(entry) = lock(ledger).entries.get_mut(&id) {
                entry.in_flight = Some(next);
            }
            let info = self
                .session
                .update_credential(
                    &self.team_id,
                    &self.key,
                    &id,
                    CredentialKind::AndroidKeystore,
                    revision,
                    &c,
                )
                .await?;
            expect_revision(&info, next.revision)?;
            lock(ledger).acked(&id, next);
            self.own[slot].1 = next.revision;
        }
        Ok(())
    }
}

fn expect_revision(info: &CredentialInfo, revision: i64) -> Result<(), WriteError> {
    if info.revision != revision {
        return Err(WriteError::Answer(format!(
            "credential {} was acknowledged at revision {}, expected {revision}",
            info.id, info.revision
        )));
    }
    Ok(())
}

/// Why a [`Writer::write`] failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The call failed (or never got an answer).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The server answered something it should not have.
    #[error("{0}")]
    Answer(String),
}

/// What [`check`] saw.
#[derive(Debug, Clone, Copy, Default)]
pub struct Checked {
    /// Credentials the server has.
    pub credentials: usize,
    /// Payloads read and hashed.
    pub payloads_read: usize,
    /// Writes in flight at a crash that turned out to have landed.
    pub in_flight_landed: usize,
}

/// Compares the server with the ledger, with no writes running. Every acknowledged write must
/// be there at its revision — or superseded by the update that was in flight, which then
/// counts as acknowledged. Payloads are read back and hashed for every credential written
/// since the last check (every credential with `all`). A credential the ledger does not know
/// must be a create that was in flight. Fails naming the first lost or wrong write.
pub async fn check(
    ledger: &Mutex<Ledger>,
    reader: &Session,
    (team_id, key): (&str, &TeamKey),
    all: bool,
) -> Result<Checked> {
    let listed = reader
        .credentials(team_id, false)
        .await
        .context("listing the credentials (every page)")?;
    let listed: HashMap<String, i64> = listed.into_iter().map(|c| (c.id, c.revision)).collect();
    // What each credential to read must hold (`None`: an unknown id, maybe an in-flight create).
    let mut to_read: Vec<(String, Option<Version>)> = Vec::new();
    {
        let ledger = lock(ledger);
        for (id, entry) in &ledger.entries {
            let Some(&stored) = listed.get(id) else {
                bail!(
                    "LOST WRITE: credential {id} was acknowledged at revision {} and is gone",
                    entry.acked.revision
                );
            };
            let expected = if stored == entry.acked.revision {
                entry.acked
            } else if let Some(landed) = entry.in_flight.filter(|v| v.revision == stored) {
                landed
            } else {
                bail!(
                    "LOST WRITE: credential {id} was acknowledged at revision {} (in flight: {:?}) \
                     but the server has revision {stored}",
                    entry.acked.revision,
                    entry.in_flight.map(|v| v.revision)
                );
            };
            if all || entry.unchecked || expected != entry.acked {
                to_read.push((id.clone(), Some(expected)));
            }
        }
        for id in listed.keys() {
            if !ledger.entries.contains_key(id) {
                to_read.push((id.clone(), None));
            }
        }
    }
    let mut read = Vec::with_capacity(to_read.len());
    for chunk in to_read.chunks(8) {
        let mut tasks = tokio::task::JoinSet::new();
        for (id, expected) in chunk.iter().cloned() {
            let reader = reader.clone();
            let (team_id, key) = (team_id.to_owned(), key.clone());
            tasks.spawn(async move {
                let (p, plain) = reader
                    .read_credential(&team_id, &key, &id)
                    .await
                    .with_context(|| format!("reading credential {id}"))?;
                let found = Version {
                    revision: p.revision,
                    digest: digest(&plain),
                };
                anyhow::Ok((id, expected, found))
            });
        }
        while let Some(done) = tasks.join_next().await {
            read.push(done??);
        }
    }
    let mut ledger = lock(ledger);
    let mut checked = Checked {
        credentials: listed.len(),
        payloads_read: read.len(),
        in_flight_landed: 0,
    };
    for (id, expected, found) in read {
        match expected {
            Some(expected) => ensure!(
                found == expected,
                "WRONG CONTENT: credential {id} should hold revision {} with payload {}, \
                 the server returned revision {} with payload {}",
                expected.revision,
                hex(&expected.digest),
                found.revision,
                hex(&found.digest)
            ),
            None => {
                ensure!(
                    found.revision == 1 && ledger.creates_in_flight.contains(&found.digest),
                    "credential {id} (revision {}) is no write this test made or had in flight",
                    found.revision
                );
                ledger.creates_in_flight.remove(&found.digest);
                ledger.entries.insert(
                    id.clone(),
                    Entry {
                        acked: found,
                        in_flight: None,
                        unchecked: false,
                        history: vec![found],
                    },
                );
                checked.in_flight_landed += 1;
                continue;
            }
        }
        if let Some(entry) = ledger.entries.get_mut(&id) {
            if entry.acked != found {
                checked.in_flight_landed += 1;
                entry.history.push(found);
            }
            entry.acked = found;
            entry.in_flight = None;
            entry.unchecked = false;
        }
    }
    // What was in flight and is not there never landed; the server said nothing about it.
    ledger.creates_in_flight.clear();
    for entry in ledger.entries.values_mut() {
        entry.in_flight = None;
    }
    Ok(checked)
}

fn hex(d: &Digest) -> String {
    d[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// `PRAGMA integrity_check` on the SQLite database at `path`, opened read-only (its WAL is
/// read too, as the server would): the rows it returns, `["ok"]` for a sound database.
pub async fn sqlite_integrity(path: &Path) -> Result<Vec<String>> {
    use sqlx::{ConnectOptions, Connection, sqlite::SqliteConnectOptions};
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .busy_timeout(Duration::from_secs(10))
        .connect()
        .await
        .with_context(|| format!("cannot open {} read-only", path.display()))?;
    let verdict: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .with_context(|| format!("PRAGMA integrity_check on {}", path.display()))?;
    conn.close().await?;
    Ok(verdict)
}

//! Account keys: password → Argon2id → master key → HKDF-SHA256 → `auth_key` + `kek`.
//!
//! The Argon2id parameters and the 16-byte salt travel with the account (the server hands
//! them out before login). A malicious server could hand out weak parameters to make a
//! stolen `auth_key` hash cheap to brute-force, or huge ones to freeze the browser, so the
//! client checks them against a floor and a ceiling before doing any work
//! ([`KdfParams::check`]).

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{envelope, secret::Key32};
use crate::{Error, Result};

/// Memory floor: 19 MiB (OWASP's minimum for Argon2id with t=2).
pub const MIN_MEMORY_KIB: u32 = 19 * 1024;
/// Memory ceiling: 1 GiB.
pub const MAX_MEMORY_KIB: u32 = 1024 * 1024;
/// Fewest passes accepted.
pub const MIN_ITERATIONS: u32 = 2;
/// Most passes accepted.
pub const MAX_ITERATIONS: u32 = 10;
/// Most lanes accepted (the browser computes lanes one after another anyway).
pub const MAX_PARALLELISM: u32 = 16;

/// HKDF labels. Changing one changes every account's keys: they are part of the format.
const LABEL_AUTH: &[u8] = b"signet/v1/account/auth-key";
const LABEL_KEK: &[u8] = b"signet/v1/account/kek";

/// Argon2id cost parameters of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB (`m`).
    pub memory_kib: u32,
    /// Passes over memory (`t`).
    pub iterations: u32,
    /// Lanes (`p`).
    pub parallelism: u32,
    /// Set only by [`KdfParams::dangerously_weak_for_tests`]; never serialized, so parameters
    /// that come from a server are always checked.
    #[serde(skip)]
    floor_waived: bool,
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl KdfParams {
    /// The defaults for new accounts: m = 64 MiB, t = 3, p = 1.
    pub const DEFAULT: Self = Self {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
        floor_waived: false,
    };

    /// Parameters within the accepted range, or [`Error::KdfParams`] naming the problem.
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self> {
        let p = Self {
            memory_kib,
            iterations,
            parallelism,
            floor_waived: false,
        };
        p.check()?;
        Ok(p)
    }

    /// Cheap parameters that skip the floor, so test suites can derive keys in milliseconds.
    /// Never use outside tests: the flag is not serialized, so a server can never send it.
    #[doc(hidden)]
    pub fn dangerously_weak_for_tests(memory_kib: u32, iterations: u32) -> Self {
        Self {
            memory_kib,
            iterations,
            parallelism: 1,
            floor_waived: true,
        }
    }

    /// Whether these parameters make a guess cheaper than `other` does (less memory or fewer
    /// passes). Parallelism does not change the cost of a guess, so it is not compared.
    pub fn is_weaker_than(&self, other: &KdfParams) -> bool {
        self.memory_kib < other.memory_kib || self.iterations < other.iterations
    }

    /// Checks the floor and ceiling. Called by [`derive_account_keys`] before any work.
    pub fn check(&self) -> Result<()> {
        let err = |m: String| Err(Error::KdfParams(m));
        if self.parallelism == 0 || self.parallelism > MAX_PARALLELISM {
            return err(format!(
                "parallelism {} is outside 1..={MAX_PARALLELISM}",
                self.parallelism
            ));
        }
        if self.floor_waived {
            return Ok(());
        }
        if self.memory_kib < MIN_MEMORY_KIB {
            return err(format!(
                "memory cost {} KiB is below the minimum of {MIN_MEMORY_KIB} KiB (19 MiB); \
                 the server may be trying to weaken your password protection",
                self.memory_kib
            ));
        }
        if self.memory_kib > MAX_MEMORY_KIB {
            return err(format!(
                "memory cost {} KiB is above the maximum of {MAX_MEMORY_KIB} KiB (1 GiB)",
                self.memory_kib
            ));
        }
        if self.iterations < MIN_ITERATIONS {
            return err(format!(
                "iteration count {} is below the minimum of {MIN_ITERATIONS}; \
                 the server may be trying to weaken your password protection",
                self.iterations
            ));
        }
        if self.iterations > MAX_ITERATIONS {
            return err(format!(
                "iteration count {} is above the maximum of {MAX_ITERATIONS}",
                self.iterations
            ));
        }
        Ok(())
    }
}

/// The account's random 16-byte Argon2id salt (public; stored by the server).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KdfSalt([u8; 16]);

impl KdfSalt {
    /// A fresh random salt (new account, password change).
    pub fn generate() -> Result<Self> {
        super::rng::bytes().map(Self)
    }

    /// From 16 bytes.
    pub fn from_array(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// Parses the binary form: exactly 16 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        bytes
            .try_into()
            .map(Self)
            .map_err(|_| envelope::malformed("KDF salt", "must be 16 bytes"))
    }

    fn encode(&self) -> Vec<u8> {
        self.0.to_vec()
    }
}

envelope::encoded_type!(KdfSalt, "KDF salt");

/// The value sent to the server at login (and at registration). The server stores only
/// [`crate::vault::server_side::hash_for_storage`] of it. Knowing it lets one log in, but
/// not decrypt anything: it is HKDF-separated from the KEK.
#[derive(Clone)]
pub struct AuthKey(Key32);

impl AuthKey {
    /// The one place the auth key leaves the client: its text form for the login request.
    pub fn dangerously_to_base64(&self) -> String {
        envelope::to_base64(self.0.as_bytes())
    }
}

impl core::fmt::Debug for AuthKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AuthKey(<redacted>)")
    }
}

/// The key-encryption key that wraps the user key. Never leaves the client.
#[derive(Clone)]
pub struct Kek(pub(crate) Key32);

impl core::fmt::Debug for Kek {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Kek(<redacted>)")
    }
}

/// Both keys derived from the password.
#[derive(Debug, Clone)]
pub struct AccountKeys {
    /// Sent to the server to log in.
    pub auth_key: AuthKey,
    /// Unwraps the user key.
    pub kek: Kek,
}

/// Argon2id's working memory for one set of parameters (`m` KiB), allocated with every page
/// written once. The dashboard makes it while the password form is shown, so the derivation
/// after "Unlock" does not also pay for growing the page's memory and faulting in 64 MiB
/// (~35 ms of a ~180 ms derivation in Chromium; see docs/security.md §7). It is cleared after
/// each use and zeroized when dropped; `Debug` shows only its size.
pub struct KdfMemory {
    blocks: Vec<argon2::Block>,
    params: KdfParams,
}

impl KdfMemory {
    /// Memory for `params`, refused (like a derivation) outside the accepted range.
    pub fn new(params: &KdfParams) -> Result<Self> {
        params.check()?;
        // Each block written through `black_box`, so the pages are really touched now (a
        // zeroed allocation could stay untouched until the derivation).
        let blocks = (0..argon_params(params)?.block_count())
            .map(|_| core::hint::black_box(argon2::Block::new()))
            .collect();
        Ok(Self {
            blocks,
            params: *params,
        })
    }

    /// Whether this memory is the size `params` needs.
    pub fn fits(&self, params: &KdfParams) -> bool {
        self.params.memory_kib == params.memory_kib && self.params.parallelism == params.parallelism
    }
}

impl Drop for KdfMemory {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.blocks.iter_mut().for_each(Zeroize::zeroize);
    }
}

impl core::fmt::Debug for KdfMemory {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "KdfMemory({} KiB)", self.blocks.len())
    }
}

fn argon_params(params: &KdfParams) -> Result<argon2::Params> {
    argon2::Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
    .map_err(|e| Error::KdfParams(e.to_string()))
}

/// Password → Argon2id(salt, params) → master key → HKDF-SHA256 → [`AccountKeys`].
///
/// Refuses parameters outside the accepted range before spending any time.
/// The password is used as given (UTF-8 bytes); callers should apply the same Unicode
/// normalisation everywhere (the app and the CLI both pass NFC).
pub fn derive_account_keys(
    password: &str,
    salt: &KdfSalt,
    params: &KdfParams,
) -> Result<AccountKeys> {
    derive_account_keys_in(password, salt, params, None)
}

/// [`derive_account_keys`] in `memory` made beforehand ([`KdfMemory`]), when it fits
/// `params`; otherwise in memory allocated for this derivation. The same keys either way.
pub fn derive_account_keys_in(
    password: &str,
    salt: &KdfSalt,
    params: &KdfParams,
    memory: Option<&mut KdfMemory>,
) -> Result<AccountKeys> {
    params.check()?;
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon_params(params)?,
    );
    let mut master = Zeroizing::new([0u8; 32]);
    let result = match memory.filter(|m| m.fits(params)) {
        Some(memory) => {
            let result = argon.hash_password_into_with_memory(
                password.as_bytes(),
                &salt.0,
                master.as_mut(),
                &mut memory.blocks,
            );
            // Cleared for the next use (and zeroized on drop): what is left is derived from
            // the password.
            memory.blocks.fill(argon2::Block::default());
            result
        }
        None => argon.hash_password_into(password.as_bytes(), &salt.0, master.as_mut()),
    };
    result.map_err(|e| Error::KdfParams(e.to_string()))?;
    let master = Key32::from_bytes(*master);
    Ok(AccountKeys {
        auth_key: AuthKey(master.derive(LABEL_AUTH)?),
        kek: Kek(master.derive(LABEL_KEK)?),
    })
}

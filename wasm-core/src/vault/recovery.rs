//! Recovery codes: a lost password is not lost credentials.
//!
//! A recovery code is 160 random bits, shown once as 32 Crockford base32 characters in eight
//! groups of four (`7KQ2-M9XD-…`). Input is forgiving: case, spaces and dashes are ignored,
//! and `O`→`0`, `I`/`L`→`1` as Crockford specifies. The code is high-entropy, so keys are
//! derived from it with HKDF alone (no Argon2id):
//! - `recovery wrap key = HKDF-SHA256(code, info = "signet/v1/recovery/wrap")` wraps the user
//!   key (sealed box purpose `0x02`);
//! - `recovery auth key = HKDF-SHA256(code, info = "signet/v1/recovery/auth")` is what the
//!   client shows the server to be given that wrap; the server stores only its hash.

use zeroize::Zeroizing;

use super::{
    envelope::{self, Binding, Purpose, Sealed, sealed_type},
    secret::{Key32, hkdf32},
    user_key::UserKey,
};
use crate::{Error, Result};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_BYTES: usize = 20;
const CODE_CHARS: usize = 32;
const GROUP: usize = 4;

/// A recovery code. Zeroized on drop; `Debug` is redacted; not serializable.
pub struct RecoveryCode(Zeroizing<[u8; CODE_BYTES]>);

impl core::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RecoveryCode(<redacted>)")
    }
}

impl RecoveryCode {
    /// A fresh code (160 bits).
    pub fn generate() -> Result<Self> {
        let mut b = Zeroizing::new([0u8; CODE_BYTES]);
        super::rng::fill(b.as_mut())?;
        Ok(Self(b))
    }

    /// The printable form, `XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX`: the one place the code
    /// leaves, to be shown to the user once.
    pub fn dangerously_display(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(CODE_CHARS + CODE_CHARS / GROUP));
        // 160 bits = 32 groups of 5 bits, most significant first.
        for i in 0..CODE_CHARS {
            if i > 0 && i % GROUP == 0 {
                out.push('-');
            }
            let mut v = 0u8;
            for bit in 0..5 {
                let pos = i * 5 + bit;
                let b = (self.0[pos / 8] >> (7 - pos % 8)) & 1;
                v = (v << 1) | b;
            }
            out.push(char::from(ALPHABET[usize::from(v)]));
        }
        out
    }

    /// Parses what the user typed. Ignores case, spaces and dashes; maps `O` to `0` and
    /// `I`/`L` to `1`.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |m: &str| {
            Error::BadSecretFormat(format!(
                "that is not a recovery code ({m}): it has 32 letters and digits, like 7KQ2-M9XD-…"
            ))
        };
        let mut bytes = Zeroizing::new([0u8; CODE_BYTES]);
        let mut n = 0usize;
        for c in text.chars() {
            if c == '-' || c.is_whitespace() {
                continue;
            }
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            let v = ALPHABET
                .iter()
                .position(|&a| char::from(a) == c)
                .ok_or_else(|| bad("unexpected character"))?;
            if n >= CODE_CHARS {
                return Err(bad("too long"));
            }
            for bit in 0..5 {
                let pos = n * 5 + bit;
                if (v >> (4 - bit)) & 1 == 1 {
                    bytes[pos / 8] |= 1 << (7 - pos % 8);
                }
            }
            n += 1;
        }
        if n != CODE_CHARS {
            return Err(bad("too short"));
        }
        Ok(Self(bytes))
    }

    fn wrap_key(&self) -> Result<Key32> {
        hkdf32(self.0.as_ref(), None, b"signet/v1/recovery/wrap")
    }

    /// The value that proves knowledge of the code to the server (which stores only its
    /// hash, `server_side::PresentedSecret::RecoveryAuthKey`), in its text form.
    pub fn dangerously_auth_key_base64(&self) -> Result<String> {
        let k = hkdf32(self.0.as_ref(), None, b"signet/v1/recovery/auth")?;
        Ok(envelope::to_base64(k.as_bytes()))
    }

    /// Wraps the user key under this code (registration, or making a new code).
    pub fn wrap_user_key(&self, user_key: &UserKey) -> Result<RecoveryWrappedUserKey> {
        Sealed::seal(
            &self.wrap_key()?,
            Purpose::UserKeyByRecoveryCode,
            0,
            &Binding::new(),
            user_key.0.as_bytes(),
        )
        .map(RecoveryWrappedUserKey)
    }
}

sealed_type!(
    /// The user key wrapped by the recovery code (purpose `0x02`).
    RecoveryWrappedUserKey,
    Purpose::UserKeyByRecoveryCode,
    "recovery-wrapped user key"
);

impl RecoveryWrappedUserKey {
    /// Unwraps with the recovery code. Wrong code → [`Error::OpenFailed`].
    pub fn open(&self, code: &RecoveryCode) -> Result<UserKey> {
        self.0
            .open_key(&code.wrap_key()?, &Binding::new())
            .map(UserKey)
    }
}

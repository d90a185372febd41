//! Opening an existing keystore without knowing its format.
//!
//! [`Keystore::open`] checks the store password (JKS digest or PKCS#12 MAC) up front; private
//! keys are decrypted only when asked for with [`Keystore::key_entry`], so a wrong key
//! password is reported separately, per alias.

use super::{Password, PrivateKey, jks, pkcs12};
use crate::{Error, Result, cert::CertificateInfo};

/// The container format of a keystore file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum KeystoreFormat {
    /// Java KeyStore (`.jks`, `.keystore`): EAS's default.
    Jks,
    /// PKCS#12 (`.p12`, `.pfx`): keytool's default since Java 9.
    Pkcs12,
}

impl KeystoreFormat {
    /// `JKS` or `PKCS12`, as keytool's `-storetype` spells it.
    pub fn name(self) -> &'static str {
        match self {
            KeystoreFormat::Jks => "JKS",
            KeystoreFormat::Pkcs12 => "PKCS12",
        }
    }
}

/// What an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum EntryKind {
    /// A private key and its certificate chain (what signs apps).
    PrivateKey,
    /// A certificate only (someone else's, trusted).
    TrustedCertificate,
}

impl EntryKind {
    fn describe(self) -> &'static str {
        match self {
            EntryKind::PrivateKey => "private key",
            EntryKind::TrustedCertificate => "trusted certificate",
        }
    }
}

/// An entry as listed (no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryInfo {
    /// The alias.
    pub alias: String,
    /// What it holds.
    pub kind: EntryKind,
    /// Creation time in milliseconds since 1970 (JKS records it; PKCS#12 does not).
    pub created_ms: Option<u64>,
}

/// A decrypted private key with its certificate chain.
#[derive(Debug, Clone)]
pub struct KeyEntry {
    /// The alias.
    pub alias: String,
    /// The private key.
    pub key: PrivateKey,
    /// Certificates (DER), the key's own first.
    pub chain: Vec<Vec<u8>>,
}

impl KeyEntry {
    /// Facts about the key's own certificate.
    pub fn certificate_info(&self) -> Result<CertificateInfo> {
        let leaf = self
            .chain
            .first()
            .ok_or_else(|| Error::MalformedCertificate("the entry has no certificate".into()))?;
        CertificateInfo::from_der(leaf)
    }
}

/// A keystore file ready to save, with what Gradle / `credentials.json` need to use it.
#[derive(Debug, Clone)]
pub struct EncodedKeystore {
    /// JKS or PKCS#12.
    pub format: KeystoreFormat,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// `keyAlias`.
    pub alias: String,
    /// `keystorePassword`.
    pub store_password: Password,
    /// `keyPassword` (for PKCS#12 always equal to the store password).
    pub key_password: Password,
}

/// How a key is held inside a keystore until someone asks for it.
#[derive(Clone)]
pub(crate) enum ProtectedKey {
    /// Sun key protector `EncryptedPrivateKeyInfo`.
    Jks(Vec<u8>),
    /// PKCS#12 shrouded key bag (`EncryptedPrivateKeyInfo`, PBES1/PBES2).
    Pkcs12(Vec<u8>),
    /// PKCS#12 plain key bag.
    Plain(PrivateKey),
}

/// An entry as read from a file, before any key is decrypted.
#[derive(Clone)]
pub(crate) enum RawEntry {
    Key {
        alias: String,
        created_ms: Option<u64>,
        protected: ProtectedKey,
        chain: Vec<Vec<u8>>,
    },
    Certificate {
        alias: String,
        created_ms: Option<u64>,
        certificate: Vec<u8>,
    },
}

impl RawEntry {
    fn alias(&self) -> &str {
        match self {
            RawEntry::Key { alias, .. } | RawEntry::Certificate { alias, .. } => alias,
        }
    }

    fn info(&self) -> EntryInfo {
        match self {
            RawEntry::Key {
                alias, created_ms, ..
            } => EntryInfo {
                alias: alias.clone(),
                kind: EntryKind::PrivateKey,
                created_ms: *created_ms,
            },
            RawEntry::Certificate {
                alias, created_ms, ..
            } => EntryInfo {
                alias: alias.clone(),
                kind: EntryKind::TrustedCertificate,
                created_ms: *created_ms,
            },
        }
    }
}

/// An opened keystore (store password verified).
pub struct Keystore {
    format: KeystoreFormat,
    entries: Vec<RawEntry>,
    store_password: Password,
    key_password: Option<Password>,
}

impl core::fmt::Debug for Keystore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Keystore")
            .field("format", &self.format)
            .field("entries", &self.entries())
            .finish_non_exhaustive()
    }
}

impl Keystore {
    /// Detects the format (JKS or PKCS#12) and checks `store_password`.
    ///
    /// `key_password` is used for private keys; when `None` the store password is tried (the
    /// usual case, and the only one for PKCS#12).
    pub fn open(bytes: &[u8], store_password: &str, key_password: Option<&str>) -> Result<Self> {
        let format = detect(bytes).ok_or(Error::NotAKeystore)?;
        let entries = match format {
            KeystoreFormat::Jks => jks::read(bytes, store_password)?,
            KeystoreFormat::Pkcs12 => pkcs12::read(bytes, store_password)?,
        };
        Ok(Self {
            format,
            entries,
            store_password: Password::new(store_password),
            key_password: key_password.map(Password::new),
        })
    }

    /// JKS or PKCS#12.
    pub fn format(&self) -> KeystoreFormat {
        self.format
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> Vec<EntryInfo> {
        self.entries.iter().map(RawEntry::info).collect()
    }

    /// The aliases, in file order.
    pub fn aliases(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.alias().to_owned()).collect()
    }

    fn find(&self, alias: &str) -> Result<&RawEntry> {
        // keytool lowercases JKS aliases; PKCS#12 friendly names keep their case but keytool
        // matches them case-insensitively too.
        self.entries
            .iter()
            .find(|e| e.alias() == alias)
            .or_else(|| {
                self.entries
                    .iter()
                    .find(|e| e.alias().to_lowercase() == alias.to_lowercase())
            })
            .ok_or_else(|| Error::UnknownAlias {
                alias: alias.to_owned(),
                present: self.aliases(),
            })
    }

    /// The certificate chain of an entry (no key password needed).
    pub fn certificate_chain(&self, alias: &str) -> Result<Vec<Vec<u8>>> {
        Ok(match self.find(alias)? {
            RawEntry::Key { chain, .. } => chain.clone(),
            RawEntry::Certificate { certificate, .. } => vec![certificate.clone()],
        })
    }

    /// The only private-key entry, or the first of several: what a signing keystore normally
    /// holds. Errors if there is none.
    pub fn default_key_alias(&self) -> Result<String> {
        self.entries
            .iter()
            .find(|e| matches!(e, RawEntry::Key { .. }))
            .map(|e| e.alias().to_owned())
            .ok_or_else(|| Error::UnknownAlias {
                alias: "(any private key)".into(),
                present: self.aliases(),
            })
    }

    /// The alias of the keystore's only private key, for an upload where no alias was typed.
    /// None or several: [`Error::ChooseKeyAlias`], which lists them.
    pub fn only_key_alias(&self) -> Result<String> {
        let keys: Vec<String> = self
            .entries
            .iter()
            .filter(|e| matches!(e, RawEntry::Key { .. }))
            .map(|e| e.alias().to_owned())
            .collect();
        match <[String; 1]>::try_from(keys) {
            Ok([only]) => Ok(only),
            Err(keys) => Err(Error::ChooseKeyAlias { keys }),
        }
    }

    /// Decrypts the private key of `alias` with the key password (or the store password).
    pub fn key_entry(&self, alias: &str) -> Result<KeyEntry> {
        let entry = self.find(alias)?;
        let RawEntry::Key {
            alias,
            protected,
            chain,
            ..
        } = entry
        else {
            return Err(Error::NotAKeyEntry {
                alias: entry.alias().to_owned(),
                kind: entry.info().kind.describe(),
            });
        };
        let password = self.key_password.as_ref().unwrap_or(&self.store_password);
        let key = match protected {
            ProtectedKey::Jks(epki) => jks::recover(epki, password.expose())?,
            ProtectedKey::Pkcs12(epki) => pkcs12::decrypt_key(epki, password.expose())?,
            ProtectedKey::Plain(key) => Some(key.clone()),
        };
        let key = key.ok_or_else(|| Error::WrongKeyPassword {
            alias: alias.clone(),
        })?;
        Ok(KeyEntry {
            alias: alias.clone(),
            key,
            chain: chain.clone(),
        })
    }
}

/// JKS starts with FEEDFEED (or JCEKS's CECECECE); PKCS#12 is a DER SEQUENCE whose first
/// element is INTEGER 3. Only the header is looked at, so a truncated PKCS#12 is still
/// recognised (and then reported as damaged rather than as "not a keystore").
fn detect(bytes: &[u8]) -> Option<KeystoreFormat> {
    match bytes.get(..4)? {
        [0xfe, 0xed, 0xfe, 0xed] | [0xce, 0xce, 0xce, 0xce] => return Some(KeystoreFormat::Jks),
        _ => {}
    }
    if bytes.first() != Some(&super::asn1::SEQUENCE) {
        return None;
    }
    let len_byte = *bytes.get(1)?;
    let header = if len_byte < 0x80 {
        2
    } else {
        2 + usize::from(len_byte & 0x7f)
    };
    (bytes.get(header..header + 3)? == [0x02, 0x01, 0x03]).then_some(KeystoreFormat::Pkcs12)
}

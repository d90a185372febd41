//! The Java KeyStore (JKS) format, version 2, as `sun.security.provider.JavaKeyStore` writes it.
//!
//! ```text
//! u32 magic 0xFEEDFEED, u32 version 2, u32 entry count
//! entry: u32 tag (1 = private key, 2 = trusted certificate)
//!        UTF alias (u16 length + modified UTF-8), u64 creation time (ms)
//!   1:   u32 length + EncryptedPrivateKeyInfo, u32 chain length,
//!        chain × (UTF "X.509", u32 length + certificate DER)
//!   2:   UTF "X.509", u32 length + certificate DER
//! 20 bytes: SHA-1(password as UTF-16BE ‖ "Mighty Aphrodite" ‖ everything above)
//! ```
//!
//! The private key is protected by Sun's proprietary `KeyProtector` (OID
//! 1.3.6.1.4.1.42.2.17.1.1): a SHA-1 keystream seeded by a 20-byte salt and the key password
//! (UTF-16BE), XORed with the PKCS#8 key, followed by SHA-1(password ‖ plaintext) as a check.
//! Passwords are UTF-16 code units in both places, which is why non-ASCII passwords work
//! here and in keytool alike.

use der::asn1::ObjectIdentifier;
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use super::{
    Password, PrivateKey,
    asn1::{self, Malformed},
    keystore::{ProtectedKey, RawEntry},
    random_bytes, utf16be,
};
use crate::{Error, Result};

/// The first four bytes of every JKS file.
pub const MAGIC: u32 = 0xFEED_FEED;
/// JCEKS (Sun's JCE keystore); recognised so the error can say so.
pub(crate) const JCEKS_MAGIC: u32 = 0xCECE_CECE;
const VERSION: u32 = 2;
const TAG_PRIVATE_KEY: u32 = 1;
const TAG_TRUSTED_CERT: u32 = 2;
const TAG_SECRET_KEY: u32 = 3;
const WHITENER: &[u8] = b"Mighty Aphrodite";
const SUN_KEY_PROTECTOR: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.42.2.17.1.1");
const SALT_LEN: usize = 20;
const DIGEST_LEN: usize = 20;

fn malformed(reason: impl Into<String>) -> Error {
    Error::MalformedKeystore {
        format: "JKS",
        reason: reason.into(),
    }
}

/// One entry to write.
#[derive(Debug)]
pub enum JksEntry<'a> {
    /// A private key with its certificate chain (leaf first), protected by `key_password`.
    PrivateKey {
        /// Alias (lowercased when written, as keytool does).
        alias: &'a str,
        /// The key.
        key: &'a PrivateKey,
        /// Certificates, DER, leaf first.
        chain: &'a [Vec<u8>],
        /// The key's own password (may differ from the store password).
        key_password: &'a Password,
        /// Creation time, milliseconds since 1970.
        created_ms: u64,
    },
    /// A trusted certificate.
    TrustedCertificate {
        /// Alias.
        alias: &'a str,
        /// Certificate, DER.
        certificate: &'a [u8],
        /// Creation time, milliseconds since 1970.
        created_ms: u64,
    },
}

/// Writes a JKS holding one private-key entry.
pub fn write_key_entry(
    alias: &str,
    key: &PrivateKey,
    chain: &[Vec<u8>],
    store_password: &Password,
    key_password: &Password,
    created_ms: u64,
) -> Result<Vec<u8>> {
    write(
        &[JksEntry::PrivateKey {
            alias,
            key,
            chain,
            key_password,
            created_ms,
        }],
        store_password,
    )
}

/// Writes a JKS with `entries`, its integrity digest keyed by `store_password`.
pub fn write(entries: &[JksEntry<'_>], store_password: &Password) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    out.extend_from_slice(&MAGIC.to_be_bytes());
    out.extend_from_slice(&VERSION.to_be_bytes());
    out.extend_from_slice(&u32_len(entries.len(), "entries")?.to_be_bytes());
    for entry in entries {
        match entry {
            JksEntry::PrivateKey {
                alias,
                key,
                chain,
                key_password,
                created_ms,
            } => {
                if chain.is_empty() {
                    return Err(Error::InvalidInput(
                        "a private-key entry needs at least its own certificate".into(),
                    ));
                }
                out.extend_from_slice(&TAG_PRIVATE_KEY.to_be_bytes());
                write_utf(&mut out, &alias.to_lowercase())?;
                out.extend_from_slice(&created_ms.to_be_bytes());
                let protected = protect(key.dangerously_expose_pkcs8_der(), key_password)?;
                write_bytes(&mut out, &protected)?;
                out.extend_from_slice(&u32_len(chain.len(), "certificates")?.to_be_bytes());
                for cert in chain.iter() {
                    write_utf(&mut out, "X.509")?;
                    write_bytes(&mut out, cert)?;
                }
            }
            JksEntry::TrustedCertificate {
                alias,
                certificate,
                created_ms,
            } => {
                out.extend_from_slice(&TAG_TRUSTED_CERT.to_be_bytes());
                write_utf(&mut out, &alias.to_lowercase())?;
                out.extend_from_slice(&created_ms.to_be_bytes());
                write_utf(&mut out, "X.509")?;
                write_bytes(&mut out, certificate)?;
            }
        }
    }
    let digest = integrity_digest(store_password.expose(), &out);
    out.extend_from_slice(&digest);
    Ok(out)
}

fn u32_len(len: usize, what: &str) -> Result<u32> {
    u32::try_from(len).map_err(|_| Error::InvalidInput(format!("too many {what} for JKS")))
}

fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) -> Result<()> {
    out.extend_from_slice(&u32_len(bytes.len(), "bytes")?.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

/// Java's `DataOutput.writeUTF`: u16 length + modified UTF-8 (NUL as C0 80, characters
/// outside the BMP as two 3-byte surrogates).
fn write_utf(out: &mut Vec<u8>, s: &str) -> Result<()> {
    let mut bytes = Vec::with_capacity(s.len());
    for unit in s.encode_utf16() {
        match unit {
            0x0001..=0x007f => bytes.push(unit as u8),
            0x0000 | 0x0080..=0x07ff => {
                bytes.push(0xc0 | (unit >> 6) as u8);
                bytes.push(0x80 | (unit & 0x3f) as u8);
            }
            _ => {
                bytes.push(0xe0 | (unit >> 12) as u8);
                bytes.push(0x80 | ((unit >> 6) & 0x3f) as u8);
                bytes.push(0x80 | (unit & 0x3f) as u8);
            }
        }
    }
    let len = u16::try_from(bytes.len())
        .map_err(|_| Error::InvalidInput("alias is too long for JKS".into()))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&bytes);
    Ok(())
}

fn integrity_digest(password: &str, data: &[u8]) -> [u8; DIGEST_LEN] {
    let mut sha = Sha1::new();
    sha.update(utf16be(password).as_slice());
    sha.update(WHITENER);
    sha.update(data);
    sha.finalize().into()
}

/// The SHA-1 keystream of Sun's `KeyProtector`.
fn keystream(password: &[u8], salt: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    let mut stream = Zeroizing::new(Vec::with_capacity(len + DIGEST_LEN));
    let mut digest: Zeroizing<Vec<u8>> = Zeroizing::new(salt.to_vec());
    while stream.len() < len {
        let mut sha = Sha1::new();
        sha.update(password);
        sha.update(digest.as_slice());
        *digest = sha.finalize().to_vec();
        stream.extend_from_slice(&digest);
    }
    stream.truncate(len);
    stream
}

/// Encrypts PKCS#8 with Sun's key protector → `EncryptedPrivateKeyInfo` DER.
fn protect(plain: &[u8], key_password: &Password) -> Result<Vec<u8>> {
    let password = utf16be(key_password.expose());
    let salt = random_bytes::<SALT_LEN>()?;
    let stream = keystream(&password, &salt, plain.len());
    let mut blob = Vec::with_capacity(SALT_LEN + plain.len() + DIGEST_LEN);
    blob.extend_from_slice(&salt);
    blob.extend(plain.iter().zip(stream.iter()).map(|(p, k)| p ^ k));
    let mut sha = Sha1::new();
    sha.update(password.as_slice());
    sha.update(plain);
    blob.extend_from_slice(&sha.finalize());
    Ok(asn1::seq(&[
        &asn1::algorithm(&SUN_KEY_PROTECTOR, &asn1::null()),
        &asn1::octets(&blob),
    ]))
}

/// Decrypts a key protected by Sun's key protector. `None` when the password is wrong.
pub(crate) fn recover(epki: &[u8], key_password: &str) -> Result<Option<PrivateKey>> {
    let parse = |e: Malformed| malformed(format!("encrypted key: {}", e.0));
    let mut r = asn1::single(epki, asn1::SEQUENCE, "encrypted key")
        .map_err(parse)?
        .reader();
    let alg = asn1::AlgorithmId::read(r.next("key algorithm").map_err(parse)?, "key algorithm")
        .map_err(parse)?;
    if alg.oid != SUN_KEY_PROTECTOR {
        return Err(Error::UnsupportedKeystore(format!(
            "JKS key protected with algorithm {} (only Sun's key protector is supported)",
            alg.oid
        )));
    }
    let blob = r
        .expect(asn1::OCTET_STRING, "encrypted key")
        .map_err(parse)?;
    let blob = blob.content;
    if blob.len() < SALT_LEN + DIGEST_LEN {
        return Err(malformed("encrypted key is too short"));
    }
    let (salt, rest) = blob.split_at(SALT_LEN);
    let (encrypted, check) = rest.split_at(rest.len() - DIGEST_LEN);
    let password = utf16be(key_password);
    let stream = keystream(&password, salt, encrypted.len());
    let plain: Zeroizing<Vec<u8>> = Zeroizing::new(
        encrypted
            .iter()
            .zip(stream.iter())
            .map(|(c, k)| c ^ k)
            .collect(),
    );
    let mut sha = Sha1::new();
    sha.update(password.as_slice());
    sha.update(plain.as_slice());
    if sha.finalize().as_slice() != check {
        return Ok(None);
    }
    PrivateKey::from_pkcs8_der(plain.to_vec())
        .map(Some)
        .map_err(|_| malformed("the decrypted key is not PKCS#8"))
}

/// A bounds-checked big-endian cursor.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.data.len())
            .ok_or_else(|| malformed(format!("truncated in {what}")))?;
        let slice = &self.data[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn u16(&mut self, what: &str) -> Result<u16> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self, what: &str) -> Result<u64> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }

    fn bytes(&mut self, what: &str) -> Result<&'a [u8]> {
        let len = self.u32(what)? as usize;
        self.take(len, what)
    }

    fn utf(&mut self, what: &str) -> Result<String> {
        let len = usize::from(self.u16(what)?);
        let bytes = self.take(len, what)?;
        decode_modified_utf8(bytes).ok_or_else(|| malformed(format!("{what} is not valid text")))
    }
}

fn decode_modified_utf8(bytes: &[u8]) -> Option<String> {
    let mut units = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let cont = |j: usize| {
            bytes
                .get(j)
                .filter(|c| *c & 0xc0 == 0x80)
                .map(|c| u16::from(c & 0x3f))
        };
        if b & 0x80 == 0 {
            units.push(u16::from(b));
            i += 1;
        } else if b & 0xe0 == 0xc0 {
            units.push((u16::from(b & 0x1f) << 6) | cont(i + 1)?);
            i += 2;
        } else if b & 0xf0 == 0xe0 {
            units.push((u16::from(b & 0x0f) << 12) | (cont(i + 1)? << 6) | cont(i + 2)?);
            i += 3;
        } else {
            return None;
        }
    }
    String::from_utf16(&units).ok()
}

/// Reads a JKS file, checking its integrity digest with `store_password`.
pub(crate) fn read(bytes: &[u8], store_password: &str) -> Result<Vec<RawEntry>> {
    read_with(bytes, store_password, true)
}

/// [`read`], optionally without the digest check (only the fuzz targets skip it, so that
/// they reach the parser behind it).
pub(crate) fn read_with(
    bytes: &[u8],
    store_password: &str,
    check_integrity: bool,
) -> Result<Vec<RawEntry>> {
    if bytes.len() < 4 + 4 + 4 + DIGEST_LEN {
        return Err(malformed("the file is too short"));
    }
    let mut c = Cursor {
        data: bytes,
        pos: 0,
    };
    let magic = c.u32("magic")?;
    if magic == JCEKS_MAGIC {
        return Err(Error::UnsupportedKeystore(
            "this is a JCEKS keystore".into(),
        ));
    }
    if magic != MAGIC {
        return Err(Error::NotAKeystore);
    }
    let version = c.u32("version")?;
    if version != 1 && version != VERSION {
        return Err(Error::UnsupportedKeystore(format!("JKS version {version}")));
    }
    let count = c.u32("entry count")?;
    let mut entries = Vec::new();
    for _ in 0..count {
        let tag = c.u32("entry tag")?;
        let alias = c.utf("alias")?;
        let created_ms = c.u64("creation date")?;
        match tag {
            TAG_PRIVATE_KEY => {
                let encrypted = c.bytes("encrypted key")?.to_vec();
                let n = c.u32("chain length")?;
                let mut chain = Vec::new();
                for _ in 0..n {
                    if version == VERSION {
                        let kind = c.utf("certificate type")?;
                        if kind != "X.509" {
                            return Err(Error::UnsupportedKeystore(format!(
                                "certificate type {kind}"
                            )));
                        }
                    }
                    chain.push(c.bytes("certificate")?.to_vec());
                }
                entries.push(RawEntry::Key {
                    alias,
                    created_ms: Some(created_ms),
                    protected: ProtectedKey::Jks(encrypted),
                    chain,
                });
            }
            TAG_TRUSTED_CERT => {
                if version == VERSION {
                    let kind = c.utf("certificate type")?;
                    if kind != "X.509" {
                        return Err(Error::UnsupportedKeystore(format!(
                            "certificate type {kind}"
                        )));
                    }
                }
                let cert = c.bytes("certificate")?.to_vec();
                entries.push(RawEntry::Certificate {
                    alias,
                    created_ms: Some(created_ms),
                    certificate: cert,
                });
            }
            TAG_SECRET_KEY => {
                return Err(Error::UnsupportedKeystore(
                    "secret-key entries (JCEKS) are not supported".into(),
                ));
            }
            other => return Err(malformed(format!("unknown entry tag {other}"))),
        }
    }
    let data_end = c.pos;
    let stored = c.take(DIGEST_LEN, "integrity digest")?;
    if c.pos != bytes.len() {
        return Err(malformed("trailing data after the integrity digest"));
    }
    let expected = integrity_digest(store_password, &bytes[..data_end]);
    if check_integrity && stored != expected {
        return Err(Error::WrongKeystorePassword);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf8_round_trips_nul_and_astral() {
        let s = "a\u{0}é€😀";
        let mut out = Vec::new();
        write_utf(&mut out, s).expect("encode");
        // NUL is C0 80, 😀 is two 3-byte surrogates: 1 + 2 + 2 + 3 + 6 = 14 bytes.
        assert_eq!(&out[..2], &14u16.to_be_bytes());
        assert_eq!(&out[3..5], &[0xc0, 0x80]);
        assert_eq!(decode_modified_utf8(&out[2..]).as_deref(), Some(s));
    }

    #[test]
    fn key_protector_round_trip_and_wrong_password() {
        let plain = crate::android::asn1::seq(&[
            &asn1::uint(0),
            &asn1::algorithm(
                &ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1"),
                &asn1::null(),
            ),
            &asn1::octets(&[
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
            ]),
        ]);
        let pw = Password::new("pässwörd€");
        let epki = protect(&plain, &pw).expect("protect");
        let key = recover(&epki, "pässwörd€")
            .expect("parse")
            .expect("right password");
        assert_eq!(key.dangerously_expose_pkcs8_der(), &plain[..]);
        assert!(recover(&epki, "passwörd€").expect("parse").is_none());
    }
}

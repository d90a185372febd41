//! PKCS#12 (RFC 7292): `.p12` / `.pfx` files, for Android keystores and Apple `.p12`.
//!
//! Written in one of two variants ([`Pkcs12Variant`]):
//! - **Modern** — what OpenSSL 3 and Java 17 write by default: keys and certificates
//!   encrypted with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), MAC HMAC-SHA256.
//! - **Legacy** — `pbeWithSHAAnd3-KeyTripleDES-CBC` for the key and for the certificates, MAC
//!   HMAC-SHA1 with the PKCS#12 KDF: what macOS Keychain imports (it refuses the modern
//!   variant).
//!
//! A PKCS#12 file has a single password: the store password also encrypts the key. Gradle's
//! `keyPassword` must therefore equal `storePassword`.
//!
//! The reader accepts files from keytool, `openssl pkcs12 -export` (modern) and
//! `openssl pkcs12 -export -legacy` (RC2-40 certificate bag, 3DES key bag, SHA-1 MAC).

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit,
    KeyInit, KeyIvInit, block_padding::Pkcs7,
};
use der::asn1::ObjectIdentifier;
use des::TdesEde3;
use hmac::{Hmac, Mac};
use rc2::Rc2;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use super::{
    Password, PrivateKey,
    asn1::{
        self, AlgorithmId, CONTEXT_0, Malformed, OCTET_STRING, Reader, SEQUENCE, SET, Tlv,
        algorithm, null, octets, oid, seq, tlv, uint,
    },
    keystore::{ProtectedKey, RawEntry},
    random_bytes, utf16be,
};
use crate::{Error, Result};

/// Which encryption a written `.p12` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pkcs12Variant {
    /// PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC, HMAC-SHA256 MAC (OpenSSL 3 / Java 17 default).
    #[default]
    Modern,
    /// 3DES (`pbeWithSHAAnd3-KeyTripleDES-CBC`) for key and certificates, SHA-1 MAC: the
    /// variant macOS Keychain accepts for iOS distribution certificates.
    Legacy,
}

// Content types and bag types.
const DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const X509_CERTIFICATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");
const FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
const LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");

// Password-based encryption.
const PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
const PBE_SHA1_2DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.4");
const PBE_SHA1_RC2_128: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
const PBE_SHA1_RC2_40: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");
const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
const PBKDF2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.12");
const HMAC_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.7");
const HMAC_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.9");
const HMAC_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.10");
const HMAC_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.11");
const AES128_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.2");
const AES192_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.22");
const AES256_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.42");
const DES_EDE3_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.7");

// Digests (MAC).
const SHA1_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// Iterations we write (keytool's default; OpenSSL's is 2048).
const WRITE_ITERATIONS: u32 = 10_000;
/// Files asking for more are refused: a hostile file must not pin the CPU for minutes.
const MAX_ITERATIONS: u64 = 10_000_000;

fn malformed(reason: impl Into<String>) -> Error {
    Error::MalformedKeystore {
        format: "PKCS#12",
        reason: reason.into(),
    }
}

fn parse_err(e: Malformed) -> Error {
    malformed(e.0)
}

// ---------------------------------------------------------------------------------------------
// Primitives: hashes, the PKCS#12 KDF, ciphers

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn from_digest_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Some(match *oid {
            SHA1_OID => Hash::Sha1,
            SHA256_OID => Hash::Sha256,
            SHA384_OID => Hash::Sha384,
            SHA512_OID => Hash::Sha512,
            _ => return None,
        })
    }

    fn from_hmac_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Some(match *oid {
            HMAC_SHA1 => Hash::Sha1,
            HMAC_SHA256 => Hash::Sha256,
            HMAC_SHA384 => Hash::Sha384,
            HMAC_SHA512 => Hash::Sha512,
            _ => return None,
        })
    }

    fn digest_oid(self) -> ObjectIdentifier {
        match self {
            Hash::Sha1 => SHA1_OID,
            Hash::Sha256 => SHA256_OID,
            Hash::Sha384 => SHA384_OID,
            Hash::Sha512 => SHA512_OID,
        }
    }

    /// Input block size `v` of the PKCS#12 KDF.
    fn block_len(self) -> usize {
        match self {
            Hash::Sha1 | Hash::Sha256 => 64,
            Hash::Sha384 | Hash::Sha512 => 128,
        }
    }

    /// Output size `u`.
    fn out_len(self) -> usize {
        match self {
            Hash::Sha1 => 20,
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut d = D::new();
            for p in parts {
                d.update(p);
            }
            d.finalize().to_vec()
        }
        match self {
            Hash::Sha1 => run::<Sha1>(parts),
            Hash::Sha256 => run::<Sha256>(parts),
            Hash::Sha384 => run::<Sha384>(parts),
            Hash::Sha512 => run::<Sha512>(parts),
        }
    }

    fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        fn run<M: Mac + hmac::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
            // HMAC accepts keys of any length, so this cannot fail; an empty MAC would simply
            // not verify.
            match <M as hmac::KeyInit>::new_from_slice(key) {
                Ok(mut mac) => {
                    mac.update(data);
                    mac.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            }
        }
        match self {
            Hash::Sha1 => run::<Hmac<Sha1>>(key, data),
            Hash::Sha256 => run::<Hmac<Sha256>>(key, data),
            Hash::Sha384 => run::<Hmac<Sha384>>(key, data),
            Hash::Sha512 => run::<Hmac<Sha512>>(key, data),
        }
    }

    fn pbkdf2(self, password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
        match self {
            Hash::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, rounds, out),
            Hash::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, rounds, out),
            Hash::Sha384 => pbkdf2::pbkdf2_hmac::<Sha384>(password, salt, rounds, out),
            Hash::Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, rounds, out),
        }
    }
}

/// KDF purposes (RFC 7292 B.3).
const ID_KEY: u8 = 1;
const ID_IV: u8 = 2;
const ID_MAC: u8 = 3;

/// The password as PKCS#12 wants it: a BMPString (UTF-16BE) with a two-byte NUL terminator.
fn bmp_password(password: &str) -> Zeroizing<Vec<u8>> {
    let mut bmp = utf16be(password);
    bmp.extend_from_slice(&[0, 0]);
    bmp
}

/// The PKCS#12 key derivation function (RFC 7292 appendix B.2).
fn kdf(
    hash: Hash,
    password: &[u8],
    salt: &[u8],
    id: u8,
    iterations: u32,
    n: usize,
) -> Zeroizing<Vec<u8>> {
    let v = hash.block_len();
    let u = hash.out_len();
    let d = vec![id; v];
    let stretch = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            Vec::new()
        } else {
            let len = v * src.len().div_ceil(v);
            (0..len).map(|i| src[i % src.len()]).collect()
        }
    };
    let mut i_buf = Zeroizing::new([stretch(salt), stretch(password)].concat());
    let mut out = Zeroizing::new(Vec::with_capacity(n + u));
    loop {
        let mut a = Zeroizing::new(hash.digest(&[&d, &i_buf]));
        for _ in 1..iterations.max(1) {
            *a = hash.digest(&[&a]);
        }
        out.extend_from_slice(&a);
        if out.len() >= n {
            out.truncate(n);
            return out;
        }
        let b: Zeroizing<Vec<u8>> = Zeroizing::new((0..v).map(|i| a[i % u]).collect());
        for block in i_buf.chunks_mut(v) {
            let mut carry = 1u16;
            for k in (0..block.len()).rev() {
                let sum = u16::from(block[k]) + u16::from(b[k]) + carry;
                block[k] = sum as u8;
                carry = sum >> 8;
            }
        }
    }
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Option<Zeroizing<Vec<u8>>>
where
    C: BlockCipherDecrypt + KeyInit,
{
    let dec = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
    dec.decrypt_padded_vec::<Pkcs7>(data)
        .ok()
        .map(Zeroizing::new)
}

fn cbc_encrypt<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>>
where
    C: BlockCipherEncrypt + KeyInit,
{
    let enc = cbc::Encryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| Error::InvalidInput("cipher key or IV has the wrong length".into()))?;
    Ok(enc.encrypt_padded_vec::<Pkcs7>(data))
}

fn rc2_decrypt(key: &[u8], bits: usize, iv: &[u8], data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let cipher = Rc2::new_with_eff_key_len(key, bits);
    let dec = cbc::Decryptor::<Rc2>::inner_iv_slice_init(cipher, iv).ok()?;
    dec.decrypt_padded_vec::<Pkcs7>(data)
        .ok()
        .map(Zeroizing::new)
}

fn iterations(tlv: Tlv<'_>) -> Result<u32> {
    let n = tlv.as_u64("iteration count").map_err(parse_err)?;
    if n > MAX_ITERATIONS {
        return Err(Error::UnsupportedKeystore(format!(
            "{n} key-derivation iterations (more than {MAX_ITERATIONS})"
        )));
    }
    Ok(n.max(1) as u32)
}

/// Decrypts `data` under the password-based scheme `alg`. `Ok(None)` means the padding did
/// not check out: almost always a wrong password.
fn pbe_decrypt(alg: Tlv<'_>, data: &[u8], password: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
    let alg = AlgorithmId::read(alg, "encryption algorithm").map_err(parse_err)?;
    let params = alg
        .params
        .ok_or_else(|| malformed("encryption algorithm without parameters"))?;
    let mut p = params
        .expect(SEQUENCE, "encryption parameters")
        .map_err(parse_err)?
        .reader();
    match alg.oid {
        PBE_SHA1_3DES | PBE_SHA1_2DES | PBE_SHA1_RC2_128 | PBE_SHA1_RC2_40 => {
            let salt = p.expect(OCTET_STRING, "salt").map_err(parse_err)?.content;
            let rounds = iterations(p.next("iteration count").map_err(parse_err)?)?;
            let bmp = bmp_password(password);
            let key_len = match alg.oid {
                PBE_SHA1_3DES => 24,
                PBE_SHA1_2DES | PBE_SHA1_RC2_128 => 16,
                _ => 5,
            };
            let key = kdf(Hash::Sha1, &bmp, salt, ID_KEY, rounds, key_len);
            let iv = kdf(Hash::Sha1, &bmp, salt, ID_IV, rounds, 8);
            Ok(match alg.oid {
                PBE_SHA1_3DES => cbc_decrypt::<TdesEde3>(&key, &iv, data),
                PBE_SHA1_2DES => {
                    // Two-key 3DES: K1 K2 K1.
                    let mut k = Zeroizing::new(key.to_vec());
                    k.extend_from_slice(&key[..8]);
                    cbc_decrypt::<TdesEde3>(&k, &iv, data)
                }
                PBE_SHA1_RC2_128 => rc2_decrypt(&key, 128, &iv, data),
                _ => rc2_decrypt(&key, 40, &iv, data),
            })
        }
        PBES2 => {
            let kdf_alg = AlgorithmId::read(p.next("key derivation").map_err(parse_err)?, "kdf")
                .map_err(parse_err)?;
            if kdf_alg.oid != PBKDF2 {
                return Err(Error::UnsupportedKeystore(format!(
                    "PBES2 key derivation {}",
                    kdf_alg.oid
                )));
            }
            let mut k = kdf_alg
                .params
                .ok_or_else(|| malformed("PBKDF2 without parameters"))?
                .expect(SEQUENCE, "PBKDF2 parameters")
                .map_err(parse_err)?
                .reader();
            let salt = k
                .expect(OCTET_STRING, "PBKDF2 salt")
                .map_err(parse_err)?
                .content;
            let rounds = iterations(k.next("PBKDF2 iterations").map_err(parse_err)?)?;
            let mut key_len = None;
            if k.peek_tag() == Some(asn1::INTEGER) {
                let len = k
                    .next("key length")
                    .and_then(|t| t.as_u64("key length"))
                    .map_err(parse_err)?;
                key_len = Some(len as usize);
            }
            let prf = if k.is_empty() {
                Hash::Sha1
            } else {
                let prf = AlgorithmId::read(k.next("PRF").map_err(parse_err)?, "PRF")
                    .map_err(parse_err)?;
                Hash::from_hmac_oid(&prf.oid).ok_or_else(|| {
                    Error::UnsupportedKeystore(format!("PBKDF2 with PRF {}", prf.oid))
                })?
            };
            let enc = AlgorithmId::read(p.next("cipher").map_err(parse_err)?, "cipher")
                .map_err(parse_err)?;
            let iv = enc
                .params
                .ok_or_else(|| malformed("cipher without IV"))?
                .expect(OCTET_STRING, "IV")
                .map_err(parse_err)?
                .content;
            let needed = match enc.oid {
                AES128_CBC => 16,
                AES192_CBC => 24,
                AES256_CBC | DES_EDE3_CBC => {
                    if enc.oid == DES_EDE3_CBC {
                        24
                    } else {
                        32
                    }
                }
                other => {
                    return Err(Error::UnsupportedKeystore(format!("PBES2 cipher {other}")));
                }
            };
            if key_len.is_some_and(|l| l != needed) {
                return Err(malformed("PBES2 key length does not match the cipher"));
            }
            let pw = Zeroizing::new(password.as_bytes().to_vec());
            let mut key = Zeroizing::new(vec![0u8; needed]);
            prf.pbkdf2(&pw, salt, rounds, &mut key);
            Ok(match enc.oid {
                AES128_CBC => cbc_decrypt::<Aes128>(&key, iv, data),
                AES192_CBC => cbc_decrypt::<Aes192>(&key, iv, data),
                AES256_CBC => cbc_decrypt::<Aes256>(&key, iv, data),
                _ => cbc_decrypt::<TdesEde3>(&key, iv, data),
            })
        }
        other => Err(Error::UnsupportedKeystore(format!(
            "PKCS#12 encryption algorithm {other}"
        ))),
    }
}

/// Encrypts `data`; returns (AlgorithmIdentifier DER, ciphertext).
fn pbe_encrypt(variant: Pkcs12Variant, data: &[u8], password: &str) -> Result<(Vec<u8>, Vec<u8>)> {
    match variant {
        Pkcs12Variant::Modern => {
            let salt = random_bytes::<16>()?;
            let iv = random_bytes::<16>()?;
            let mut key = Zeroizing::new([0u8; 32]);
            Hash::Sha256.pbkdf2(
                password.as_bytes(),
                &salt,
                WRITE_ITERATIONS,
                key.as_mut_slice(),
            );
            let ciphertext = cbc_encrypt::<Aes256>(key.as_slice(), &iv, data)?;
            let kdf_params = seq(&[
                &octets(&salt),
                &uint(u64::from(WRITE_ITERATIONS)),
                &algorithm(&HMAC_SHA256, &null()),
            ]);
            let params = seq(&[
                &algorithm(&PBKDF2, &kdf_params),
                &algorithm(&AES256_CBC, &octets(&iv)),
            ]);
            Ok((algorithm(&PBES2, &params), ciphertext))
        }
        Pkcs12Variant::Legacy => {
            let salt = random_bytes::<8>()?;
            let bmp = bmp_password(password);
            let key = kdf(Hash::Sha1, &bmp, &salt, ID_KEY, WRITE_ITERATIONS, 24);
            let iv = kdf(Hash::Sha1, &bmp, &salt, ID_IV, WRITE_ITERATIONS, 8);
            let ciphertext = cbc_encrypt::<TdesEde3>(&key, &iv, data)?;
            let params = seq(&[&octets(&salt), &uint(u64::from(WRITE_ITERATIONS))]);
            Ok((algorithm(&PBE_SHA1_3DES, &params), ciphertext))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

fn attributes(friendly_name: &str, local_key_id: &[u8]) -> Vec<u8> {
    let name = tlv(asn1::BMP_STRING, &utf16be(friendly_name));
    tlv(
        SET,
        &[
            seq(&[&oid(&FRIENDLY_NAME), &tlv(SET, &name)]),
            seq(&[&oid(&LOCAL_KEY_ID), &tlv(SET, &octets(local_key_id))]),
        ]
        .concat(),
    )
}

/// Writes a `.p12` holding `key` with its certificate `chain` (DER, leaf first), all under
/// `password` (PKCS#12 has one password: it protects the key too).
///
/// `friendly_name` becomes the alias keytool shows (and the name Keychain Access shows).
pub fn write(
    key: &PrivateKey,
    chain: &[Vec<u8>],
    password: &Password,
    friendly_name: &str,
    variant: Pkcs12Variant,
) -> Result<Vec<u8>> {
    let leaf = chain.first().ok_or_else(|| {
        Error::InvalidInput("a .p12 needs at least the key's own certificate".into())
    })?;
    let password = password.expose();
    // OpenSSL's choice of local key id: the SHA-1 of the leaf certificate.
    let local_key_id = Sha1::digest(leaf).to_vec();

    // Certificates: the leaf carries the key's attributes; CA certificates carry none.
    let mut cert_bags = Vec::new();
    for (i, cert) in chain.iter().enumerate() {
        let value = seq(&[&oid(&X509_CERTIFICATE), &tlv(CONTEXT_0, &octets(cert))]);
        let mut bag = [oid(&CERT_BAG), tlv(CONTEXT_0, &value)].concat();
        if i == 0 {
            bag.extend_from_slice(&attributes(friendly_name, &local_key_id));
        }
        cert_bags.push(tlv(SEQUENCE, &bag));
    }
    let cert_safe = tlv(SEQUENCE, &cert_bags.concat());
    let (cert_alg, cert_ciphertext) = pbe_encrypt(variant, &cert_safe, password)?;
    let encrypted_data = seq(&[
        &uint(0),
        &seq(&[
            &oid(&DATA),
            &cert_alg,
            &tlv(asn1::CONTEXT_0_PRIMITIVE, &cert_ciphertext),
        ]),
    ]);
    let certs_info = seq(&[&oid(&ENCRYPTED_DATA), &tlv(CONTEXT_0, &encrypted_data)]);

    // The key, shrouded.
    let (key_alg, key_ciphertext) =
        pbe_encrypt(variant, key.dangerously_expose_pkcs8_der(), password)?;
    let epki = seq(&[&key_alg, &octets(&key_ciphertext)]);
    let key_bag = seq(&[
        &oid(&SHROUDED_KEY_BAG),
        &tlv(CONTEXT_0, &epki),
        &attributes(friendly_name, &local_key_id),
    ]);
    let key_safe = seq(&[&key_bag]);
    let key_info = seq(&[&oid(&DATA), &tlv(CONTEXT_0, &octets(&key_safe))]);

    let auth_safe = seq(&[&certs_info, &key_info]);

    // MAC over the AuthenticatedSafe.
    let (mac_hash, salt_len) = match variant {
        Pkcs12Variant::Modern => (Hash::Sha256, 16),
        Pkcs12Variant::Legacy => (Hash::Sha1, 8),
    };
    let salt_full = random_bytes::<16>()?;
    let salt = &salt_full[..salt_len];
    let mac_key = kdf(
        mac_hash,
        &bmp_password(password),
        salt,
        ID_MAC,
        WRITE_ITERATIONS,
        mac_hash.out_len(),
    );
    let mac = mac_hash.hmac(&mac_key, &auth_safe);
    let mac_data = seq(&[
        &seq(&[&algorithm(&mac_hash.digest_oid(), &null()), &octets(&mac)]),
        &octets(salt),
        &uint(u64::from(WRITE_ITERATIONS)),
    ]);

    Ok(seq(&[
        &uint(3),
        &seq(&[&oid(&DATA), &tlv(CONTEXT_0, &octets(&auth_safe))]),
        &mac_data,
    ]))
}

// ---------------------------------------------------------------------------------------------
// Reading

/// A bag's attributes that matter to us.
#[derive(Default)]
struct BagAttributes {
    friendly_name: Option<String>,
    local_key_id: Option<Vec<u8>>,
}

fn read_attributes(r: &mut Reader<'_>) -> Result<BagAttributes> {
    let mut out = BagAttributes::default();
    let Some(set) = r.optional(SET, "bag attributes").map_err(parse_err)? else {
        return Ok(out);
    };
    let mut attrs = set.reader();
    while !attrs.is_empty() {
        let mut attr = attrs
            .expect(SEQUENCE, "attribute")
            .map_err(parse_err)?
            .reader();
        let id = attr
            .next("attribute type")
            .and_then(|t| t.as_oid("attribute type"));
        let id = id.map_err(parse_err)?;
        let values = attr.expect(SET, "attribute values").map_err(parse_err)?;
        let mut values = values.reader();
        if values.is_empty() {
            continue;
        }
        let value = values.next("attribute value").map_err(parse_err)?;
        if id == FRIENDLY_NAME && value.tag == asn1::BMP_STRING {
            if value.content.len() % 2 != 0 {
                return Err(malformed("friendly name has an odd length"));
            }
            let units: Vec<u16> = value
                .content
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            out.friendly_name = Some(
                String::from_utf16(&units).map_err(|_| malformed("friendly name is not text"))?,
            );
        } else if id == LOCAL_KEY_ID && value.tag == OCTET_STRING {
            out.local_key_id = Some(value.content.to_vec());
        }
    }
    Ok(out)
}

enum Bag {
    Key(ProtectedKey, BagAttributes),
    Cert(Vec<u8>, BagAttributes),
}

fn read_safe_contents(der: &[u8], bags: &mut Vec<Bag>) -> Result<()> {
    let mut r = asn1::single(der, SEQUENCE, "SafeContents")
        .map_err(parse_err)?
        .reader();
    while !r.is_empty() {
        let mut bag = r.expect(SEQUENCE, "SafeBag").map_err(parse_err)?.reader();
        let id = bag
            .next("bag type")
            .and_then(|t| t.as_oid("bag type"))
            .map_err(parse_err)?;
        let value = bag.expect(CONTEXT_0, "bag value").map_err(parse_err)?;
        let attrs = read_attributes(&mut bag)?;
        let value = asn1::single(value.content, SEQUENCE, "bag value").map_err(parse_err)?;
        match id {
            SHROUDED_KEY_BAG => {
                bags.push(Bag::Key(ProtectedKey::Pkcs12(value.raw.to_vec()), attrs));
            }
            KEY_BAG => {
                let key = PrivateKey::from_pkcs8_der(value.raw.to_vec())
                    .map_err(|_| malformed("key bag is not PKCS#8"))?;
                bags.push(Bag::Key(ProtectedKey::Plain(key), attrs));
            }
            CERT_BAG => {
                let mut c = value.reader();
                let kind = c
                    .next("certificate type")
                    .and_then(|t| t.as_oid("certificate type"))
                    .map_err(parse_err)?;
                if kind != X509_CERTIFICATE {
                    continue; // SDSI certificates: nobody uses them.
                }
                let wrapped = c.expect(CONTEXT_0, "certificate").map_err(parse_err)?;
                let cert = asn1::single(wrapped.content, OCTET_STRING, "certificate")
                    .map_err(parse_err)?;
                bags.push(Bag::Cert(cert.content.to_vec(), attrs));
            }
            _ => {} // CRL, secret and nested bags: not part of a signing keystore.
        }
    }
    Ok(())
}

/// Verifies the MAC. `Ok(false)` when it does not match (wrong password).
fn verify_mac(mac_data: Tlv<'_>, auth_safe: &[u8], password: &str) -> Result<bool> {
    let mut m = mac_data
        .expect(SEQUENCE, "MacData")
        .map_err(parse_err)?
        .reader();
    let mut digest_info = m
        .expect(SEQUENCE, "DigestInfo")
        .map_err(parse_err)?
        .reader();
    let alg = AlgorithmId::read(digest_info.next("MAC algorithm").map_err(parse_err)?, "MAC")
        .map_err(parse_err)?;
    let expected = digest_info
        .expect(OCTET_STRING, "MAC")
        .map_err(parse_err)?
        .content;
    let salt = m
        .expect(OCTET_STRING, "MAC salt")
        .map_err(parse_err)?
        .content;
    let rounds = match m.next("MAC iterations") {
        Ok(t) => iterations(t)?,
        Err(_) => 1,
    };
    let hash = Hash::from_digest_oid(&alg.oid)
        .ok_or_else(|| Error::UnsupportedKeystore(format!("PKCS#12 MAC algorithm {}", alg.oid)))?;
    let key = kdf(
        hash,
        &bmp_password(password),
        salt,
        ID_MAC,
        rounds,
        hash.out_len(),
    );
    let mac = hash.hmac(&key, auth_safe);
    Ok(constant_time_eq(&mac, expected))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `ContentInfo` of type data → its OCTET STRING content.
fn data_content<'a>(content: Tlv<'a>) -> Result<&'a [u8]> {
    let inner = asn1::single(content.content, OCTET_STRING, "data").map_err(parse_err)?;
    Ok(inner.content)
}

/// Reads a PKCS#12 file, verifying its MAC with `password`.
pub(crate) fn read(bytes: &[u8], password: &str) -> Result<Vec<RawEntry>> {
    read_with(bytes, password, true)
}

/// [`read`], optionally without the MAC check (only the fuzz targets skip it, so that they
/// reach the parser behind it).
pub(crate) fn read_with(bytes: &[u8], password: &str, check_mac: bool) -> Result<Vec<RawEntry>> {
    let pfx = asn1::single(bytes, SEQUENCE, "PFX").map_err(parse_err)?;
    let mut r = pfx.reader();
    let version = r
        .next("version")
        .and_then(|t| t.as_u64("version"))
        .map_err(parse_err)?;
    if version != 3 {
        return Err(Error::NotAKeystore);
    }
    let mut auth = r.expect(SEQUENCE, "authSafe").map_err(parse_err)?.reader();
    let content_type = auth
        .next("content type")
        .and_then(|t| t.as_oid("content type"))
        .map_err(parse_err)?;
    if content_type != DATA {
        return Err(Error::UnsupportedKeystore(
            "public-key integrity mode (signed PKCS#12)".into(),
        ));
    }
    let content = auth
        .expect(CONTEXT_0, "authSafe content")
        .map_err(parse_err)?;
    let auth_safe = data_content(content)?;
    // Without a MAC, the store password is first checked when something is decrypted.
    if let Some(mac_data) = r.optional(SEQUENCE, "MacData").map_err(parse_err)?
        && check_mac
        && !verify_mac(mac_data, auth_safe, password)?
    {
        return Err(Error::WrongKeystorePassword);
    }

    let mut bags = Vec::new();
    let mut infos = asn1::single(auth_safe, SEQUENCE, "AuthenticatedSafe")
        .map_err(parse_err)?
        .reader();
    while !infos.is_empty() {
        let mut info = infos
            .expect(SEQUENCE, "ContentInfo")
            .map_err(parse_err)?
            .reader();
        let kind = info
            .next("content type")
            .and_then(|t| t.as_oid("content type"))
            .map_err(parse_err)?;
        let content = info.expect(CONTEXT_0, "content").map_err(parse_err)?;
        match kind {
            DATA => read_safe_contents(data_content(content)?, &mut bags)?,
            ENCRYPTED_DATA => {
                let mut ed = asn1::single(content.content, SEQUENCE, "EncryptedData")
                    .map_err(parse_err)?
                    .reader();
                ed.expect(asn1::INTEGER, "EncryptedData version")
                    .map_err(parse_err)?;
                let mut eci = ed
                    .expect(SEQUENCE, "EncryptedContentInfo")
                    .map_err(parse_err)?
                    .reader();
                eci.next("content type").map_err(parse_err)?;
                let alg = eci.next("encryption algorithm").map_err(parse_err)?;
                let Some(ciphertext) = eci
                    .optional(asn1::CONTEXT_0_PRIMITIVE, "encrypted content")
                    .map_err(parse_err)?
                else {
                    continue;
                };
                let plain = pbe_decrypt(alg, ciphertext.content, password)?
                    .ok_or(Error::WrongKeystorePassword)?;
                read_safe_contents(&plain, &mut bags)?;
            }
            _ => {
                return Err(Error::UnsupportedKeystore(format!(
                    "PKCS#12 content of type {kind} (public-key privacy mode)"
                )));
            }
        }
    }
    Ok(assemble(bags))
}

/// Pairs keys with their certificates (by local key id) and orders each chain leaf → root.
fn assemble(bags: Vec<Bag>) -> Vec<RawEntry> {
    let mut keys = Vec::new();
    let mut certs = Vec::new();
    for bag in bags {
        match bag {
            Bag::Key(k, a) => keys.push((k, a)),
            Bag::Cert(c, a) => certs.push((c, a)),
        }
    }
    let mut used = vec![false; certs.len()];
    let mut entries = Vec::new();
    let mut unnamed = 0usize;
    let mut next_name = |name: &Option<String>| {
        name.clone().unwrap_or_else(|| {
            unnamed += 1;
            unnamed.to_string()
        })
    };
    for (key, attrs) in keys {
        let leaf = certs.iter().position(|(_, a)| {
            attrs.local_key_id.is_some() && a.local_key_id == attrs.local_key_id
        });
        // Without key ids, a lone key goes with the first certificate (as OpenSSL does).
        let leaf = leaf.or_else(|| (!certs.is_empty()).then_some(0));
        let mut chain = Vec::new();
        if let Some(mut i) = leaf {
            loop {
                used[i] = true;
                chain.push(certs[i].0.clone());
                let Some((subject, issuer)) = names(&certs[i].0) else {
                    break;
                };
                if subject == issuer {
                    break;
                }
                match certs
                    .iter()
                    .enumerate()
                    .position(|(j, (c, _))| !used[j] && names(c).is_some_and(|(s, _)| s == issuer))
                {
                    Some(j) => i = j,
                    None => break,
                }
            }
        }
        let alias = next_name(&attrs.friendly_name);
        entries.push(RawEntry::Key {
            alias,
            created_ms: None,
            protected: key,
            chain,
        });
    }
    // Certificates that belong to no key and carry a name are trusted-certificate entries
    // (keytool writes them so).
    for (i, (cert, attrs)) in certs.into_iter().enumerate() {
        if used[i] || (attrs.friendly_name.is_none() && !entries.is_empty()) {
            continue;
        }
        entries.push(RawEntry::Certificate {
            alias: next_name(&attrs.friendly_name),
            created_ms: None,
            certificate: cert,
        });
    }
    entries
}

/// (subject DER, issuer DER) of a certificate, read without a full parse.
fn names(cert: &[u8]) -> Option<(&[u8], &[u8])> {
    let c = asn1::single(cert, SEQUENCE, "certificate").ok()?;
    let mut tbs = c.reader().expect(SEQUENCE, "tbs").ok()?.reader();
    tbs.optional(CONTEXT_0, "version").ok()?;
    tbs.next("serial").ok()?;
    tbs.next("signature").ok()?;
    let issuer = tbs.next("issuer").ok()?.raw;
    tbs.next("validity").ok()?;
    let subject = tbs.next("subject").ok()?.raw;
    Some((subject, issuer))
}

/// Decrypts a shrouded key bag. `Ok(None)` when the password is wrong.
pub(crate) fn decrypt_key(epki: &[u8], password: &str) -> Result<Option<PrivateKey>> {
    let mut r = asn1::single(epki, SEQUENCE, "EncryptedPrivateKeyInfo")
        .map_err(parse_err)?
        .reader();
    let alg = r.next("key encryption algorithm").map_err(parse_err)?;
    let data = r.expect(OCTET_STRING, "encrypted key").map_err(parse_err)?;
    let Some(plain) = pbe_decrypt(alg, data.content, password)? else {
        return Ok(None);
    };
    // Padding can check out by chance under a wrong password; the DER then does not.
    Ok(PrivateKey::from_pkcs8_der(plain.to_vec()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7292 KDF known answers, from the test vectors used by OpenSSL and Bouncy Castle
    /// (password "smeg", salt 0A58CF64530D823F, 1 iteration).
    #[test]
    fn kdf_known_answers() {
        let salt = [0x0a, 0x58, 0xcf, 0x64, 0x53, 0x0d, 0x82, 0x3f];
        let pw = bmp_password("smeg");
        let key = kdf(Hash::Sha1, &pw, &salt, ID_KEY, 1, 24);
        assert_eq!(
            hex(&key),
            "8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3"
        );
        let iv = kdf(Hash::Sha1, &pw, &salt, ID_IV, 1, 8);
        assert_eq!(hex(&iv), "79993dfe048d3b76");
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}

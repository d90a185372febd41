//! A new Android upload keystore, made the way EAS makes one.
//!
//! EAS generates an RSA-2048 key, a self-signed SHA256withRSA certificate valid for 10,000
//! days with subject `CN=<android package>`, and a random alias, store password and key
//! password (16 random bytes as 32 hex characters each). We do the same, with the key size,
//! validity and the rest of the distinguished name configurable.

use der::asn1::ObjectIdentifier;
use rsa::{
    pkcs1v15::SigningKey,
    pkcs8::EncodePublicKey,
    signature::{SignatureEncoding, Signer},
};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::{
    Password, PrivateKey,
    asn1::{self, algorithm, null, octets, oid, seq, tlv},
    keystore::{EncodedKeystore, KeystoreFormat},
    pkcs12::Pkcs12Variant,
    random_bytes, random_hex,
};
use crate::{Error, Result, cert::CertificateInfo};

const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_OU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_L: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.7");
const OID_ST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.8");
const OID_C: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");

/// Validity EAS gives upload certificates.
pub const DEFAULT_VALIDITY_DAYS: u32 = 10_000;

/// RSA modulus size of the upload key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeySize {
    /// RSA-2048 (EAS's and Android Studio's default).
    #[default]
    Rsa2048,
    /// RSA-4096 (slower to generate: seconds in a browser).
    Rsa4096,
}

impl KeySize {
    /// Bits of the modulus.
    pub fn bits(self) -> usize {
        match self {
            KeySize::Rsa2048 => 2048,
            KeySize::Rsa4096 => 4096,
        }
    }
}

/// The certificate's subject. Only the common name is required.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DistinguishedName {
    /// CN — by default the Android application id.
    pub common_name: String,
    /// OU
    pub organizational_unit: Option<String>,
    /// O
    pub organization: Option<String>,
    /// L
    pub locality: Option<String>,
    /// ST
    pub state: Option<String>,
    /// C — two letters.
    pub country: Option<String>,
}

impl DistinguishedName {
    /// `CN=<package>` and nothing else, as EAS makes it.
    pub fn for_package(package: &str) -> Self {
        Self {
            common_name: package.to_owned(),
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        if self.common_name.trim().is_empty() {
            return Err(Error::InvalidInput(
                "the certificate's common name (CN) is empty: use your app's package name".into(),
            ));
        }
        if let Some(c) = &self.country
            && (c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()))
        {
            return Err(Error::InvalidInput(format!(
                "\"{c}\" is not a country code: use two letters such as US or DE"
            )));
        }
        Ok(())
    }

    /// DER `Name`: C, ST, L, O, OU, CN (so that it reads `CN=…, OU=…, …, C=…`, as keytool's
    /// `-dname` does).
    pub(crate) fn to_der(&self) -> Vec<u8> {
        let mut rdns: Vec<Vec<u8>> = Vec::new();
        let mut push = |id: &ObjectIdentifier, tag: u8, value: &str| {
            let atv = seq(&[&oid(id), &tlv(tag, value.as_bytes())]);
            rdns.push(tlv(asn1::SET, &atv));
        };
        if let Some(c) = &self.country {
            push(&OID_C, asn1::PRINTABLE_STRING, &c.to_ascii_uppercase());
        }
        for (id, value) in [
            (&OID_ST, &self.state),
            (&OID_L, &self.locality),
            (&OID_O, &self.organization),
            (&OID_OU, &self.organizational_unit),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                push(id, asn1::UTF8_STRING, v);
            }
        }
        push(&OID_CN, asn1::UTF8_STRING, &self.common_name);
        tlv(asn1::SEQUENCE, &rdns.concat())
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadKeystoreParams {
    /// Subject of the certificate (default: `CN=<package>`).
    pub dname: DistinguishedName,
    /// Key size (default RSA-2048).
    pub key_size: KeySize,
    /// Days of validity (default 10,000, like EAS).
    pub validity_days: u32,
}

impl UploadKeystoreParams {
    /// EAS's defaults for the Android application id `package`.
    pub fn for_package(package: &str) -> Self {
        Self {
            dname: DistinguishedName::for_package(package),
            key_size: KeySize::Rsa2048,
            validity_days: DEFAULT_VALIDITY_DAYS,
        }
    }
}

/// A private key, its self-signed certificate, and the alias and passwords that protect it.
///
/// `Debug` redacts the key and passwords. Encode it with [`UploadKeystore::encode`].
#[derive(Debug, Clone)]
pub struct UploadKeystore {
    /// Key alias (lowercase: keytool lowercases JKS aliases).
    pub alias: String,
    /// Keystore password.
    pub store_password: Password,
    /// Key password (JKS only: PKCS#12 uses the store password for the key).
    pub key_password: Password,
    /// The private key.
    pub key: PrivateKey,
    /// The self-signed certificate, DER.
    pub certificate: Vec<u8>,
    /// When it was made (unix seconds): the JKS entry's creation date.
    pub created_unix: u64,
}

impl UploadKeystore {
    /// Generates a key and certificate with random alias and passwords. `now_unix` (seconds)
    /// starts the validity: the core never reads the clock.
    pub fn generate(params: &UploadKeystoreParams, now_unix: u64) -> Result<Self> {
        params.dname.validate()?;
        let key = crate::ios::csr::generate_rsa_key(params.key_size.bits())?;
        let serial = random_serial()?;
        Self::from_parts(
            &key,
            params,
            now_unix,
            &serial,
            random_hex()?,
            Password::random()?,
            Password::random()?,
        )
    }

    /// Like [`UploadKeystore::generate`], around a key generated elsewhere — in the dashboard,
    /// by the browser's WebCrypto (`generateKey` + `exportKey("pkcs8")`), which is several
    /// times faster than generating primes in wasm. The key must be an RSA key of exactly the
    /// size `params` asks for with the public exponent 65537; anything else is refused.
    pub fn with_key(
        params: &UploadKeystoreParams,
        pkcs8_der: &[u8],
        now_unix: u64,
    ) -> Result<Self> {
        use rsa::{pkcs8::DecodePrivateKey, traits::PublicKeyParts};
        let key = rsa::PrivateKey::from_pkcs8_der(pkcs8_der)
            .map_err(|e| Error::InvalidInput(format!("not an RSA private key (PKCS#8): {e}")))?;
        let bits = key.n().bit_width() as usize;
        if bits != params.key_size.bits() {
            return Err(Error::InvalidInput(format!(
                "the generated key has {bits} bits, not {}",
                params.key_size.bits()
            )));
        }
        if key.e() != &rsa::BoxedUint::from(65_537_u32) {
            return Err(Error::InvalidInput(
                "the generated key's public exponent is not 65537".into(),
            ));
        }
        Self::from_parts(
            &key,
            params,
            now_unix,
            &random_serial()?,
            random_hex()?,
            Password::random()?,
            Password::random()?,
        )
    }

    /// Builds the keystore from a given key, serial, alias and passwords (deterministic; for
    /// tests and for importing an existing key).
    pub fn from_parts(
        key: &rsa::PrivateKey,
        params: &UploadKeystoreParams,
        now_unix: u64,
        serial: &[u8],
        alias: String,
        store_password: Password,
        key_password: Password,
    ) -> Result<Self> {
        params.dname.validate()?;
        if params.validity_days == 0 {
            return Err(Error::InvalidInput(
                "validity must be at least one day (EAS uses 10,000)".into(),
            ));
        }
        if alias.is_empty() {
            return Err(Error::InvalidInput("the key alias is empty".into()));
        }
        let certificate = self_signed_certificate(key, params, now_unix, serial)?;
        Ok(Self {
            alias: alias.to_lowercase(),
            store_password,
            key_password,
            key: PrivateKey::from_rsa(key)?,
            certificate,
            created_unix: now_unix,
        })
    }

    /// The certificate's fingerprints, subject, validity…
    pub fn certificate_info(&self) -> Result<CertificateInfo> {
        CertificateInfo::from_der(&self.certificate)
    }

    /// Writes the keystore file.
    ///
    /// - JKS: protected by the store password; the key entry by the (distinct) key password.
    /// - PKCS#12: there is no separate key password in practice (Gradle and keytool expect it
    ///   to equal the store password), so the file is protected by the **store password only**
    ///   and the returned [`EncodedKeystore::key_password`] equals the store password.
    pub fn encode(&self, format: KeystoreFormat) -> Result<EncodedKeystore> {
        let chain = [self.certificate.clone()];
        let (bytes, key_password) = match format {
            KeystoreFormat::Jks => (
                super::jks::write_key_entry(
                    &self.alias,
                    &self.key,
                    &chain,
                    &self.store_password,
                    &self.key_password,
                    self.created_unix.saturating_mul(1000),
                )?,
                self.key_password.clone(),
            ),
            KeystoreFormat::Pkcs12 => (
                super::pkcs12::write(
                    &self.key,
                    &chain,
                    &self.store_password,
                    &self.alias,
                    Pkcs12Variant::Modern,
                )?,
                self.store_password.clone(),
            ),
        };
        Ok(EncodedKeystore {
            format,
            bytes,
            alias: self.alias.clone(),
            store_password: self.store_password.clone(),
            key_password,
        })
    }
}

/// A positive random serial of 16 bytes (top bit clear, second bit set so the length is
/// always exactly 16).
fn random_serial() -> Result<[u8; 16]> {
    let mut serial = random_bytes::<16>()?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    Ok(serial)
}

/// `UTCTime` before 2050, `GeneralizedTime` from 2050 on (RFC 5280 §4.1.2.5).
fn encode_time(unix: u64) -> Result<Vec<u8>> {
    let dt =
        der::DateTime::from_unix_duration(core::time::Duration::from_secs(unix)).map_err(|e| {
            Error::InvalidInput(format!("the validity runs past what X.509 can encode: {e}"))
        })?;
    let text = format!(
        "{:02}{:02}{:02}{:02}{:02}Z",
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minutes(),
        dt.seconds()
    );
    Ok(if dt.year() < 2050 {
        tlv(
            asn1::UTC_TIME,
            format!("{:02}{text}", dt.year() % 100).as_bytes(),
        )
    } else {
        tlv(
            asn1::GENERALIZED_TIME,
            format!("{:04}{text}", dt.year()).as_bytes(),
        )
    })
}

fn self_signed_certificate(
    key: &rsa::PrivateKey,
    params: &UploadKeystoreParams,
    now_unix: u64,
    serial: &[u8],
) -> Result<Vec<u8>> {
    if serial.is_empty() || serial.len() > 20 || serial.iter().all(|b| *b == 0) {
        return Err(Error::InvalidInput(
            "the serial number must be 1 to 20 bytes and not zero".into(),
        ));
    }
    let spki = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| Error::Encoding {
            what: "public key",
            reason: e.to_string(),
        })?;
    let spki = spki.as_bytes();
    // Subject key identifier: SHA-1 of the subjectPublicKey BIT STRING's bytes (RFC 5280
    // §4.2.1.2 method 1), as keytool computes it.
    let key_bits = {
        let mut r = asn1::single(spki, asn1::SEQUENCE, "public key")
            .map_err(|e| Error::InvalidInput(e.0))?
            .reader();
        r.next("algorithm").map_err(|e| Error::InvalidInput(e.0))?;
        let bits = r
            .expect(asn1::BIT_STRING, "public key")
            .map_err(|e| Error::InvalidInput(e.0))?;
        bits.content.get(1..).unwrap_or_default().to_vec()
    };
    let ski = Sha1::digest(&key_bits);
    let extensions = tlv(
        asn1::CONTEXT_3,
        &seq(&[&seq(&[
            &oid(&SUBJECT_KEY_IDENTIFIER),
            &octets(&octets(&ski)),
        ])]),
    );
    let name = params.dname.to_der();
    let not_after = now_unix + u64::from(params.validity_days) * 86_400;
    let validity = seq(&[&encode_time(now_unix)?, &encode_time(not_after)?]);
    let sig_alg = algorithm(&SHA256_WITH_RSA, &null());
    let tbs = seq(&[
        &tlv(asn1::CONTEXT_0, &asn1::uint(2)),
        &asn1::unsigned_bytes(serial),
        &sig_alg,
        &name,
        &validity,
        &name,
        spki,
        &extensions,
    ]);
    let signer = SigningKey::<Sha256>::new(key.clone());
    let signature = signer
        .try_sign(&tbs)
        .map_err(|e| Error::Rsa(e.to_string()))?
        .to_vec();
    let mut bit_string = Vec::with_capacity(signature.len() + 1);
    bit_string.push(0);
    bit_string.extend_from_slice(&signature);
    let cert = seq(&[&tbs, &sig_alg, &tlv(asn1::BIT_STRING, &bit_string)]);
    // Parse what we built with x509-cert: a cheap guard against encoding mistakes.
    <x509_cert::Certificate as der::Decode>::from_der(&cert).map_err(|e| Error::Encoding {
        what: "certificate",
        reason: e.to_string(),
    })?;
    Ok(cert)
}

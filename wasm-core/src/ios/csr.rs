//! Certificate signing requests for Apple distribution certificates.
//!
//! Apple's developer portal takes a PKCS#10 request and returns a `.cer`. Keychain Access
//! makes that request from a fresh RSA-2048 key with the subject
//! `emailAddress=<email>, CN=<common name>, C=<country>` and no attributes; we make the same.
//! The private key never leaves the client unencrypted: it waits, sealed, as a
//! `pending_csr` credential until Apple's certificate comes back.

use der::{
    Any, Decode, Encode, EncodePem, Tag,
    asn1::{ObjectIdentifier, SetOfVec},
    pem::LineEnding,
};
use getrandom::SysRng;
use rsa::{
    PrivateKey,
    pkcs1v15::SigningKey,
    pkcs8::{EncodePrivateKey, EncodePublicKey},
    signature::{SignatureEncoding, Signer},
};
use sha2::Sha256;
use spki::{DynSignatureAlgorithmIdentifier, SubjectPublicKeyInfoOwned};
use x509_cert::{
    attr::AttributeTypeAndValue,
    name::{Name, RdnSequence, RelativeDistinguishedName},
    request::{CertReq, CertReqInfo, Version},
};
use zeroize::Zeroizing;

use crate::{Error, Result};

const OID_EMAIL_ADDRESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");
const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_COUNTRY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");

/// Who the request is for, as typed into Keychain Access's Certificate Assistant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrSubject {
    /// The requester's name, e.g. `Acme Inc`.
    pub common_name: String,
    /// The requester's email address (Apple ignores it but Keychain Access includes it).
    pub email: String,
    /// Two-letter ISO country code, e.g. `US`. Optional.
    pub country: Option<String>,
}

impl CsrSubject {
    /// Checks the fields before any expensive work: Apple rejects empty names, and the
    /// ASN.1 string types restrict what each field may hold.
    fn validate(&self) -> Result<()> {
        if self.common_name.trim().is_empty() {
            return Err(Error::InvalidInput(
                "the common name is empty: enter your name or your company's name".into(),
            ));
        }
        if !self.email.is_ascii() || !self.email.contains('@') {
            return Err(Error::InvalidInput(format!(
                "\"{}\" is not an email address: enter the address of your Apple developer account",
                self.email
            )));
        }
        if let Some(country) = &self.country
            && (country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()))
        {
            return Err(Error::InvalidInput(format!(
                "\"{country}\" is not a country code: use two capital letters such as US or DE"
            )));
        }
        Ok(())
    }

    fn to_name(&self) -> Result<Name> {
        let mut rdns = RdnSequence::default();
        let mut push = |oid, tag, value: &str| -> Result<()> {
            let value = Any::new(tag, value.as_bytes()).map_err(encoding("subject"))?;
            let atv = AttributeTypeAndValue { oid, value };
            let set = SetOfVec::try_from(vec![atv]).map_err(encoding("subject"))?;
            rdns.push(RelativeDistinguishedName::from(set));
            Ok(())
        };
        push(OID_EMAIL_ADDRESS, Tag::Ia5String, &self.email)?;
        push(OID_COMMON_NAME, Tag::Utf8String, &self.common_name)?;
        if let Some(country) = &self.country {
            push(OID_COUNTRY, Tag::PrintableString, country)?;
        }
        // `Name` has no safe constructor from an `RdnSequence`; the DER round trip is exact.
        let der = rdns.to_der().map_err(encoding("subject"))?;
        Name::from_der(&der).map_err(encoding("subject"))
    }
}

fn encoding(what: &'static str) -> impl Fn(der::Error) -> Error {
    move |e| Error::Encoding {
        what,
        reason: e.to_string(),
    }
}

/// Generates an RSA private key of `bits` bits (2048 or 4096) from the system RNG.
pub fn generate_rsa_key(bits: usize) -> Result<PrivateKey> {
    if bits != 2048 && bits != 4096 {
        return Err(Error::InvalidInput(format!(
            "RSA keys of {bits} bits are not supported: use 2048 or 4096"
        )));
    }
    PrivateKey::new(&mut SysRng, bits).map_err(|e| Error::Rsa(e.to_string()))
}

/// A fresh RSA-2048 private key and the signed request for it.
///
/// `Debug` shows only the request; the private key is reachable through
/// [`PendingCsr::private_key_pkcs8_pem`], whose result is zeroized on drop.
pub struct PendingCsr {
    key: PrivateKey,
    request: CertReq,
}

impl core::fmt::Debug for PendingCsr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PendingCsr")
            .field("key", &"<redacted RSA private key>")
            .field("subject", &self.request.info.subject.to_string())
            .finish()
    }
}

impl PendingCsr {
    /// Generates an RSA-2048 key and a PKCS#10 request signed with it (SHA256withRSA).
    pub fn generate(subject: &CsrSubject) -> Result<Self> {
        subject.validate()?;
        let key = generate_rsa_key(2048)?;
        Self::for_key(key, subject)
    }

    /// Builds the request for an existing key (used for fixed-key tests).
    pub fn for_key(key: PrivateKey, subject: &CsrSubject) -> Result<Self> {
        subject.validate()?;
        let spki_der = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| Error::Encoding {
                what: "public key",
                reason: e.to_string(),
            })?;
        let public_key = SubjectPublicKeyInfoOwned::try_from(spki_der.as_bytes()).map_err(|e| {
            Error::Encoding {
                what: "public key",
                reason: e.to_string(),
            }
        })?;
        let info = CertReqInfo {
            version: Version::V1,
            subject: subject.to_name()?,
            public_key,
            attributes: Default::default(),
        };
        let signer = SigningKey::<Sha256>::new(key.clone());
        let tbs = info.to_der().map_err(encoding("request"))?;
        let signature = signer
            .try_sign(&tbs)
            .map_err(|e| Error::Rsa(e.to_string()))?;
        let algorithm = signer
            .signature_algorithm_identifier()
            .map_err(|e| Error::Encoding {
                what: "signature algorithm",
                reason: e.to_string(),
            })?;
        let signature =
            der::asn1::BitString::from_bytes(&signature.to_vec()).map_err(encoding("signature"))?;
        Ok(Self {
            key,
            request: CertReq {
                info,
                algorithm,
                signature,
            },
        })
    }

    /// The request in DER, as a `.certSigningRequest` file holds it.
    pub fn csr_der(&self) -> Result<Vec<u8>> {
        self.request.to_der().map_err(encoding("request"))
    }

    /// The request in PEM (`-----BEGIN CERTIFICATE REQUEST-----`), what Apple's portal accepts.
    pub fn csr_pem(&self) -> Result<String> {
        self.request
            .to_pem(LineEnding::LF)
            .map_err(encoding("request"))
    }

    /// The private key as unencrypted PKCS#8 PEM. Zeroized when dropped; seal it before it
    /// goes anywhere.
    pub fn private_key_pkcs8_pem(&self) -> Result<Zeroizing<String>> {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| Zeroizing::new(pem.to_string()))
            .map_err(|e| Error::Encoding {
                what: "private key",
                reason: e.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> CsrSubject {
        CsrSubject {
            common_name: "Acme Inc".into(),
            email: "dev@acme.example".into(),
            country: Some("US".into()),
        }
    }

    #[test]
    fn request_has_keychain_subject_and_verifies() {
        use rsa::{pkcs1v15::VerifyingKey, signature::Verifier};
        let csr = PendingCsr::generate(&subject()).expect("generate");
        let pem = csr.csr_pem().expect("pem");
        assert!(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
        let subject = csr.request.info.subject.to_string();
        assert!(subject.contains("CN=Acme Inc"), "{subject}");
        assert!(subject.contains("C=US"), "{subject}");
        let tbs = csr.request.info.to_der().expect("der");
        let sig = rsa::pkcs1v15::Signature::try_from(csr.request.signature.raw_bytes())
            .expect("signature");
        VerifyingKey::<Sha256>::new(csr.key.to_public_key())
            .verify(&tbs, &sig)
            .expect("the request's signature verifies under its own public key");
    }

    #[test]
    fn bad_subjects_are_refused_with_a_reason() {
        let mut s = subject();
        s.country = Some("usa".into());
        let err = PendingCsr::generate(&s).expect_err("bad country");
        assert!(err.to_string().contains("country code"), "{err}");
        let mut s = subject();
        s.email = "nope".into();
        assert!(PendingCsr::generate(&s).is_err());
        let mut s = subject();
        s.common_name = "  ".into();
        assert!(PendingCsr::generate(&s).is_err());
    }

    #[test]
    fn debug_never_prints_the_key() {
        let csr = PendingCsr::generate(&subject()).expect("generate");
        let debug = format!("{csr:?}");
        assert!(debug.contains("redacted"));
        assert!(!debug.contains("PRIVATE"));
    }
}

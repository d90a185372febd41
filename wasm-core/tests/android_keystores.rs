//! Android keystores against fixtures made once by keytool and OpenSSL
//! (`tests/fixtures/make-android-fixtures.sh`), plus round trips of what we write.

use signet_core::{
    Error,
    android::{
        DistinguishedName, EntryKind, KeySize, Keystore, KeystoreFormat, Password, PrivateKey,
        UploadKeystore, UploadKeystoreParams,
        jks::{self, JksEntry},
        pkcs12::{self, Pkcs12Variant},
    },
    cert::CertificateInfo,
};

const KEYTOOL_JKS: &[u8] = include_bytes!("fixtures/android/keytool.jks");
const KEYTOOL_JKS_TXT: &str = include_str!("fixtures/android/keytool.jks.txt");
const NONASCII_JKS: &[u8] = include_bytes!("fixtures/android/nonascii.jks");
const NONASCII_JKS_TXT: &str = include_str!("fixtures/android/nonascii.jks.txt");
const KEYTOOL_P12: &[u8] = include_bytes!("fixtures/android/keytool.p12");
const KEYTOOL_P12_TXT: &str = include_str!("fixtures/android/keytool.p12.txt");
const OPENSSL_MODERN_P12: &[u8] = include_bytes!("fixtures/android/openssl-modern.p12");
const OPENSSL_LEGACY_P12: &[u8] = include_bytes!("fixtures/android/openssl-legacy.p12");
const OPENSSL_NONAME_P12: &[u8] = include_bytes!("fixtures/android/openssl-noname.p12");
const OPENSSL_CERT: &[u8] = include_bytes!("fixtures/android/openssl-cert.der");
const OPENSSL_CERT_PEM: &[u8] = include_bytes!("fixtures/android/openssl-cert.pem");
const OPENSSL_CERT_SHA1: &str = include_str!("fixtures/android/openssl-cert.sha1.txt");
const OPENSSL_CERT_SHA256: &str = include_str!("fixtures/android/openssl-cert.sha256.txt");
const OPENSSL_KEY: &[u8] = include_bytes!("fixtures/android/openssl-key.pk8.der");

/// What `keytool -list -v` printed for `alias`: (field → value) for Owner, Serial number,
/// SHA1, SHA256.
fn keytool_facts(listing: &str, alias: &str) -> std::collections::HashMap<&'static str, String> {
    let mut facts = std::collections::HashMap::new();
    let mut in_alias = false;
    for line in listing.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix("Alias name: ") {
            in_alias = name == alias;
            continue;
        }
        if !in_alias {
            continue;
        }
        for (prefix, key) in [
            ("Owner: ", "owner"),
            ("Issuer: ", "issuer"),
            ("Serial number: ", "serial"),
            ("SHA1: ", "sha1"),
            ("SHA256: ", "sha256"),
        ] {
            if let Some(v) = line.strip_prefix(prefix) {
                facts.entry(key).or_insert_with(|| v.to_owned());
            }
        }
    }
    assert!(
        !facts.is_empty(),
        "alias {alias} not in the keytool listing"
    );
    facts
}

fn assert_matches_keytool(info: &CertificateInfo, listing: &str, alias: &str) {
    let facts = keytool_facts(listing, alias);
    assert_eq!(info.fingerprints.sha1, facts["sha1"], "SHA-1 of {alias}");
    assert_eq!(
        info.fingerprints.sha256, facts["sha256"],
        "SHA-256 of {alias}"
    );
    assert_eq!(info.serial, facts["serial"], "serial of {alias}");
    assert_eq!(info.subject, facts["owner"], "subject of {alias}");
    assert_eq!(info.issuer, facts["issuer"], "issuer of {alias}");
}

fn fixed_key() -> rsa::PrivateKey {
    PrivateKey::from_pkcs8_der(OPENSSL_KEY.to_vec())
        .and_then(|k| k.to_rsa())
        .expect("fixture key")
}

fn fixed_keystore(store: &str, key: &str) -> UploadKeystore {
    let mut params = UploadKeystoreParams::for_package("com.acme.app");
    params.dname = DistinguishedName {
        common_name: "com.acme.app".into(),
        organizational_unit: Some("Mobile".into()),
        organization: Some("Acme".into()),
        locality: Some("Berlin".into()),
        state: Some("Berlin".into()),
        country: Some("DE".into()),
    };
    UploadKeystore::from_parts(
        &fixed_key(),
        &params,
        1_800_000_000,
        &[0x42, 1, 2, 3, 4, 5, 6, 7, 8],
        "MyAlias".into(),
        Password::new(store),
        Password::new(key),
    )
    .expect("keystore")
}

// ---------------------------------------------------------------------------------------------
// Files made by keytool

#[test]
fn keytool_jks_with_distinct_passwords_and_a_trusted_cert() {
    let ks = Keystore::open(KEYTOOL_JKS, "storepass1", Some("keypass22")).expect("open");
    assert_eq!(ks.format(), KeystoreFormat::Jks);
    let mut entries: Vec<_> = ks
        .entries()
        .into_iter()
        .map(|e| (e.alias, e.kind))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        entries,
        vec![
            ("partner".to_owned(), EntryKind::TrustedCertificate),
            ("uploadkey".to_owned(), EntryKind::PrivateKey)
        ]
    );
    // keytool lowercases aliases; asking with the original case still works.
    let entry = ks.key_entry("UploadKey").expect("key entry");
    assert_eq!(entry.alias, "uploadkey");
    assert_eq!(entry.key.algorithm(), "RSA");
    let info = entry.certificate_info().expect("cert");
    assert_matches_keytool(&info, KEYTOOL_JKS_TXT, "uploadkey");
    assert_eq!(info.public_key, "RSA 2048");
    assert_eq!(info.not_after.unix - info.not_before.unix, 10_000 * 86_400);
    // The key is the certificate's key.
    let rsa_key = entry.key.to_rsa().expect("rsa");
    let ks2 = UploadKeystore::from_parts(
        &rsa_key,
        &UploadKeystoreParams::for_package("x"),
        0,
        &[1],
        "a".into(),
        Password::new("p"),
        Password::new("p"),
    )
    .expect("rebuild");
    assert_eq!(
        cert_spki(&ks2.certificate),
        cert_spki(&entry.chain[0]),
        "the decrypted key belongs to the certificate"
    );
    let partner = ks.certificate_chain("partner").expect("partner");
    let partner = CertificateInfo::from_der(&partner[0]).expect("partner cert");
    assert_matches_keytool(&partner, KEYTOOL_JKS_TXT, "partner");
}

fn cert_spki(der: &[u8]) -> Vec<u8> {
    use der::{Decode, Encode};
    let cert = x509_cert::Certificate::from_der(der).expect("cert");
    cert.tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .expect("spki")
}

#[test]
fn keytool_jks_errors_are_distinct_and_clear() {
    let err = Keystore::open(KEYTOOL_JKS, "wrong", None).expect_err("wrong store password");
    assert!(matches!(err, Error::WrongKeystorePassword), "{err:?}");
    assert!(
        err.to_string().starts_with("wrong keystore password"),
        "{err}"
    );

    // Right store password, key password omitted: the store password is tried and fails.
    let ks = Keystore::open(KEYTOOL_JKS, "storepass1", None).expect("open");
    let err = ks.key_entry("uploadkey").expect_err("wrong key password");
    assert!(
        err.to_string()
            .starts_with("wrong key password for alias uploadkey"),
        "{err}"
    );
    let ks = Keystore::open(KEYTOOL_JKS, "storepass1", Some("nope")).expect("open");
    assert!(matches!(
        ks.key_entry("uploadkey"),
        Err(Error::WrongKeyPassword { .. })
    ));

    let err = ks.key_entry("missing").expect_err("unknown alias");
    let msg = err.to_string();
    assert!(
        msg.contains("\"missing\"") && msg.contains("uploadkey") && msg.contains("partner"),
        "{msg}"
    );

    let err = ks
        .key_entry("partner")
        .expect_err("trusted cert has no key");
    assert!(matches!(err, Error::NotAKeyEntry { .. }), "{err:?}");
}

#[test]
fn keytool_jks_with_non_ascii_passwords() {
    let ks = Keystore::open(NONASCII_JKS, "pässwörd€", Some("schlüssel€")).expect("open");
    let entry = ks.key_entry("key0").expect("key");
    assert_matches_keytool(
        &entry.certificate_info().expect("cert"),
        NONASCII_JKS_TXT,
        "key0",
    );
    // Latin-1 or UTF-8 bytes instead of UTF-16 would fail here.
    assert!(matches!(
        Keystore::open(NONASCII_JKS, "passwort", None),
        Err(Error::WrongKeystorePassword)
    ));
    let ks = Keystore::open(NONASCII_JKS, "pässwörd€", Some("schlussel€")).expect("open");
    assert!(matches!(
        ks.key_entry("key0"),
        Err(Error::WrongKeyPassword { .. })
    ));
}

#[test]
fn keytool_pkcs12() {
    let ks = Keystore::open(KEYTOOL_P12, "store-pass", None).expect("open");
    assert_eq!(ks.format(), KeystoreFormat::Pkcs12);
    assert_eq!(ks.aliases(), vec!["upload".to_owned()]);
    let entry = ks.key_entry("upload").expect("key");
    assert_eq!(entry.chain.len(), 1);
    assert_matches_keytool(
        &entry.certificate_info().expect("cert"),
        KEYTOOL_P12_TXT,
        "upload",
    );
    assert!(matches!(
        Keystore::open(KEYTOOL_P12, "store-pasS", None),
        Err(Error::WrongKeystorePassword)
    ));
}

// ---------------------------------------------------------------------------------------------
// Files made by OpenSSL

fn assert_openssl_entry(ks: &Keystore, alias: &str) {
    let entry = ks.key_entry(alias).expect("key entry");
    assert_eq!(entry.key.dangerously_expose_pkcs8_der(), OPENSSL_KEY);
    assert_eq!(entry.chain, vec![OPENSSL_CERT.to_vec()]);
}

#[test]
fn openssl_modern_pkcs12_with_non_ascii_password() {
    let ks = Keystore::open(OPENSSL_MODERN_P12, "pässwörd€", None).expect("open");
    assert_eq!(ks.aliases(), vec!["acme dist".to_owned()]);
    assert_openssl_entry(&ks, "acme dist");
    assert!(matches!(
        Keystore::open(OPENSSL_MODERN_P12, "passwörd€", None),
        Err(Error::WrongKeystorePassword)
    ));
}

#[test]
fn openssl_legacy_pkcs12_with_rc2_certificates() {
    let ks = Keystore::open(OPENSSL_LEGACY_P12, "secret", None).expect("open");
    assert_openssl_entry(&ks, "acme dist");
    assert!(matches!(
        Keystore::open(OPENSSL_LEGACY_P12, "Secret", None),
        Err(Error::WrongKeystorePassword)
    ));
}

#[test]
fn openssl_pkcs12_without_a_name_gets_alias_1_like_java() {
    let ks = Keystore::open(OPENSSL_NONAME_P12, "secret", None).expect("open");
    assert_eq!(ks.aliases(), vec!["1".to_owned()]);
    assert_openssl_entry(&ks, "1");
}

#[test]
fn certificate_facts_match_openssl() {
    let info = CertificateInfo::from_der(OPENSSL_CERT).expect("der");
    let sha1 = OPENSSL_CERT_SHA1.trim().rsplit('=').next().expect("sha1");
    let sha256 = OPENSSL_CERT_SHA256
        .trim()
        .rsplit('=')
        .next()
        .expect("sha256");
    assert_eq!(info.fingerprints.sha1, sha1);
    assert_eq!(info.fingerprints.sha256, sha256);
    assert_eq!(info.fingerprints.md5.len(), 16 * 3 - 1);
    assert_eq!(info.subject, "CN=Acme Distribution, O=Acme, C=US");
    assert_eq!(info.subject, info.issuer);
    assert_eq!(
        CertificateInfo::from_pem_or_der(OPENSSL_CERT_PEM).expect("pem"),
        info
    );
    assert!(CertificateInfo::from_der(b"nope").is_err());
}

// ---------------------------------------------------------------------------------------------
// Garbage, truncation, corruption: errors, never panics

#[test]
fn garbage_is_not_a_keystore() {
    for garbage in [
        &b""[..],
        b"hello world, this is not a keystore at all",
        &[0u8; 64],
        OPENSSL_CERT, // a certificate is DER but not a PFX
        b"\x30\x03\x02\x01\x02",
    ] {
        let err = Keystore::open(garbage, "x", None).expect_err("garbage");
        assert!(matches!(err, Error::NotAKeystore), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("not a keystore (neither JKS nor PKCS#12)")
        );
    }
}

#[test]
fn truncated_files_are_errors() {
    for (file, password) in [
        (KEYTOOL_JKS, "storepass1"),
        (KEYTOOL_P12, "store-pass"),
        (OPENSSL_LEGACY_P12, "secret"),
    ] {
        for len in 0..file.len() {
            let result = Keystore::open(&file[..len], password, None);
            assert!(result.is_err(), "a file cut to {len} bytes was accepted");
        }
    }
}

#[test]
fn corrupted_files_never_panic() {
    for (file, password) in [
        (KEYTOOL_JKS, "storepass1"),
        (OPENSSL_LEGACY_P12, "secret"),
        (OPENSSL_MODERN_P12, "pässwörd€"),
    ] {
        for i in (0..file.len()).step_by(11) {
            let mut bytes = file.to_vec();
            bytes[i] ^= 0x5a;
            // A flipped byte is caught by the digest/MAC or by the parser.
            if let Ok(ks) = Keystore::open(&bytes, password, None) {
                for alias in ks.aliases() {
                    let _ = ks.key_entry(&alias);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What we write, read back

#[test]
fn generated_jks_round_trips_with_distinct_non_ascii_passwords() {
    let ks = fixed_keystore("pässwörd€", "schlüssel€ 😀");
    assert_eq!(ks.alias, "myalias");
    let file = ks.encode(KeystoreFormat::Jks).expect("jks");
    assert_eq!(&file.bytes[..4], &[0xfe, 0xed, 0xfe, 0xed]);
    assert_eq!(file.key_password.expose(), "schlüssel€ 😀");
    let opened = Keystore::open(&file.bytes, "pässwörd€", Some("schlüssel€ 😀")).expect("open");
    let entry = opened.key_entry("myalias").expect("key");
    assert_eq!(entry.key, ks.key);
    assert_eq!(entry.chain, vec![ks.certificate.clone()]);
    assert_eq!(opened.entries()[0].created_ms, Some(1_800_000_000_000));
    let opened = Keystore::open(&file.bytes, "pässwörd€", None).expect("open");
    assert!(matches!(
        opened.key_entry("myalias"),
        Err(Error::WrongKeyPassword { .. })
    ));
}

#[test]
fn generated_pkcs12_round_trips_in_both_variants() {
    let ks = fixed_keystore("pässwörd€", "ignored-for-p12");
    let file = ks.encode(KeystoreFormat::Pkcs12).expect("p12");
    assert_eq!(
        file.key_password, file.store_password,
        "PKCS#12 has one password"
    );
    let opened = Keystore::open(&file.bytes, "pässwörd€", None).expect("open");
    assert_eq!(opened.format(), KeystoreFormat::Pkcs12);
    assert_eq!(opened.key_entry("myalias").expect("key").key, ks.key);

    let chain = vec![ks.certificate.clone()];
    for variant in [Pkcs12Variant::Modern, Pkcs12Variant::Legacy] {
        let bytes = pkcs12::write(
            &ks.key,
            &chain,
            &Password::new("€uro"),
            "Dist Cert",
            variant,
        )
        .expect("write");
        let opened = Keystore::open(&bytes, "€uro", None).expect("open");
        assert_eq!(
            opened.aliases(),
            vec!["Dist Cert".to_owned()],
            "{variant:?}"
        );
        let entry = opened.key_entry("Dist Cert").expect("key");
        assert_eq!(entry.key, ks.key);
        assert_eq!(entry.chain, chain);
        assert!(matches!(
            Keystore::open(&bytes, "euro", None),
            Err(Error::WrongKeystorePassword)
        ));
    }
}

#[test]
fn pkcs12_keeps_a_chain_in_order() {
    // Leaf = the keytool JKS certificate is not issued by the openssl one, so build a
    // two-certificate "chain" from unrelated certs and check that both survive, leaf first.
    let ks = fixed_keystore("a", "a");
    let chain = vec![ks.certificate.clone(), OPENSSL_CERT.to_vec()];
    let bytes = pkcs12::write(
        &ks.key,
        &chain,
        &Password::new("a"),
        "k",
        Pkcs12Variant::Legacy,
    )
    .expect("write");
    let opened = Keystore::open(&bytes, "a", None).expect("open");
    let entry = opened.key_entry("k").expect("key");
    assert_eq!(entry.chain[0], ks.certificate);
}

#[test]
fn jks_writer_handles_trusted_certificates() {
    let ks = fixed_keystore("a", "b");
    let bytes = jks::write(
        &[
            JksEntry::PrivateKey {
                alias: "Key",
                key: &ks.key,
                chain: std::slice::from_ref(&ks.certificate),
                key_password: &Password::new("b"),
                created_ms: 1,
            },
            JksEntry::TrustedCertificate {
                alias: "CA",
                certificate: OPENSSL_CERT,
                created_ms: 2,
            },
        ],
        &Password::new("a"),
    )
    .expect("write");
    let opened = Keystore::open(&bytes, "a", Some("b")).expect("open");
    let entries = opened.entries();
    assert_eq!(entries[0].alias, "key");
    assert_eq!(entries[1].alias, "ca");
    assert_eq!(entries[1].kind, EntryKind::TrustedCertificate);
    assert_eq!(entries[1].created_ms, Some(2));
    assert_eq!(
        opened.certificate_chain("ca").expect("ca"),
        vec![OPENSSL_CERT.to_vec()]
    );
}

#[test]
fn generated_certificate_is_what_eas_makes() {
    let ks = fixed_keystore("a", "b");
    let info = ks.certificate_info().expect("info");
    assert_eq!(
        info.subject,
        "CN=com.acme.app, OU=Mobile, O=Acme, L=Berlin, ST=Berlin, C=DE"
    );
    assert_eq!(info.issuer, info.subject);
    assert_eq!(info.serial, "420102030405060708");
    assert_eq!(info.not_before.unix, 1_800_000_000);
    assert_eq!(info.not_after.unix, 1_800_000_000 + 10_000 * 86_400);
    assert_eq!(info.not_before.utc, "2027-01-15 08:00:00 UTC");
    assert_eq!(info.public_key, "RSA 2048");
    assert_eq!(info.days_left(1_800_000_000), 10_000);
    // Signed by its own key (SHA256withRSA).
    use der::{Decode, Encode};
    use rsa::{pkcs1v15::VerifyingKey, signature::Verifier};
    let cert = x509_cert::Certificate::from_der(&ks.certificate).expect("cert");
    let tbs = cert.tbs_certificate().to_der().expect("tbs");
    let sig = rsa::pkcs1v15::Signature::try_from(cert.signature().raw_bytes()).expect("sig");
    VerifyingKey::<sha2::Sha256>::new(fixed_key().to_public_key())
        .verify(&tbs, &sig)
        .expect("self-signature verifies");
    assert_eq!(
        cert.tbs_certificate().version(),
        x509_cert::certificate::Version::V3
    );
}

#[test]
fn generate_uses_random_hex_alias_and_passwords() {
    let params = UploadKeystoreParams::for_package("com.acme.app");
    assert_eq!(params.key_size, KeySize::Rsa2048);
    assert_eq!(params.validity_days, 10_000);
    let ks = UploadKeystore::generate(&params, 1_800_000_000).expect("generate");
    for s in [
        &ks.alias,
        ks.store_password.expose(),
        ks.key_password.expose(),
    ] {
        assert_eq!(s.len(), 32, "{s}");
        assert!(
            s.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
    assert_ne!(ks.store_password, ks.key_password);
    let info = ks.certificate_info().expect("info");
    assert_eq!(info.subject, "CN=com.acme.app");
    assert!(info.serial.len() >= 16, "{}", info.serial);
    // Debug never shows secrets.
    let debug = format!("{ks:?}");
    assert!(!debug.contains(ks.store_password.expose()), "{debug}");
    assert!(!debug.contains(ks.key_password.expose()), "{debug}");
    assert!(debug.contains("redacted"));
}

#[test]
fn bad_parameters_are_refused() {
    let mut params = UploadKeystoreParams::for_package(" ");
    assert!(UploadKeystore::generate(&params, 0).is_err());
    params = UploadKeystoreParams::for_package("com.acme.app");
    params.dname.country = Some("Germany".into());
    let err = UploadKeystore::generate(&params, 0).expect_err("bad country");
    assert!(err.to_string().contains("country code"), "{err}");
}

/// Rough timings (run with `--ignored --nocapture`; dependencies are built with opt-level 2
/// even in the dev profile). Not an assertion: the bench belongs to `cargo xtask bench`.
#[test]
#[ignore]
fn timings() {
    let params = UploadKeystoreParams::for_package("com.acme.app");
    let mut gen_ms = Vec::new();
    let mut jks_ms = Vec::new();
    for _ in 0..9 {
        let t = std::time::Instant::now();
        let ks = UploadKeystore::generate(&params, 1_800_000_000).expect("generate");
        gen_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let t = std::time::Instant::now();
        let file = ks.encode(KeystoreFormat::Jks).expect("jks");
        let opened = Keystore::open(
            &file.bytes,
            file.store_password.expose(),
            Some(file.key_password.expose()),
        )
        .expect("open");
        opened.key_entry(&file.alias).expect("key");
        jks_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    gen_ms.sort_by(f64::total_cmp);
    jks_ms.sort_by(f64::total_cmp);
    println!(
        "RSA-2048 keystore generation median {:.1} ms (min {:.1}, max {:.1})",
        gen_ms[4], gen_ms[0], gen_ms[8]
    );
    println!("JKS write+read median {:.3} ms", jks_ms[4]);
}

/// The dashboard's fast path: a key made by WebCrypto (here: OpenSSL's PKCS#8 fixture) becomes
/// an upload keystore with fresh alias and passwords; wrong sizes and garbage are refused.
#[test]
fn an_upload_keystore_around_a_key_made_elsewhere() {
    let params = UploadKeystoreParams::for_package("com.acme.app");
    let ks = UploadKeystore::with_key(&params, OPENSSL_KEY, 1_800_000_000).expect("with_key");
    assert_eq!(ks.key.to_rsa().expect("rsa"), fixed_key());
    let encoded = ks.encode(KeystoreFormat::Jks).expect("encode");
    let opened = Keystore::open(
        &encoded.bytes,
        encoded.store_password.expose(),
        Some(encoded.key_password.expose()),
    )
    .expect("open");
    let entry = opened.key_entry(&encoded.alias).expect("entry");
    assert_eq!(entry.key, ks.key);

    let mut big = UploadKeystoreParams::for_package("com.acme.app");
    big.key_size = KeySize::Rsa4096;
    let err = UploadKeystore::with_key(&big, OPENSSL_KEY, 1_800_000_000).expect_err("size");
    assert!(err.to_string().contains("4096"), "{err}");
    let err = UploadKeystore::with_key(&params, b"not a key", 1_800_000_000).expect_err("junk");
    assert!(err.to_string().contains("PKCS#8"), "{err}");
}

#[test]
fn an_upload_without_an_alias_takes_the_only_key_and_lists_several() {
    use signet_core::credential::{Payload, SecretText};
    let ks = fixed_keystore("a", "b");
    let key_password = Password::new("b");
    let key = |alias| JksEntry::PrivateKey {
        alias,
        key: &ks.key,
        chain: std::slice::from_ref(&ks.certificate),
        key_password: &key_password,
        created_ms: 1,
    };
    let ca = JksEntry::TrustedCertificate {
        alias: "CA",
        certificate: OPENSSL_CERT,
        created_ms: 2,
    };
    let upload = |bytes: &[u8], alias: &str| {
        Payload::android_keystore(bytes, SecretText::new("a"), alias, SecretText::new("b"))
    };

    // One key beside a trusted certificate: that key, with the metadata inspect gives.
    let one = jks::write(&[key("Upload"), ca], &Password::new("a")).expect("write");
    let (payload, meta) = upload(&one, "").expect("the only key");
    assert!(
        matches!(&payload, Payload::AndroidKeystore { key_alias, .. } if key_alias == "upload"),
        "{payload:?}"
    );
    assert_eq!(meta, payload.inspect().expect("inspect"));
    assert_eq!(meta["key_alias"], "upload");
    // A typed alias is kept as typed; a wrong password is refused as inspect refuses it.
    let (typed, _) = upload(&one, "Upload").expect("typed alias");
    assert!(matches!(typed, Payload::AndroidKeystore { key_alias, .. } if key_alias == "Upload"));
    let wrong = Payload::android_keystore(&one, SecretText::new("x"), "", SecretText::new("b"));
    assert!(
        matches!(wrong, Err(Error::WrongKeystorePassword)),
        "{wrong:?}"
    );

    // Two keys: none is guessed, both are named.
    let two = jks::write(&[key("first"), key("second")], &Password::new("a")).expect("write");
    let err = upload(&two, "").expect_err("two keys");
    assert_eq!(
        err.to_string(),
        "this keystore holds 2 keys (first, second): enter the alias of the one that signs this app"
    );
    assert!(upload(&two, "second").is_ok());

    // Only certificates: say to choose the signing keystore.
    let none = jks::write(
        &[JksEntry::TrustedCertificate {
            alias: "CA",
            certificate: OPENSSL_CERT,
            created_ms: 2,
        }],
        &Password::new("a"),
    )
    .expect("write");
    let err = upload(&none, "").expect_err("no key");
    assert!(matches!(&err, Error::ChooseKeyAlias { keys } if keys.is_empty()));
    assert!(err.to_string().contains("holds no private key"), "{err}");
}

//! Tests of the vault: round trips, pinned vectors and one named test per attack.
//! `docs/security.md` maps each attack class to the test that covers it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{
    account::{UnlockedAccount, register},
    ecies::{EciesContext, EciesWrappedTeamKey},
    envelope::to_base64,
    invite::{InviteSecret, InviteWrappedTeamKey},
    item::{
        ItemContext, ItemKey, MetadataContext, MetadataSignature, SealedItem, SealedPayload,
        WrappedItemKey, open_item, seal_new_item,
    },
    kdf::{KdfMemory, KdfParams, KdfSalt, derive_account_keys, derive_account_keys_in},
    keypair::{SignedPublicKeys, UserKeyPair},
    recovery::RecoveryCode,
    rng::test_stream,
    robot::{RobotToken, RobotWrappedItemKey},
    rotation::{RotationItem, RotationMember, Rotator, rotate_team_key},
    server_side::{
        InviteRecord, InviteStatus, PresentedSecret, hash_for_storage, verify_presented,
    },
    team_key::{SelfWrappedTeamKey, TeamKey, TeamKeyVersionGuard},
    user_key::{UserKey, WrappedUserKey},
};
// In wasm32 the same tests run under wasm-bindgen-test (Node or a browser).
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::Error;

/// Argon2id parameters that skip the floor so the suite stays fast (one test uses the real
/// defaults).
fn fast() -> KdfParams {
    KdfParams::dangerously_weak_for_tests(64, 1)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const TEAM: &str = "team-7f3a";
const ITEM: &str = "item-0001";
const KIND: &str = "android_keystore";

fn ctx() -> ItemContext<'static> {
    ItemContext {
        team_id: TEAM,
        item_id: ITEM,
        kind: KIND,
        schema_version: 1,
    }
}

struct Member {
    id: &'static str,
    account: UnlockedAccount,
}

fn member(id: &'static str) -> Member {
    Member {
        id,
        account: UnlockedAccount {
            user_key: UserKey::generate().unwrap(),
            key_pair: UserKeyPair::generate().unwrap(),
        },
    }
}

fn verified(m: &Member) -> super::keypair::VerifiedPublicKeys {
    m.account.key_pair.public_keys().unwrap().verify().unwrap()
}

fn is_open_failed<T: core::fmt::Debug>(r: crate::Result<T>) -> bool {
    matches!(r, Err(Error::OpenFailed))
}

// ---------------------------------------------------------------- round trips

#[test]
fn keys_derived_in_memory_made_beforehand_are_the_same_every_time() {
    let salt = KdfSalt::from_array([7; 16]);
    let params = KdfParams::dangerously_weak_for_tests(256, 2);
    let alone = derive_account_keys("correct horse", &salt, &params).unwrap();
    let mut memory = KdfMemory::new(&params).unwrap();
    assert!(memory.fits(&params));
    assert!(!format!("{memory:?}").contains('['), "{memory:?}");
    // Reused: cleared after each derivation, so the second sees what the first did not leave.
    for password in ["correct horse", "correct horse"] {
        let keys = derive_account_keys_in(password, &salt, &params, Some(&mut memory)).unwrap();
        assert_eq!(
            keys.auth_key.dangerously_to_base64(),
            alone.auth_key.dangerously_to_base64()
        );
        assert_eq!(keys.kek.0.as_bytes(), alone.kek.0.as_bytes());
    }
    let other = derive_account_keys_in("correct horsf", &salt, &params, Some(&mut memory)).unwrap();
    assert_ne!(
        other.auth_key.dangerously_to_base64(),
        alone.auth_key.dangerously_to_base64()
    );
    // Memory for other parameters is not used: the derivation allocates its own.
    let bigger = KdfParams::dangerously_weak_for_tests(512, 2);
    assert!(!memory.fits(&bigger));
    let keys = derive_account_keys_in("correct horse", &salt, &bigger, Some(&mut memory)).unwrap();
    let expected = derive_account_keys("correct horse", &salt, &bigger).unwrap();
    assert_eq!(keys.kek.0.as_bytes(), expected.kek.0.as_bytes());
    // Parameters a server may not ask for are refused before any memory is made.
    assert!(KdfMemory::new(&KdfParams::new(64 * 1024, 3, 1).unwrap()).is_ok());
    assert!(matches!(
        serde_json::from_str::<KdfParams>(r#"{"memory_kib":64,"iterations":1,"parallelism":1}"#)
            .map(|p| KdfMemory::new(&p)),
        Ok(Err(Error::KdfParams(_)))
    ));
}

#[test]
fn account_keys_are_deterministic_and_auth_key_differs_from_kek() {
    let salt = KdfSalt::from_array([7; 16]);
    let a = derive_account_keys("correct horse", &salt, &fast()).unwrap();
    let b = derive_account_keys("correct horse", &salt, &fast()).unwrap();
    let c = derive_account_keys("correct horsf", &salt, &fast()).unwrap();
    assert_eq!(
        a.auth_key.dangerously_to_base64(),
        b.auth_key.dangerously_to_base64()
    );
    assert_ne!(
        a.auth_key.dangerously_to_base64(),
        c.auth_key.dangerously_to_base64()
    );
    assert_ne!(
        a.auth_key.dangerously_to_base64(),
        to_base64(a.kek.0.as_bytes())
    );
}

#[test]
fn register_then_unlock_with_password_and_with_recovery_code() {
    let (reg, unlocked, code) = register("hunter2 hunter2", fast()).unwrap();
    let keys = derive_account_keys("hunter2 hunter2", &reg.kdf_salt, &reg.kdf_params).unwrap();
    assert_eq!(
        keys.auth_key.dangerously_to_base64(),
        reg.auth_key.dangerously_to_base64()
    );
    let again = UnlockedAccount::unlock(&keys.kek, &reg.wrapped_user_key, &reg.sealed_private_keys)
        .unwrap();
    assert_eq!(again.user_key.0.as_bytes(), unlocked.user_key.0.as_bytes());
    assert_eq!(
        again.key_pair.fingerprint(),
        unlocked.key_pair.fingerprint()
    );

    let typed = code.dangerously_display().to_lowercase().replace('-', " ");
    let parsed = RecoveryCode::parse(&typed).unwrap();
    let recovered = UnlockedAccount::unlock_with_recovery_code(
        &parsed,
        &reg.recovery_wrapped_user_key,
        &reg.sealed_private_keys,
    )
    .unwrap();
    assert_eq!(
        recovered.user_key.0.as_bytes(),
        unlocked.user_key.0.as_bytes()
    );
    assert_eq!(
        parsed.dangerously_auth_key_base64().unwrap(),
        reg.recovery_auth_key
    );

    let pk = reg.public_keys.verify().unwrap();
    assert_eq!(pk.fingerprint(), unlocked.key_pair.fingerprint());
}

#[test]
fn wrong_password_is_one_opaque_error() {
    let (reg, _, _) = register("right password", fast()).unwrap();
    let wrong = derive_account_keys("wrong password", &reg.kdf_salt, &reg.kdf_params).unwrap();
    let err = reg.wrapped_user_key.open(&wrong.kek).unwrap_err();
    assert!(matches!(err, Error::OpenFailed));
    assert_eq!(
        err.to_string(),
        "could not decrypt: wrong key, wrong place, or the data was altered"
    );
}

#[test]
fn password_change_rewraps_only_the_user_key() {
    let (reg, unlocked, _) = register("old password", fast()).unwrap();
    let change = unlocked.change_password("new password", fast()).unwrap();
    assert_ne!(change.kdf_salt, reg.kdf_salt);
    let new_keys = derive_account_keys("new password", &change.kdf_salt, &fast()).unwrap();
    let old_keys = derive_account_keys("old password", &reg.kdf_salt, &fast()).unwrap();
    assert!(is_open_failed(change.wrapped_user_key.open(&old_keys.kek)));
    // Private keys, team wraps etc. stay as they were: the user key is the same.
    let again = UnlockedAccount::unlock(
        &new_keys.kek,
        &change.wrapped_user_key,
        &reg.sealed_private_keys,
    )
    .unwrap();
    assert_eq!(again.user_key.0.as_bytes(), unlocked.user_key.0.as_bytes());
}

#[test]
fn real_default_argon2id_parameters_derive() {
    assert_eq!(KdfParams::default(), KdfParams::new(65536, 3, 1).unwrap());
    let salt = KdfSalt::generate().unwrap();
    // No timing here: `Instant::now()` panics on wasm32 (see `vault_bench` and the wasm
    // timing test below).
    let keys = derive_account_keys("a real password", &salt, &KdfParams::DEFAULT).unwrap();
    let user_key = UserKey::generate().unwrap();
    let wrapped = user_key.wrap_with_kek(&keys.kek).unwrap();
    assert_eq!(
        wrapped.open(&keys.kek).unwrap().0.as_bytes(),
        user_key.0.as_bytes()
    );
}

/// The Argon2id cost in WebAssembly, for comparison with the native `vault_bench` example
/// (printed by the test runner; `Instant` does not exist in wasm32, the JS clock does).
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
#[test]
fn wasm_argon2id_default_parameters_timing() {
    let salt = KdfSalt::generate().unwrap();
    let mut ms = Vec::new();
    for _ in 0..3 {
        let t = js_sys::Date::now();
        derive_account_keys("a real password", &salt, &KdfParams::DEFAULT).unwrap();
        ms.push(js_sys::Date::now() - t);
    }
    wasm_bindgen_test::console_log!(
        "wasm32 Argon2id m=64MiB t=3 p=1 (debug test profile, deps opt-level 2): {ms:?} ms"
    );
}

#[test]
fn recovery_code_format_and_tolerant_parsing() {
    let code = RecoveryCode::generate().unwrap();
    let shown = code.dangerously_display();
    let groups: Vec<&str> = shown.split('-').collect();
    assert_eq!(groups.len(), 8);
    assert!(groups.iter().all(|g| g.len() == 4));
    // Crockford: no I, L, O, U in output.
    assert!(!shown.chars().any(|c| "ILOU".contains(c)));
    let messy = format!("  {}  ", shown.to_lowercase().replace('-', " - "));
    assert_eq!(
        *RecoveryCode::parse(&messy).unwrap().dangerously_display(),
        *shown
    );
    // O→0, I/L→1.
    let zeros = RecoveryCode::parse("oooo-oooo-oooo-oooo-oooo-oooo-oooo-oooo").unwrap();
    assert_eq!(
        &*zeros.dangerously_display(),
        "0000-0000-0000-0000-0000-0000-0000-0000"
    );
    let ones = RecoveryCode::parse("IIII LLLL iiii llll 1111 1111 1111 1111").unwrap();
    assert_eq!(
        &*ones.dangerously_display(),
        "1111-1111-1111-1111-1111-1111-1111-1111"
    );
    for bad in [
        "",
        "0000",
        "UUUU-0000-0000-0000-0000-0000-0000-0000",
        &format!("{}0", *shown),
    ] {
        assert!(
            matches!(RecoveryCode::parse(bad), Err(Error::BadSecretFormat(_))),
            "{bad}"
        );
    }
}

#[test]
fn public_keys_round_trip_and_self_signature_verifies() {
    let kp = UserKeyPair::generate().unwrap();
    let pk = kp.public_keys().unwrap();
    let text = pk.to_base64();
    let back = SignedPublicKeys::from_base64(&text).unwrap();
    assert_eq!(back, pk);
    assert_eq!(back.verify().unwrap().fingerprint(), kp.fingerprint());
    let sealed = kp.seal(&UserKey::generate().unwrap());
    assert!(sealed.is_ok());
}

#[test]
fn team_key_self_wrap_round_trip() {
    let m = member("u1");
    let tk = TeamKey::generate_first().unwrap();
    let w = tk.wrap_for_self(&m.account.user_key, TEAM).unwrap();
    assert_eq!(w.version(), 1);
    let back = SelfWrappedTeamKey::from_base64(&w.to_base64()).unwrap();
    let opened = back.open(&m.account.user_key, TEAM).unwrap();
    assert_eq!(opened.version(), 1);
    assert_eq!(opened.key.as_bytes(), tk.key.as_bytes());
}

#[test]
fn invite_round_trip_and_token_is_not_the_wrap_key() {
    let secret = InviteSecret::generate().unwrap();
    let fragment = secret.dangerously_to_fragment();
    assert!(fragment.len() >= 22, "at least 128 bits");
    let tk = TeamKey::generate_first().unwrap();
    let wrap = secret.wrap_team_key(&tk, TEAM, "inv-1").unwrap();

    let invitee_secret = InviteSecret::from_fragment(&format!("#{}", *fragment)).unwrap();
    assert_eq!(invitee_secret.token().unwrap(), secret.token().unwrap());
    assert_ne!(
        invitee_secret.token().unwrap(),
        to_base64(invitee_secret_wrap_key(&invitee_secret).as_bytes())
    );
    let wrap = InviteWrappedTeamKey::from_base64(&wrap.to_base64()).unwrap();
    let got = wrap.open(&invitee_secret, TEAM, "inv-1").unwrap();
    assert_eq!(got.key.as_bytes(), tk.key.as_bytes());
    assert_eq!(got.version(), 1);

    // Server side: the record accepts the token once.
    let mut record = InviteRecord::new(&secret.token().unwrap(), 1_000).unwrap();
    record
        .accept(&invitee_secret.token().unwrap(), 999)
        .unwrap();
    assert_eq!(record.status, InviteStatus::Accepted);
}

fn invitee_secret_wrap_key(s: &InviteSecret) -> super::secret::Key32 {
    super::secret::hkdf32(
        &super::envelope::from_base64(&s.dangerously_to_fragment(), "x").unwrap(),
        None,
        b"signet/v1/invite/wrap",
    )
    .unwrap()
}

#[test]
fn ecies_wrap_round_trip() {
    let admin = member("admin");
    let bob = member("bob");
    let tk = TeamKey::generate_first().unwrap().generate_next().unwrap();
    let ctx = EciesContext {
        team_id: TEAM,
        sender_id: admin.id,
        recipient_id: bob.id,
    };
    let w = EciesWrappedTeamKey::seal(&admin.account.key_pair, &verified(&bob), &ctx, &tk).unwrap();
    assert_eq!(w.to_bytes().len(), 163);
    let w = EciesWrappedTeamKey::from_base64(&w.to_base64()).unwrap();
    assert_eq!(w.version(), 2);
    let got = w
        .open(&bob.account.key_pair, verified(&admin).signing_key(), &ctx)
        .unwrap();
    assert_eq!(got.key.as_bytes(), tk.key.as_bytes());
    assert_eq!(got.version(), 2);
}

#[test]
fn item_seal_open_round_trip_and_metadata_signature() {
    let tk = TeamKey::generate_first().unwrap();
    let payload = b"keystore bytes and passwords".to_vec();
    let item = seal_new_item(&tk, &ctx(), &payload).unwrap();
    let item = SealedItem {
        wrapped_key: WrappedItemKey::from_base64(&item.wrapped_key.to_base64()).unwrap(),
        payload: SealedPayload::from_base64(&item.payload.to_base64()).unwrap(),
    };
    assert_eq!(item.wrapped_key.team_key_version(), 1);
    assert_eq!(*open_item(&tk, &ctx(), &item).unwrap(), payload);

    let author = member("alice");
    let mctx = MetadataContext {
        team_id: TEAM,
        item_id: ITEM,
        kind: KIND,
        author_id: author.id,
    };
    let json = r#"{"alias":"upload","sha256":"AB:CD"}"#;
    let sig = MetadataSignature::sign(&author.account.key_pair, &mctx, json).unwrap();
    let sig = MetadataSignature::from_base64(&sig.to_base64()).unwrap();
    sig.verify(verified(&author).signing_key(), &mctx, json)
        .unwrap();
}

#[test]
fn robot_token_round_trip_and_grant() {
    let token = RobotToken::generate("ci01").unwrap();
    let text = token.dangerously_to_string();
    assert!(text.starts_with("signet_ci01_"));
    assert_eq!(text.len(), "signet_ci01_".len() + 64);
    let parsed = RobotToken::parse(&format!(" {} \n", *text)).unwrap();
    assert_eq!(parsed.id(), "ci01");
    assert_eq!(parsed.auth_half().unwrap(), token.auth_half().unwrap());

    let item_key = ItemKey::generate().unwrap();
    let grant = token.grant(&item_key, TEAM, ITEM).unwrap();
    let grant = RobotWrappedItemKey::from_base64(&grant.to_base64()).unwrap();
    let got = grant.open(&parsed, TEAM, ITEM).unwrap();
    assert_eq!(got.0.as_bytes(), item_key.0.as_bytes());

    let stored =
        hash_for_storage(PresentedSecret::RobotAuth, &parsed.auth_half().unwrap()).unwrap();
    assert!(verify_presented(
        PresentedSecret::RobotAuth,
        &token.auth_half().unwrap(),
        &stored
    ));
    for bad in [
        "signet_ci01",
        "signet__00",
        "signet_CI_00",
        "token_ci01_00",
        "signet_ci01_zz",
    ] {
        assert!(RobotToken::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn rotation_rewraps_item_keys_and_wraps_for_each_member() {
    let admin = member("admin");
    let bob = member("bob");
    let v1 = TeamKey::generate_first().unwrap();
    let items: Vec<(String, SealedItem)> = (0..3)
        .map(|i| {
            let id = format!("item-{i}");
            let c = ItemContext {
                item_id: &id,
                ..ctx()
            };
            let sealed = seal_new_item(&v1, &c, format!("secret {i}").as_bytes()).unwrap();
            (id, sealed)
        })
        .collect();
    let rot_items: Vec<RotationItem<'_>> = items
        .iter()
        .map(|(id, s)| RotationItem {
            item_id: id,
            wrapped_key: &s.wrapped_key,
        })
        .collect();
    let bob_pk = verified(&bob);
    let rotation = rotate_team_key(
        &Rotator {
            user_id: admin.id,
            user_key: &admin.account.user_key,
            key_pair: &admin.account.key_pair,
        },
        TEAM,
        &v1,
        &rot_items,
        &[RotationMember {
            user_id: bob.id,
            public_keys: &bob_pk,
        }],
    )
    .unwrap();
    assert_eq!(rotation.team_key.version(), 2);

    // Bob gets v2 through the signed ECIES wrap, checks it against the admin's key.
    let (bob_id, wrap) = &rotation.member_wraps[0];
    assert_eq!(bob_id, "bob");
    let ectx = EciesContext {
        team_id: TEAM,
        sender_id: admin.id,
        recipient_id: bob.id,
    };
    let v2 = wrap
        .open(&bob.account.key_pair, verified(&admin).signing_key(), &ectx)
        .unwrap();
    let mut guard = TeamKeyVersionGuard::new(TEAM);
    guard.observe(1).unwrap();
    guard.observe(v2.version()).unwrap();

    // Every item opens under v2 with its re-wrapped key; the old key no longer fits them.
    for ((id, sealed), (rid, rewrapped)) in items.iter().zip(&rotation.item_keys) {
        assert_eq!(id, rid);
        let c = ItemContext {
            item_id: id,
            ..ctx()
        };
        let item = SealedItem {
            wrapped_key: rewrapped.clone(),
            payload: sealed.payload.clone(),
        };
        assert!(open_item(&v2, &c, &item).unwrap().starts_with(b"secret "));
        assert!(is_open_failed(open_item(&v1, &c, &item)));
    }
    // The admin's own self-wrap opens to v2 as well.
    let mine = rotation
        .self_wrap
        .open(&admin.account.user_key, TEAM)
        .unwrap();
    assert_eq!(mine.key.as_bytes(), v2.key.as_bytes());
}

#[test]
fn encodings_survive_json_as_base64_strings() {
    let tk = TeamKey::generate_first().unwrap();
    let item = seal_new_item(&tk, &ctx(), b"x").unwrap();
    let json = serde_json::to_string(&item.payload).unwrap();
    assert!(json.starts_with("\"AQc"), "version 1, purpose 7: {json}");
    let back: SealedPayload = serde_json::from_str(&json).unwrap();
    assert_eq!(back, item.payload);
    let params = serde_json::to_string(&KdfParams::DEFAULT).unwrap();
    assert_eq!(
        params,
        r#"{"memory_kib":65536,"iterations":3,"parallelism":1}"#
    );
}

#[test]
fn debug_output_never_shows_secrets() {
    let m = member("u");
    let tk = TeamKey::generate_first().unwrap();
    let token = RobotToken::generate("ci").unwrap();
    let code = RecoveryCode::generate().unwrap();
    let secret = InviteSecret::generate().unwrap();
    let keys = derive_account_keys("pw", &KdfSalt::generate().unwrap(), &fast()).unwrap();
    let printed = format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        m.account,
        tk,
        token,
        code,
        secret,
        keys,
        ItemKey::generate().unwrap(),
        m.account.user_key
    );
    assert!(printed.contains("redacted"));
    for secret_hex in [
        hex(m.account.user_key.0.as_bytes()),
        hex(tk.key.as_bytes()),
        hex(&m.account.key_pair.signing.to_bytes()),
        hex(&m.account.key_pair.agreement.to_bytes()),
    ] {
        assert!(!printed.contains(&secret_hex));
    }
    assert!(!printed.contains(&*token.dangerously_to_string()));
    assert!(!printed.contains(&*code.dangerously_display()));
    assert!(!printed.contains(&*secret.dangerously_to_fragment()));
    assert!(!printed.contains(&keys.auth_key.dangerously_to_base64()));
}

#[test]
fn server_side_hashes_are_separated_by_kind_and_compare_exactly() {
    let token = InviteSecret::generate().unwrap().token().unwrap();
    let stored = hash_for_storage(PresentedSecret::InviteToken, &token).unwrap();
    assert!(verify_presented(
        PresentedSecret::InviteToken,
        &token,
        &stored
    ));
    assert!(!verify_presented(PresentedSecret::AuthKey, &token, &stored));
    assert!(!verify_presented(
        PresentedSecret::InviteToken,
        "AAAA",
        &stored
    ));
    assert!(!verify_presented(
        PresentedSecret::InviteToken,
        &token,
        &stored[1..]
    ));
    assert!(hash_for_storage(PresentedSecret::AuthKey, "c2hvcnQ").is_err());
}

// ---------------------------------------------------------------- pinned vectors

/// Fixed keys and a fixed random stream: if any of these change, the wire format changed,
/// and every stored ciphertext would become unreadable. Bump the format version instead.
#[test]
fn pinned_vectors_item_key_wrap_and_payload() {
    test_stream::install(1);
    let tk = TeamKey::from_bytes_for_tests(3, [0x11; 32]);
    let ik = ItemKey::from_bytes_for_tests([0x22; 32]);
    let wrapped = ik.wrap(&tk, TEAM, ITEM).unwrap();
    let payload = ik.seal(&ctx(), b"hello signet").unwrap();
    test_stream::reset();
    assert_eq!(hex(&wrapped.to_bytes()), PIN_WRAPPED_ITEM_KEY);
    assert_eq!(hex(&payload.to_bytes()), PIN_PAYLOAD);
    assert_eq!(
        wrapped.open(&tk, TEAM, ITEM).unwrap().0.as_bytes(),
        &[0x22; 32]
    );
    assert_eq!(&**payload.open(&ik, &ctx()).unwrap(), b"hello signet");
}

#[test]
fn pinned_vectors_account_keys_and_user_key_wrap() {
    let salt = KdfSalt::from_array(*b"signet-test-salt");
    let keys = derive_account_keys("pinned password", &salt, &fast()).unwrap();
    assert_eq!(keys.auth_key.dangerously_to_base64(), PIN_AUTH_KEY);
    test_stream::install(2);
    let wrapped = UserKey::from_bytes_for_tests([0x33; 32])
        .wrap_with_kek(&keys.kek)
        .unwrap();
    test_stream::reset();
    assert_eq!(wrapped.to_base64(), PIN_WRAPPED_USER_KEY);
    assert_eq!(
        WrappedUserKey::from_base64(PIN_WRAPPED_USER_KEY)
            .unwrap()
            .open(&keys.kek)
            .unwrap()
            .0
            .as_bytes(),
        &[0x33; 32]
    );
}

#[test]
fn pinned_vectors_fingerprint_public_keys_and_ecies() {
    let alice = UserKeyPair::from_scalars_for_tests([0x44; 32], [0x55; 32]);
    let bob = UserKeyPair::from_scalars_for_tests([0x66; 32], [0x77; 32]);
    assert_eq!(alice.fingerprint().to_string(), PIN_FINGERPRINT);
    assert_eq!(
        hex(&alice.public_keys().unwrap().to_bytes()),
        PIN_PUBLIC_KEYS
    );
    test_stream::install(3);
    let tk = TeamKey::from_bytes_for_tests(2, [0x88; 32]);
    let bob_pk = bob.public_keys().unwrap().verify().unwrap();
    let ectx = EciesContext {
        team_id: TEAM,
        sender_id: "alice",
        recipient_id: "bob",
    };
    let wrap = EciesWrappedTeamKey::seal(&alice, &bob_pk, &ectx, &tk).unwrap();
    test_stream::reset();
    assert_eq!(hex(&wrap.to_bytes()), PIN_ECIES);
    let alice_pk = alice.public_keys().unwrap().verify().unwrap();
    let got = wrap.open(&bob, alice_pk.signing_key(), &ectx).unwrap();
    assert_eq!(got.key.as_bytes(), &[0x88; 32]);
}

#[test]
fn pinned_vectors_derived_tokens() {
    let token = RobotToken::parse(&format!("signet_ci01_{}", "ab".repeat(32))).unwrap();
    assert_eq!(token.auth_half().unwrap(), PIN_ROBOT_AUTH);
    let invite = InviteSecret::from_fragment(&to_base64(&[0x99; 32])).unwrap();
    assert_eq!(invite.token().unwrap(), PIN_INVITE_TOKEN);
    assert_eq!(
        hash_for_storage(PresentedSecret::InviteToken, PIN_INVITE_TOKEN).unwrap(),
        PIN_INVITE_TOKEN_HASH
    );
    let code = RecoveryCode::parse(&"Z".repeat(32)).unwrap();
    assert_eq!(
        code.dangerously_auth_key_base64().unwrap(),
        PIN_RECOVERY_AUTH
    );
}

const PIN_WRAPPED_ITEM_KEY: &str = "010600000003783825822a6f9e62da2190e8ea38fa316f6ab41f40725fc691c88ace34c033da3972067ef83f60bf611879e7ecf4f1acf879eaf40196ea9c1eca78e5";
const PIN_PAYLOAD: &str =
    "010700000000532deabf88729cb43995ab5a2b2bb48ba5381848724ac9951ce1645deeb58854750ec2bbb36469c4";
const PIN_AUTH_KEY: &str = "R7T23zCl4XBsaz-KvhGMXaGBEboUDLBCgxDS242lsrk";
const PIN_WRAPPED_USER_KEY: &str =
    "AQEAAAAAEwmsP05BUSgg-_JZhKUY8-h6w4JFhdZD9QQTcpxBJqtIRVn_T4UDHmbyKCkhTq7ocGsTG5UhnwBT0tTy";
const PIN_FINGERPRINT: &str = "c55d 97a3 59ec c721 a721 8542 fe3a 1041 a3ee a0e2";
const PIN_PUBLIC_KEYS: &str = "010a0257e977f6db7e33c3fe7acf2842ed987009caf56d458682fca447b7d3d762ab34025b36890dacbd7c9a96bb74a1ee28b3d2d75b72e09a20ef25cf8e6fd8a9f0350d2aeb67967bff80a8f1d7ae92c7bf070237dba7313f974dcf4f5623dc752132d64db91ed52c4462fdec75f235ef197cd20c50cf2508f1cfc8d781581445a6a6ab";
const PIN_ECIES: &str = "01090000000203fb84b302aaeea02dd1759d916953c3d838ebe101fb148c81718c310e8d344eff4221aa56a46373f01489ce80e16d9408397abae12c13ac0d1a315df9640bd5de0d5ea7f485d91c4694b3e94f54e1df8baa227c58f88c81aa1d49f8e34b898832dd6e35015aaa6daa75549fe3ba385c696c14c6d804fe529f51a513d5b1a75575503a96d3517917b3b1c276301c9dccb2eb100b66d3aa32aa6b86bfe0";
const PIN_ROBOT_AUTH: &str = "2JHNi0PrshgifmlqG-1webSAYA5800UpLHKCURJ3pn0";
const PIN_INVITE_TOKEN: &str = "SJYmeMfBEzFDWNX3fGtqE69gA3yiLWwBBoSNLQnBi5I";
const PIN_INVITE_TOKEN_HASH: &str = "zQa0QSq1uUEYCfPsmbxCT_2MKRc0l8hK3RecF3gMrPI";
const PIN_RECOVERY_AUTH: &str = "ptQkrOoI_EWFBltHI6kLK1kqsCRRBJVg8Ilbz4SiJa4";

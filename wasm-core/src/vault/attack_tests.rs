//! One named test per attack a malicious server (or a thief of its database, or of a link)
//! could try. `docs/security.md` lists each with the test that covers it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{
    account::UnlockedAccount,
    ecies::{EciesContext, EciesWrappedTeamKey},
    invite::{InviteSecret, InviteWrappedTeamKey},
    item::{
        ItemContext, ItemKey, MetadataContext, MetadataSignature, SealedPayload, WrappedItemKey,
        seal_new_item,
    },
    kdf::{KdfParams, KdfSalt, derive_account_keys},
    keypair::{SealedPrivateKeys, SignedPublicKeys, UserKeyPair, VerifiedPublicKeys},
    recovery::{RecoveryCode, RecoveryWrappedUserKey},
    robot::{RobotToken, RobotWrappedItemKey},
    rotation::{RotationMember, Rotator, rotate_team_key},
    server_side::{InviteRecord, InviteStatus},
    team_key::{SelfWrappedTeamKey, TeamKey, TeamKeyVersionGuard},
    user_key::{UserKey, WrappedUserKey},
};
// In wasm32 the same tests run under wasm-bindgen-test (Node or a browser).
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::{Error, Result};

const TEAM: &str = "team-a";
const OTHER_TEAM: &str = "team-b";
const ITEM: &str = "item-1";
const OTHER_ITEM: &str = "item-2";
const KIND: &str = "android_keystore";

fn ctx() -> ItemContext<'static> {
    ItemContext {
        team_id: TEAM,
        item_id: ITEM,
        kind: KIND,
        schema_version: 1,
    }
}

fn account() -> UnlockedAccount {
    UnlockedAccount {
        user_key: UserKey::generate().unwrap(),
        key_pair: UserKeyPair::generate().unwrap(),
    }
}

fn verified(kp: &UserKeyPair) -> VerifiedPublicKeys {
    kp.public_keys().unwrap().verify().unwrap()
}

fn open_failed<T: core::fmt::Debug>(r: Result<T>) {
    assert!(
        matches!(r, Err(Error::OpenFailed)),
        "expected OpenFailed, got {r:?}"
    );
}

fn weak() -> KdfParams {
    KdfParams::dangerously_weak_for_tests(64, 1)
}

// ------------------------------------------------------------ moved ciphertext

#[test]
fn attack_payload_moved_to_another_item_is_refused() {
    let ik = ItemKey::generate().unwrap();
    let sealed = ik.seal(&ctx(), b"secret").unwrap();
    open_failed(sealed.open(
        &ik,
        &ItemContext {
            item_id: OTHER_ITEM,
            ..ctx()
        },
    ));
}

#[test]
fn attack_payload_moved_to_another_team_is_refused() {
    let ik = ItemKey::generate().unwrap();
    let sealed = ik.seal(&ctx(), b"secret").unwrap();
    open_failed(sealed.open(
        &ik,
        &ItemContext {
            team_id: OTHER_TEAM,
            ..ctx()
        },
    ));
}

#[test]
fn attack_payload_relabelled_as_another_kind_is_refused() {
    let ik = ItemKey::generate().unwrap();
    let sealed = ik.seal(&ctx(), b"secret").unwrap();
    open_failed(sealed.open(
        &ik,
        &ItemContext {
            kind: "apple_push_key",
            ..ctx()
        },
    ));
    open_failed(sealed.open(
        &ik,
        &ItemContext {
            schema_version: 2,
            ..ctx()
        },
    ));
}

#[test]
fn attack_item_key_moved_to_another_item_or_team_is_refused() {
    let tk = TeamKey::generate_first().unwrap();
    let w = ItemKey::generate().unwrap().wrap(&tk, TEAM, ITEM).unwrap();
    open_failed(w.open(&tk, TEAM, OTHER_ITEM));
    open_failed(w.open(&tk, OTHER_TEAM, ITEM));
}

#[test]
fn attack_item_key_under_another_team_key_version_is_refused() {
    let v1 = TeamKey::generate_first().unwrap();
    let v2 = v1.generate_next().unwrap();
    let w = ItemKey::generate().unwrap().wrap(&v1, TEAM, ITEM).unwrap();
    open_failed(w.open(&v2, TEAM, ITEM));
    // Relabel the header to claim version 2: the version is in the AAD, so it fails even
    // with the right key bytes.
    let mut bytes = w.to_bytes();
    bytes[5] = 2;
    let relabelled = WrappedItemKey::from_bytes(&bytes).unwrap();
    assert_eq!(relabelled.team_key_version(), 2);
    let v1_claiming_2 = TeamKey {
        version: 2,
        key: v1.key.clone(),
    };
    open_failed(relabelled.open(&v1_claiming_2, TEAM, ITEM));
}

#[test]
fn attack_team_key_self_wrap_moved_to_another_team_is_refused() {
    let me = account();
    let w = TeamKey::generate_first()
        .unwrap()
        .wrap_for_self(&me.user_key, TEAM)
        .unwrap();
    open_failed(w.open(&me.user_key, OTHER_TEAM));
    open_failed(w.open(&account().user_key, TEAM));
}

#[test]
fn attack_robot_grant_moved_to_another_item_or_token_is_refused() {
    let token = RobotToken::generate("ci").unwrap();
    let other = RobotToken::generate("ci").unwrap();
    let g = token
        .grant(&ItemKey::generate().unwrap(), TEAM, ITEM)
        .unwrap();
    open_failed(g.open(&token, TEAM, OTHER_ITEM));
    open_failed(g.open(&token, OTHER_TEAM, ITEM));
    open_failed(g.open(&other, TEAM, ITEM));
}

// ------------------------------------------------------------ bit flips

/// Every encoding, and a function that parses and opens/verifies it in its right context.
#[allow(clippy::type_complexity)]
fn all_encodings() -> Vec<(&'static str, Vec<u8>, Box<dyn Fn(&[u8]) -> bool>)> {
    let me = account();
    let admin = account();
    let salt = KdfSalt::generate().unwrap();
    let keys = derive_account_keys("pw", &salt, &weak()).unwrap();
    let code = RecoveryCode::generate().unwrap();
    let tk = TeamKey::generate_first().unwrap();
    let ik = ItemKey::generate().unwrap();
    let invite = InviteSecret::generate().unwrap();
    let token = RobotToken::generate("ci").unwrap();
    let ectx = EciesContext {
        team_id: TEAM,
        sender_id: "admin",
        recipient_id: "me",
    };
    let mctx = MetadataContext {
        team_id: TEAM,
        item_id: ITEM,
        kind: KIND,
        author_id: "me",
    };
    let json = r#"{"sha256":"00:11"}"#;

    let wrapped_user = me.user_key.wrap_with_kek(&keys.kek).unwrap().to_bytes();
    let recovery = code.wrap_user_key(&me.user_key).unwrap().to_bytes();
    let private = me.key_pair.seal(&me.user_key).unwrap().to_bytes();
    let self_wrap = tk.wrap_for_self(&me.user_key, TEAM).unwrap().to_bytes();
    let invite_wrap = invite.wrap_team_key(&tk, TEAM, "inv").unwrap().to_bytes();
    let item_key = ik.wrap(&tk, TEAM, ITEM).unwrap().to_bytes();
    let payload = ik.seal(&ctx(), b"payload bytes").unwrap().to_bytes();
    let robot = token.grant(&ik, TEAM, ITEM).unwrap().to_bytes();
    let ecies = EciesWrappedTeamKey::seal(&admin.key_pair, &verified(&me.key_pair), &ectx, &tk)
        .unwrap()
        .to_bytes();
    let public = me.key_pair.public_keys().unwrap().to_bytes();
    let metadata = MetadataSignature::sign(&me.key_pair, &mctx, json)
        .unwrap()
        .to_bytes();

    let me_vk = *verified(&me.key_pair).signing_key();
    let admin_vk = *verified(&admin.key_pair).signing_key();
    let uk = me.user_key.clone();
    let kp = me.key_pair.clone();
    vec![
        ("wrapped user key", wrapped_user, {
            let kek = keys.kek.clone();
            Box::new(move |b: &[u8]| {
                WrappedUserKey::from_bytes(b)
                    .and_then(|w| w.open(&kek))
                    .is_ok()
            })
        }),
        ("recovery wrap", recovery, {
            let code = RecoveryCode::parse(&code.dangerously_display()).unwrap();
            Box::new(move |b: &[u8]| {
                RecoveryWrappedUserKey::from_bytes(b)
                    .and_then(|w| w.open(&code))
                    .is_ok()
            })
        }),
        ("sealed private keys", private, {
            let uk = uk.clone();
            Box::new(move |b: &[u8]| {
                SealedPrivateKeys::from_bytes(b)
                    .and_then(|w| w.open(&uk))
                    .is_ok()
            })
        }),
        ("self-wrapped team key", self_wrap, {
            let uk = uk.clone();
            Box::new(move |b: &[u8]| {
                SelfWrappedTeamKey::from_bytes(b)
                    .and_then(|w| w.open(&uk, TEAM))
                    .is_ok()
            })
        }),
        ("invite-wrapped team key", invite_wrap, {
            let invite = InviteSecret::from_fragment(&invite.dangerously_to_fragment()).unwrap();
            Box::new(move |b: &[u8]| {
                InviteWrappedTeamKey::from_bytes(b)
                    .and_then(|w| w.open(&invite, TEAM, "inv"))
                    .is_ok()
            })
        }),
        ("wrapped item key", item_key, {
            let tk = tk.clone();
            Box::new(move |b: &[u8]| {
                WrappedItemKey::from_bytes(b)
                    .and_then(|w| w.open(&tk, TEAM, ITEM))
                    .is_ok()
            })
        }),
        ("sealed payload", payload, {
            let ik = ik.clone();
            Box::new(move |b: &[u8]| {
                SealedPayload::from_bytes(b)
                    .and_then(|w| w.open(&ik, &ctx()))
                    .is_ok()
            })
        }),
        ("robot grant", robot, {
            let token = RobotToken::parse(&token.dangerously_to_string()).unwrap();
            Box::new(move |b: &[u8]| {
                RobotWrappedItemKey::from_bytes(b)
                    .and_then(|w| w.open(&token, TEAM, ITEM))
                    .is_ok()
            })
        }),
        ("ECIES team key wrap", ecies, {
            Box::new(move |b: &[u8]| {
                EciesWrappedTeamKey::from_bytes(b)
                    .and_then(|w| w.open(&kp, &admin_vk, &ectx))
                    .is_ok()
            })
        }),
        (
            "signed public keys",
            public,
            Box::new(|b: &[u8]| {
                SignedPublicKeys::from_bytes(b)
                    .and_then(|p| p.verify())
                    .is_ok()
            }),
        ),
        ("metadata signature", metadata, {
            Box::new(move |b: &[u8]| {
                MetadataSignature::from_bytes(b)
                    .and_then(|s| s.verify(&me_vk, &mctx, json))
                    .is_ok()
            })
        }),
    ]
}

#[test]
fn attack_any_bit_flip_in_any_encoding_is_refused() {
    for (what, bytes, accepts) in all_encodings() {
        assert!(accepts(&bytes), "{what}: the untouched encoding must open");
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut flipped = bytes.clone();
                flipped[i] ^= 1 << bit;
                assert!(
                    !accepts(&flipped),
                    "{what}: flipping bit {bit} of byte {i} went unnoticed"
                );
            }
        }
        // Truncation and extension, too.
        assert!(!accepts(&bytes[..bytes.len() - 1]), "{what}: truncated");
        assert!(
            !accepts(&[bytes.as_slice(), &[0]].concat()),
            "{what}: extended"
        );
    }
}

// ------------------------------------------------------------ unknown versions

#[test]
fn attack_unknown_encoding_version_is_refused() {
    for (what, bytes, _) in all_encodings() {
        for version in [0u8, 2, 0x7f, 0xff] {
            let mut b = bytes.clone();
            b[0] = version;
            let err = match what {
                "wrapped user key" => WrappedUserKey::from_bytes(&b).map(drop),
                "recovery wrap" => RecoveryWrappedUserKey::from_bytes(&b).map(drop),
                "sealed private keys" => SealedPrivateKeys::from_bytes(&b).map(drop),
                "self-wrapped team key" => SelfWrappedTeamKey::from_bytes(&b).map(drop),
                "invite-wrapped team key" => InviteWrappedTeamKey::from_bytes(&b).map(drop),
                "wrapped item key" => WrappedItemKey::from_bytes(&b).map(drop),
                "sealed payload" => SealedPayload::from_bytes(&b).map(drop),
                "robot grant" => RobotWrappedItemKey::from_bytes(&b).map(drop),
                "ECIES team key wrap" => EciesWrappedTeamKey::from_bytes(&b).map(drop),
                "signed public keys" => SignedPublicKeys::from_bytes(&b).map(drop),
                "metadata signature" => MetadataSignature::from_bytes(&b).map(drop),
                other => panic!("add {other} here"),
            }
            .unwrap_err();
            assert!(
                matches!(err, Error::UnsupportedVersion { version: v, .. } if v == version),
                "{what}: {err}"
            );
        }
    }
    // A box of one purpose is never read as another (a wrapped item key is not a payload).
    let tk = TeamKey::generate_first().unwrap();
    let w = ItemKey::generate().unwrap().wrap(&tk, TEAM, ITEM).unwrap();
    assert!(matches!(
        SealedPayload::from_bytes(&w.to_bytes()),
        Err(Error::Malformed { .. })
    ));
}

// ------------------------------------------------------------ metadata

#[test]
fn attack_metadata_altered_fails_signature() {
    let author = account();
    let vk = *verified(&author.key_pair).signing_key();
    let mctx = MetadataContext {
        team_id: TEAM,
        item_id: ITEM,
        kind: KIND,
        author_id: "alice",
    };
    let json = r#"{"not_after":"2030-01-01","sha256":"AA:BB"}"#;
    let sig = MetadataSignature::sign(&author.key_pair, &mctx, json).unwrap();
    sig.verify(&vk, &mctx, json).unwrap();
    let bad = |r: Result<()>| assert!(matches!(r, Err(Error::BadSignature(_))), "{r:?}");
    // The server edits the expiry, or re-attaches the metadata to another item / kind /
    // author, or claims someone else signed it.
    bad(sig.verify(&vk, &mctx, &json.replace("2030", "2031")));
    bad(sig.verify(
        &vk,
        &MetadataContext {
            item_id: OTHER_ITEM,
            ..mctx
        },
        json,
    ));
    bad(sig.verify(
        &vk,
        &MetadataContext {
            kind: "apple_push_key",
            ..mctx
        },
        json,
    ));
    bad(sig.verify(
        &vk,
        &MetadataContext {
            author_id: "mallory",
            ..mctx
        },
        json,
    ));
    bad(sig.verify(verified(&account().key_pair).signing_key(), &mctx, json));
}

// ------------------------------------------------------------ KDF parameters

#[test]
fn attack_kdf_params_below_floor_are_refused() {
    let salt = KdfSalt::generate().unwrap();
    for (m, t, needle) in [
        (19 * 1024 - 1, 3, "memory cost 19455 KiB is below"),
        (65536, 1, "iteration count 1 is below"),
        (8, 1, "memory cost 8 KiB is below"),
    ] {
        let err = KdfParams::new(m, t, 1).unwrap_err();
        assert!(err.to_string().contains(needle), "{err}");
        // Same check when the server hands out parameters as JSON.
        let json = format!(r#"{{"memory_kib":{m},"iterations":{t},"parallelism":1}}"#);
        let params: KdfParams = serde_json::from_str(&json).unwrap();
        assert!(matches!(
            derive_account_keys("pw", &salt, &params),
            Err(Error::KdfParams(_))
        ));
    }
    // The test-only waiver cannot travel: serialized and read back, it is checked again.
    let json = serde_json::to_string(&weak()).unwrap();
    let back: KdfParams = serde_json::from_str(&json).unwrap();
    assert!(matches!(back.check(), Err(Error::KdfParams(_))));
    // The floor itself is accepted.
    KdfParams::new(19 * 1024, 2, 1).unwrap();
}

#[test]
fn attack_kdf_params_above_ceiling_are_refused() {
    for (m, t, p, needle) in [
        (1024 * 1024 + 1, 3, 1, "above the maximum of 1048576 KiB"),
        (65536, 11, 1, "iteration count 11 is above"),
        (65536, 3, 0, "parallelism 0 is outside"),
        (65536, 3, 17, "parallelism 17 is outside"),
        (u32::MAX, u32::MAX, 1, "memory cost"),
    ] {
        let err = KdfParams::new(m, t, p).unwrap_err();
        assert!(err.to_string().contains(needle), "{err}");
        assert!(
            err.to_string()
                .starts_with("refusing the account's key-derivation parameters")
        );
    }
    KdfParams::new(1024 * 1024, 10, 16).unwrap();
}

// ------------------------------------------------------------ rotation wraps

#[test]
fn attack_rotation_wrap_from_wrong_signer_is_refused() {
    let admin = account();
    let bob = account();
    let mallory = account(); // e.g. the server, with keys of its own
    let tk = TeamKey::generate_first().unwrap().generate_next().unwrap();
    let ectx = EciesContext {
        team_id: TEAM,
        sender_id: "admin",
        recipient_id: "bob",
    };
    let admin_vk = *verified(&admin.key_pair).signing_key();
    // The server forges a wrap of a team key it chose, for Bob's real public key, and
    // claims it came from the admin: Bob checks it against the admin's key and refuses.
    let forged =
        EciesWrappedTeamKey::seal(&mallory.key_pair, &verified(&bob.key_pair), &ectx, &tk).unwrap();
    assert!(matches!(
        forged.open(&bob.key_pair, &admin_vk, &ectx),
        Err(Error::BadSignature(_))
    ));
    // A genuine wrap replayed to another recipient id or team is refused too.
    let genuine =
        EciesWrappedTeamKey::seal(&admin.key_pair, &verified(&bob.key_pair), &ectx, &tk).unwrap();
    genuine.open(&bob.key_pair, &admin_vk, &ectx).unwrap();
    for other in [
        EciesContext {
            recipient_id: "carol",
            ..ectx
        },
        EciesContext {
            team_id: OTHER_TEAM,
            ..ectx
        },
        EciesContext {
            sender_id: "mallory",
            ..ectx
        },
    ] {
        assert!(matches!(
            genuine.open(&bob.key_pair, &admin_vk, &other),
            Err(Error::BadSignature(_))
        ));
    }
}

#[test]
fn attack_substituted_public_key_is_caught_by_fingerprint_and_signature() {
    // The server substitutes its own public keys for Bob's. The admin would wrap for the
    // server; what stops it is the fingerprint the admin compares out of band.
    let bob = account();
    let mallory = account();
    let real = verified(&bob.key_pair);
    let served = verified(&mallory.key_pair);
    assert_ne!(served.fingerprint(), real.fingerprint());
    // Splicing Mallory's ECDH key under Bob's signing key breaks Bob's self-signature.
    let mut spliced = bob.key_pair.public_keys().unwrap().to_bytes();
    let mallory_bytes = mallory.key_pair.public_keys().unwrap().to_bytes();
    spliced[35..68].copy_from_slice(&mallory_bytes[35..68]);
    assert!(matches!(
        SignedPublicKeys::from_bytes(&spliced).unwrap().verify(),
        Err(Error::BadSignature(_))
    ));
    // And Bob cannot open a wrap made for Mallory's key (nor the reverse).
    let admin = account();
    let ectx = EciesContext {
        team_id: TEAM,
        sender_id: "admin",
        recipient_id: "bob",
    };
    let tk = TeamKey::generate_first().unwrap();
    let w = EciesWrappedTeamKey::seal(&admin.key_pair, &served, &ectx, &tk).unwrap();
    assert!(
        w.open(
            &bob.key_pair,
            verified(&admin.key_pair).signing_key(),
            &ectx
        )
        .is_err()
    );
}

#[test]
fn attack_replayed_older_team_key_version_after_rotation_is_detected() {
    let admin = account();
    let bob = account();
    let bob_pk = verified(&bob.key_pair);
    let v1 = TeamKey::generate_first().unwrap();
    let bob_v1_wrap = v1.wrap_for_self(&bob.user_key, TEAM).unwrap();

    let mut guard = TeamKeyVersionGuard::new(TEAM);
    guard
        .observe(bob_v1_wrap.open(&bob.user_key, TEAM).unwrap().version())
        .unwrap();

    let rotation = rotate_team_key(
        &Rotator {
            user_id: "admin",
            user_key: &admin.user_key,
            key_pair: &admin.key_pair,
        },
        TEAM,
        &v1,
        &[],
        &[RotationMember {
            user_id: "bob",
            public_keys: &bob_pk,
        }],
    )
    .unwrap();
    let ectx = EciesContext {
        team_id: TEAM,
        sender_id: "admin",
        recipient_id: "bob",
    };
    let v2 = rotation.member_wraps[0]
        .1
        .open(
            &bob.key_pair,
            verified(&admin.key_pair).signing_key(),
            &ectx,
        )
        .unwrap();
    guard.observe(v2.version()).unwrap();
    // Bob persists the guard with his client state.
    let saved = serde_json::to_string(&guard).unwrap();
    let mut guard: TeamKeyVersionGuard = serde_json::from_str(&saved).unwrap();

    // Later the server replays Bob's genuine v1 self-wrap (a key the removed member knows).
    let replayed = bob_v1_wrap.open(&bob.user_key, TEAM).unwrap();
    assert_eq!(replayed.version(), 1);
    let err = guard.observe(replayed.version()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::StaleTeamKey {
                highest_seen: 2,
                offered: 1
            }
        ),
        "{err}"
    );

    // Nor can it relabel the old wrap as version 2: the version is authenticated.
    let mut bytes = bob_v1_wrap.to_bytes();
    bytes[5] = 2;
    open_failed(
        SelfWrappedTeamKey::from_bytes(&bytes)
            .unwrap()
            .open(&bob.user_key, TEAM),
    );
}

// ------------------------------------------------------------ invitations

#[test]
fn attack_invite_with_wrong_secret_is_refused() {
    let secret = InviteSecret::generate().unwrap();
    let wrong = InviteSecret::generate().unwrap();
    let tk = TeamKey::generate_first().unwrap();
    let wrap = secret.wrap_team_key(&tk, TEAM, "inv-1").unwrap();
    open_failed(wrap.open(&wrong, TEAM, "inv-1"));
    // The wrap is bound to its invitation and team as well.
    open_failed(wrap.open(&secret, TEAM, "inv-2"));
    open_failed(wrap.open(&secret, OTHER_TEAM, "inv-1"));
    // The server refuses the wrong token.
    let mut record = InviteRecord::new(&secret.token().unwrap(), 100).unwrap();
    let err = record.accept(&wrong.token().unwrap(), 1).unwrap_err();
    assert!(matches!(err, Error::InviteNotUsable(_)), "{err}");
    assert_eq!(record.status, InviteStatus::Pending);
    // A damaged link is reported as such.
    let fragment = secret.dangerously_to_fragment();
    assert!(matches!(
        InviteSecret::from_fragment(&fragment[..20]),
        Err(Error::BadSecretFormat(_))
    ));
}

#[test]
fn attack_invite_reused_after_acceptance_is_refused() {
    let secret = InviteSecret::generate().unwrap();
    let token = secret.token().unwrap();
    let mut record = InviteRecord::new(&token, 100).unwrap();
    record.accept(&token, 50).unwrap();
    let err = record.accept(&token, 51).unwrap_err();
    assert_eq!(
        err.to_string(),
        "this invitation cannot be used: it was already accepted"
    );

    let mut expired = InviteRecord::new(&token, 100).unwrap();
    assert!(expired.accept(&token, 100).is_err());
    let mut revoked = InviteRecord::new(&token, 100).unwrap();
    revoked.revoke();
    assert!(revoked.accept(&token, 1).is_err());
    // The record is what the server persists; a reloaded record still refuses.
    let reloaded: InviteRecord =
        serde_json::from_str(&serde_json::to_string(&record).unwrap()).unwrap();
    assert_eq!(reloaded.status, InviteStatus::Accepted);
    assert!(reloaded.clone().accept(&token, 52).is_err());
}

// ------------------------------------------------------------ stolen database

#[test]
fn attack_stolen_database_holds_nothing_that_opens_keys() {
    // What a server stores for an account: hashes and ciphertexts. The auth-key hash does
    // not unwrap the user key (the KEK is HKDF-separated from the auth key).
    let (reg, unlocked, _) = super::account::register("pw", weak()).unwrap();
    let stored = super::server_side::hash_for_storage(
        super::server_side::PresentedSecret::AuthKey,
        &reg.auth_key.dangerously_to_base64(),
    )
    .unwrap();
    let as_key =
        super::secret::Key32::from_plaintext(&super::envelope::from_base64(&stored, "x").unwrap())
            .unwrap();
    open_failed(reg.wrapped_user_key.open(&super::kdf::Kek(as_key)));
    let auth_as_kek = super::secret::Key32::from_plaintext(
        &super::envelope::from_base64(&reg.auth_key.dangerously_to_base64(), "x").unwrap(),
    )
    .unwrap();
    open_failed(reg.wrapped_user_key.open(&super::kdf::Kek(auth_as_kek)));
    // And the recovery auth key does not open the recovery wrap.
    let rec_auth = super::secret::Key32::from_plaintext(
        &super::envelope::from_base64(&reg.recovery_auth_key, "x").unwrap(),
    )
    .unwrap();
    open_failed(reg.wrapped_user_key.open(&super::kdf::Kek(rec_auth)));
    let _ = unlocked;
}

#[test]
fn attack_wrong_recovery_code_is_refused() {
    let me = account();
    let code = RecoveryCode::generate().unwrap();
    let wrap = code.wrap_user_key(&me.user_key).unwrap();
    open_failed(wrap.open(&RecoveryCode::generate().unwrap()));
}

#[test]
fn attack_removed_member_cannot_open_new_team_key_or_new_items() {
    let admin = account();
    let bob = account();
    let eve = account(); // removed
    let v1 = TeamKey::generate_first().unwrap();
    let eve_v1 = v1
        .wrap_for_self(&eve.user_key, TEAM)
        .unwrap()
        .open(&eve.user_key, TEAM)
        .unwrap();
    let bob_pk = verified(&bob.key_pair);
    let rotation = rotate_team_key(
        &Rotator {
            user_id: "admin",
            user_key: &admin.user_key,
            key_pair: &admin.key_pair,
        },
        TEAM,
        &v1,
        &[],
        &[RotationMember {
            user_id: "bob",
            public_keys: &bob_pk,
        }],
    )
    .unwrap();
    assert!(rotation.member_wraps.iter().all(|(id, _)| id != "eve"));
    // Eve cannot open Bob's wrap (not hers) ...
    let ectx = EciesContext {
        team_id: TEAM,
        sender_id: "admin",
        recipient_id: "bob",
    };
    assert!(
        rotation.member_wraps[0]
            .1
            .open(
                &eve.key_pair,
                verified(&admin.key_pair).signing_key(),
                &ectx
            )
            .is_err()
    );
    // ... and a new item sealed under v2 is closed to her v1 key.
    let item = seal_new_item(&rotation.team_key, &ctx(), b"new secret").unwrap();
    open_failed(item.wrapped_key.open(&eve_v1, TEAM, ITEM));
}

//! The membership log against a server that invents, reorders, cuts and forks entries.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::{
    Error,
    vault::{
        invite::InviteSecret, keypair::UserKeyPair, trust_state::TrustState, user_key::UserKey,
    },
    wire::Role,
};

const TEAM: &str = "team-1";

struct Person {
    id: &'static str,
    keys: UserKeyPair,
}

fn person(id: &'static str) -> Person {
    Person {
        id,
        keys: UserKeyPair::generate().unwrap(),
    }
}

/// An invitation in the log, and the secret its link carries.
fn invite(
    state: &TeamState,
    log: &mut Vec<Entry>,
    by: &Person,
    id: &str,
    role: Role,
) -> InviteSecret {
    let secret = InviteSecret::generate().unwrap();
    let e = state
        .next(
            by.id,
            &by.keys,
            Action::Invite {
                invite_id: id.into(),
                role,
                invite_key: secret.verifying_key().unwrap(),
            },
        )
        .unwrap();
    log.push(e);
    secret
}

/// Owner Olga creates the team, invites Ada (admin), Ada joins.
fn team() -> (Person, Person, Vec<Entry>, TeamState) {
    let olga = person("olga");
    let ada = person("ada");
    let (e0, mut state) = TeamState::create(TEAM, olga.id, &olga.keys).unwrap();
    let mut log = vec![e0];
    let secret = invite(&state, &mut log, &olga, "inv-1", Role::Admin);
    state.apply(log.last().unwrap()).unwrap();
    let join = state.join(&secret, "inv-1", ada.id, &ada.keys).unwrap();
    state.apply(&join).unwrap();
    log.push(join);
    (olga, ada, log, state)
}

fn genesis_pin(log: &[Entry]) -> TeamPin {
    let h = log[0].hash();
    TeamPin {
        genesis: h,
        head_seq: 0,
        head_hash: h,
    }
}

fn refused(r: crate::Result<TeamState>) -> String {
    match r {
        Err(
            e @ (Error::MembershipLog(_)
            | Error::BadSignature(_)
            | Error::IdentityKeyChanged { .. }),
        ) => e.to_string(),
        Err(e) => panic!("refused, but with an unexpected error: {e}"),
        Ok(_) => panic!("a forged log was accepted"),
    }
}

#[test]
fn honest_log_replays_to_the_team_its_admins_made() {
    let (olga, ada, mut log, mut state) = team();
    let dev = person("dev");
    let secret = invite(&state, &mut log, &ada, "inv-2", Role::Developer);
    state.apply(log.last().unwrap()).unwrap();
    let j = state.join(&secret, "inv-2", dev.id, &dev.keys).unwrap();
    state.apply(&j).unwrap();
    log.push(j);
    for action in [
        Action::ChangeRole {
            user_id: dev.id.into(),
            role: Role::Viewer,
        },
        Action::Remove {
            user_id: dev.id.into(),
        },
        Action::Rotate { key_version: 2 },
    ] {
        let e = state.next(ada.id, &ada.keys, action).unwrap();
        state.apply(&e).unwrap();
        log.push(e);
    }
    let verified = TeamState::verify(TEAM, &log, &genesis_pin(&log)).unwrap();
    assert_eq!(verified.key_version(), 2);
    assert_eq!(verified.rotated_by(), ada.id);
    assert_eq!(
        verified.members().keys().cloned().collect::<Vec<_>>(),
        vec!["ada".to_owned(), "olga".to_owned()]
    );
    // A removed author's metadata still verifies against the key the log bound to them.
    assert!(verified.author_key(dev.id).is_some());
    verified.check_own_keys(olga.id, &olga.keys).unwrap();
    assert!(matches!(
        verified.check_own_keys(olga.id, &ada.keys),
        Err(Error::IdentityKeyChanged { .. })
    ));
    // Every entry survives its text form.
    let round: Vec<Entry> = log
        .iter()
        .map(|e| Entry::from_base64(&e.to_base64()).unwrap())
        .collect();
    assert_eq!(round, log);
    // The pin moves forward and a later verification from it passes.
    let pin = verified.pin();
    assert_eq!(pin.head_seq, 7);
    TeamState::verify(TEAM, &log, &pin).unwrap();
}

#[test]
fn attack_server_invents_a_team_of_its_own() {
    let (_, _, log, _) = team();
    let mallory = person("mallory");
    let (fake0, _) = TeamState::create(TEAM, mallory.id, &mallory.keys).unwrap();
    let mut fake = log.clone();
    fake[0] = fake0;
    let msg = refused(TeamState::verify(TEAM, &fake, &genesis_pin(&log)));
    assert!(msg.contains("different team was substituted"), "{msg}");
}

#[test]
fn attack_server_appends_an_admin_of_its_own() {
    let (olga, _, mut log, state) = team();
    let mallory = person("mallory");
    // (a) a join with no invitation in the log
    let fake_secret = InviteSecret::generate().unwrap();
    let mut forged_state = state.clone();
    let inv = forged_state
        .next(
            olga.id,
            &olga.keys,
            Action::Invite {
                invite_id: "inv-x".into(),
                role: Role::Admin,
                invite_key: fake_secret.verifying_key().unwrap(),
            },
        )
        .unwrap();
    forged_state.apply(&inv).unwrap();
    let join = forged_state
        .join(&fake_secret, "inv-x", mallory.id, &mallory.keys)
        .unwrap();
    let mut no_invite = log.clone();
    let mut j = join.clone();
    j.seq = 3;
    no_invite.push(j);
    refused(TeamState::verify(TEAM, &no_invite, &genesis_pin(&log)));
    // (b) an invite entry "signed" by mallory herself, who is not a member
    let own_invite = state
        .clone()
        .next(
            mallory.id,
            &mallory.keys,
            Action::Invite {
                invite_id: "inv-y".into(),
                role: Role::Owner,
                invite_key: fake_secret.verifying_key().unwrap(),
            },
        )
        .err();
    assert!(own_invite.is_some(), "the client itself refuses to sign it");
    // (c) a genuine invitation, but a join signed by a key that is not the invitation's
    let real = invite(&state, &mut log, &olga, "inv-3", Role::Developer);
    let mut s = state.clone();
    s.apply(log.last().unwrap()).unwrap();
    let wrong = InviteSecret::generate().unwrap();
    let bad_join = s.join(&wrong, "inv-3", mallory.id, &mallory.keys);
    assert!(
        bad_join.is_err(),
        "the client refuses to sign a join it could not prove"
    );
    let good = s.join(&real, "inv-3", mallory.id, &mallory.keys).unwrap();
    // swap the joiner's keys after signing: the self-signature still holds, the entry's not
    let other = person("other");
    let forged = Entry::from_bytes(&good.to_bytes()).unwrap();
    let Action::Join { invite_id, .. } = forged.action.clone() else {
        panic!()
    };
    let mut swapped = forged;
    swapped.action = Action::Join {
        invite_id,
        keys: other.keys.public_keys().unwrap(),
    };
    let mut with_swap = log.clone();
    with_swap.push(swapped);
    refused(TeamState::verify(TEAM, &with_swap, &genesis_pin(&log)));
}

#[test]
fn attack_developer_cannot_sign_admin_entries_and_invites_are_single_use() {
    let (olga, ada, mut log, mut state) = team();
    let dev = person("dev");
    let secret = invite(&state, &mut log, &olga, "inv-2", Role::Developer);
    state.apply(log.last().unwrap()).unwrap();
    let j = state.join(&secret, "inv-2", dev.id, &dev.keys).unwrap();
    state.apply(&j).unwrap();
    log.push(j.clone());
    assert!(
        state
            .next(dev.id, &dev.keys, Action::Rotate { key_version: 2 })
            .is_err()
    );
    assert!(
        state
            .next(
                ada.id,
                &ada.keys,
                Action::ChangeRole {
                    user_id: olga.id.into(),
                    role: Role::Viewer
                }
            )
            .is_err(),
        "an admin cannot demote an owner"
    );
    // The same invitation used twice (a second person with the stolen link after the first).
    let eve = person("eve");
    let again = state.join(&secret, "inv-2", eve.id, &eve.keys);
    assert!(again.is_err());
}

#[test]
fn attack_rolled_back_or_forked_log_is_refused() {
    let (_, ada, log, state) = team();
    let rotate = state
        .next(ada.id, &ada.keys, Action::Rotate { key_version: 2 })
        .unwrap();
    let mut longer = log.clone();
    longer.push(rotate);
    let seen = TeamState::verify(TEAM, &longer, &genesis_pin(&log))
        .unwrap()
        .pin();
    // cut short: the rotation hidden
    let msg = refused(TeamState::verify(TEAM, &log, &seen));
    assert!(msg.contains("rolled back"), "{msg}");
    // forked: another entry 3 in its place
    let other = state
        .next(
            ada.id,
            &ada.keys,
            Action::Remove {
                user_id: ada.id.into(),
            },
        )
        .unwrap();
    let mut fork = log.clone();
    fork.push(other);
    let msg = refused(TeamState::verify(TEAM, &fork, &seen));
    assert!(msg.contains("forked"), "{msg}");
    // reordered / renumbered entries
    let mut swapped = longer.clone();
    swapped.swap(1, 2);
    refused(TeamState::verify(TEAM, &swapped, &genesis_pin(&log)));
}

#[test]
fn attack_rejoin_with_other_keys_is_an_identity_change() {
    let (olga, ada, mut log, mut state) = team();
    let rm = state
        .next(
            olga.id,
            &olga.keys,
            Action::Remove {
                user_id: ada.id.into(),
            },
        )
        .unwrap();
    state.apply(&rm).unwrap();
    log.push(rm);
    let secret = invite(&state, &mut log, &olga, "inv-2", Role::Admin);
    state.apply(log.last().unwrap()).unwrap();
    let impostor = UserKeyPair::generate().unwrap();
    let j = state.join(&secret, "inv-2", ada.id, &impostor);
    assert!(matches!(j, Err(Error::IdentityKeyChanged { .. })), "{j:?}");
}

#[test]
fn rotation_sender_must_be_who_the_log_says_rotated() {
    let (olga, ada, _, mut state) = team();
    assert!(state.rotation_sender(olga.id).is_ok());
    assert!(state.rotation_sender(ada.id).is_err());
    let r = state
        .next(ada.id, &ada.keys, Action::Rotate { key_version: 2 })
        .unwrap();
    state.apply(&r).unwrap();
    assert!(state.rotation_sender(ada.id).is_ok());
    assert!(state.rotation_sender("mallory").is_err());
    assert!(
        state
            .next(ada.id, &ada.keys, Action::Rotate { key_version: 4 })
            .is_err(),
        "versions go up by one"
    );
}

#[test]
fn invite_anchor_and_trust_state_open_only_with_their_keys() {
    let (_, _, log, state) = team();
    let secret = InviteSecret::generate().unwrap();
    let anchor = secret.seal_anchor(&state.pin(), TEAM, "inv-9").unwrap();
    assert_eq!(anchor.open(&secret, TEAM, "inv-9").unwrap(), state.pin());
    let wrong = InviteSecret::generate().unwrap();
    assert!(matches!(
        anchor.open(&wrong, TEAM, "inv-9"),
        Err(Error::OpenFailed)
    ));
    assert!(matches!(
        anchor.open(&secret, TEAM, "inv-8"),
        Err(Error::OpenFailed)
    ));

    let user_key = UserKey::generate().unwrap();
    let mut trust = TrustState::default();
    assert!(trust.record(TEAM, genesis_pin(&log)).unwrap());
    assert!(trust.record(TEAM, state.pin()).unwrap());
    assert!(
        !trust.record(TEAM, genesis_pin(&log)).unwrap(),
        "pins only move forward"
    );
    let sealed = trust.seal(&user_key, "olga", 7).unwrap();
    let reread =
        crate::vault::trust_state::SealedTrustState::from_base64(&sealed.to_base64()).unwrap();
    assert_eq!(reread.counter(), 7);
    assert_eq!(reread.open(&user_key, "olga").unwrap(), trust);
    assert!(matches!(
        reread.open(&user_key, "ada"),
        Err(Error::OpenFailed)
    ));
    // A fork between two clients' pins is caught when they merge.
    let mut forked = state.pin();
    forked.head_hash[0] ^= 1;
    let mut other = TrustState::default();
    other.record(TEAM, forked).unwrap();
    assert!(trust.merge(&other).is_err());
}

#[test]
fn attack_revoked_or_pre_rotation_invitation_cannot_join() {
    let (olga, _ada, mut log, mut state) = team();
    let eve = person("eve");
    // Revoked: the server could still let the link's holder in, but the log refuses.
    let leaked = invite(&state, &mut log, &olga, "inv-2", Role::Developer);
    state.apply(log.last().unwrap()).unwrap();
    let revoke = state
        .next(
            olga.id,
            &olga.keys,
            Action::Revoke {
                invite_id: "inv-2".into(),
            },
        )
        .unwrap();
    state.apply(&revoke).unwrap();
    log.push(revoke);
    assert!(state.open_invite("inv-2").is_none());
    assert!(state.join(&leaked, "inv-2", eve.id, &eve.keys).is_err());
    // A rotation closes every invitation made before it (they carry the old team key).
    let old = invite(&state, &mut log, &olga, "inv-3", Role::Developer);
    state.apply(log.last().unwrap()).unwrap();
    let rotate = state
        .next(olga.id, &olga.keys, Action::Rotate { key_version: 2 })
        .unwrap();
    state.apply(&rotate).unwrap();
    log.push(rotate);
    assert!(state.join(&old, "inv-3", eve.id, &eve.keys).is_err());
    // And the whole log still verifies from its genesis.
    let pin = genesis_pin(&log);
    assert_eq!(
        TeamState::verify(TEAM, &log, &pin).unwrap().pin(),
        state.pin()
    );
}

#[test]
fn verify_after_a_known_state_checks_what_is_new_and_refuses_what_verify_refuses() {
    let (_, ada, log, state) = team();
    let known = TeamState::verify(TEAM, &log, &genesis_pin(&log)).unwrap();
    let rotate = state
        .next(ada.id, &ada.keys, Action::Rotate { key_version: 2 })
        .unwrap();
    let mut longer = log.clone();
    longer.push(rotate.clone());
    // The new entry alone is verified, and the result is what a full replay gives.
    let seen = known.pin();
    let stepped = TeamState::verify_after(&known, TEAM, &longer, &seen).unwrap();
    let full = TeamState::verify(TEAM, &longer, &seen).unwrap();
    assert_eq!(stepped.pin(), full.pin());
    assert_eq!(stepped.key_version(), 2);
    assert_eq!(stepped.members().len(), full.members().len());
    // What was appended is still checked: here the rotation again, which does not follow.
    let mut tampered = longer.clone();
    tampered.push(rotate);
    let msg = refused(TeamState::verify_after(
        &stepped,
        TEAM,
        &tampered,
        &stepped.pin(),
    ));
    assert!(msg.contains("does not follow"), "{msg}");
    // Below the known head: cut short or forked is refused by the pin, as by `verify`.
    let msg = refused(TeamState::verify_after(
        &stepped,
        TEAM,
        &log,
        &stepped.pin(),
    ));
    assert!(msg.contains("rolled back"), "{msg}");
    let other = state
        .next(
            ada.id,
            &ada.keys,
            Action::Remove {
                user_id: ada.id.into(),
            },
        )
        .unwrap();
    let mut fork = log.clone();
    fork.push(other);
    let msg = refused(TeamState::verify_after(
        &stepped,
        TEAM,
        &fork,
        &stepped.pin(),
    ));
    assert!(msg.contains("forked"), "{msg}");
    // A state of another team is not a starting point: the log is verified in full.
    let (_, _, other_log, _) = team();
    refused(TeamState::verify_after(
        &stepped,
        TEAM,
        &other_log,
        &stepped.pin(),
    ));
}

//! Robot cards, anchors and ECIES grants against a server that swaps keys, signs wraps
//! itself or moves them.

#![allow(clippy::unwrap_used)]

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;
use crate::vault::{invite::InviteSecret, membership::Action};

const TEAM: &str = "team-1";
const APP: &str = "app-1";
const ITEM: &str = "item-1";

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

fn join(state: &mut TeamState, by: &Person, who: &Person, invite: &str, role: Role) {
    let secret = InviteSecret::generate().unwrap();
    let e = state
        .next(
            by.id,
            &by.keys,
            Action::Invite {
                invite_id: invite.into(),
                role,
                invite_key: secret.verifying_key().unwrap(),
            },
        )
        .unwrap();
    state.apply(&e).unwrap();
    let j = state.join(&secret, invite, who.id, &who.keys).unwrap();
    state.apply(&j).unwrap();
}

/// Owner Olga, developer Dev, viewer Vic; outsider Mallory has keys but is in no log.
fn team() -> (Person, Person, Person, Person, TeamState) {
    let (olga, dev, vic, mallory) = (
        person("olga"),
        person("dev"),
        person("vic"),
        person("mallory"),
    );
    let (_, mut state) = TeamState::create(TEAM, olga.id, &olga.keys).unwrap();
    join(&mut state, &olga, &dev, "inv-dev", Role::Developer);
    join(&mut state, &olga, &vic, "inv-vic", Role::Viewer);
    (olga, dev, vic, mallory, state)
}

fn listed(token: &RobotToken, card: &RobotCard) -> RobotCardInfo {
    RobotCardInfo {
        id: token.id().to_owned(),
        name: "CI".into(),
        card: card.to_base64(),
    }
}

#[test]
fn a_robot_opens_what_a_developer_wrapped_for_its_verified_card() {
    let (olga, dev, _, _, state) = team();
    let token = RobotToken::generate("ci01").unwrap();
    let card = token
        .card(olga.id, &olga.keys, TEAM, &[APP.into()], 1_700_000_000)
        .unwrap();
    let card = RobotCard::from_base64(&card.to_base64()).unwrap();
    assert_eq!(card.robot_id(), "ci01");
    assert_eq!(card.creator_id(), "olga");
    assert_eq!(card.app_ids(), [APP.to_owned()]);
    assert_eq!(card.created_at(), 1_700_000_000);

    let item_key = ItemKey::generate().unwrap();
    let grants = grants_for_robots(
        &state,
        APP,
        &[listed(&token, &card)],
        dev.id,
        &dev.keys,
        ITEM,
        &item_key,
    )
    .unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].robot_id, "ci01");

    // The robot: a fresh parse of the token text, the log from its anchor.
    let robot = RobotToken::parse(&token.dangerously_to_string()).unwrap();
    let anchor = token.seal_anchor(&state.pin(), TEAM).unwrap();
    let pin = RobotAnchor::from_base64(&anchor.to_base64())
        .unwrap()
        .open(&robot, TEAM)
        .unwrap();
    assert_eq!(pin, state.pin());
    let got = open_ecies_grant(&robot, &state, dev.id, &grants[0].wrapped_key, ITEM).unwrap();
    assert_eq!(got.0.as_bytes(), item_key.0.as_bytes());

    // Moved to another item, claimed for another sender, opened by another token: refused.
    assert!(open_ecies_grant(&robot, &state, dev.id, &grants[0].wrapped_key, "item-2").is_err());
    assert!(matches!(
        open_ecies_grant(&robot, &state, olga.id, &grants[0].wrapped_key, ITEM),
        Err(Error::RobotTrust(_))
    ));
    let other = RobotToken::generate("ci01").unwrap();
    assert!(open_ecies_grant(&other, &state, dev.id, &grants[0].wrapped_key, ITEM).is_err());
    // The anchor opens only with its own token and team.
    assert!(anchor.open(&other, TEAM).is_err());
    assert!(anchor.open(&robot, "team-2").is_err());
}

#[test]
fn a_card_with_a_swapped_public_key_is_refused_and_nothing_is_wrapped() {
    let (olga, dev, _, _, state) = team();
    let token = RobotToken::generate("ci01").unwrap();
    let genuine = token
        .card(olga.id, &olga.keys, TEAM, &[APP.into()], 1)
        .unwrap();
    // The server's own token key, in a card that keeps everything else (and the signature).
    let server_token = RobotToken::generate("ci01").unwrap();
    let server_card = server_token
        .card(olga.id, &dev.keys, TEAM, &[APP.into()], 1)
        .unwrap();
    let mut swapped = genuine.to_bytes();
    let key_at = swapped.len() - 64 - (4 + 8) - (4 + 4) - 33;
    swapped[key_at..key_at + 33].copy_from_slice(&server_card.to_bytes()[key_at..key_at + 33]);
    let swapped = RobotCard::from_bytes(&swapped).unwrap();
    let e = swapped.verify(&state).unwrap_err().to_string();
    assert!(e.contains("swapped the robot's public key"), "{e}");
    let r = grants_for_robots(
        &state,
        APP,
        &[listed(&token, &swapped)],
        dev.id,
        &dev.keys,
        ITEM,
        &ItemKey::generate().unwrap(),
    );
    assert!(matches!(r, Err(Error::RobotTrust(_))));

    // A card "by olga" signed with a developer's key, or made by a developer at all.
    assert!(server_card.verify(&state).is_err());
    let by_dev = token
        .card(dev.id, &dev.keys, TEAM, &[APP.into()], 1)
        .unwrap();
    let e = by_dev.verify(&state).unwrap_err().to_string();
    assert!(e.contains("not an admin"), "{e}");
    // Listed under another id, or for an app it does not cover.
    let other = RobotToken::generate("ci02").unwrap();
    let mut wrong_id = listed(&token, &genuine);
    wrong_id.id = other.id().into();
    for (app, cards) in [
        (APP, vec![wrong_id]),
        ("app-2", vec![listed(&token, &genuine)]),
    ] {
        let r = grants_for_robots(
            &state,
            app,
            &cards,
            dev.id,
            &dev.keys,
            ITEM,
            &ItemKey::generate().unwrap(),
        );
        assert!(matches!(r, Err(Error::RobotTrust(_))), "{app}");
    }
}

#[test]
fn a_robot_refuses_grants_signed_by_a_viewer_or_an_outsider() {
    let (olga, _, vic, mallory, state) = team();
    let token = RobotToken::generate("ci01").unwrap();
    let card = token
        .card(olga.id, &olga.keys, TEAM, &[APP.into()], 1)
        .unwrap();
    let robot = card.verify(&state).unwrap();
    let item_key = ItemKey::generate().unwrap();
    for signer in [&vic, &mallory] {
        let ctx = RobotWrapContext {
            team_id: TEAM,
            item_id: ITEM,
            robot_id: "ci01",
            sender_id: signer.id,
        };
        let wrap = RobotEciesItemKey::seal(&signer.keys, &robot, &ctx, &item_key)
            .unwrap()
            .to_base64();
        let e = open_ecies_grant(&token, &state, signer.id, &wrap, ITEM)
            .unwrap_err()
            .to_string();
        assert!(e.contains("refusing it"), "{e}");
        // Claiming a trusted sender does not help: the signature is the signer's.
        assert!(matches!(
            open_ecies_grant(&token, &state, olga.id, &wrap, ITEM),
            Err(Error::RobotTrust(_))
        ));
    }
}

#[test]
fn robot_encodings_refuse_other_versions_and_bit_flips() {
    let (olga, _, _, _, state) = team();
    let token = RobotToken::generate("ci01").unwrap();
    let card = token
        .card(olga.id, &olga.keys, TEAM, &[APP.into()], 1)
        .unwrap();
    let bytes = card.to_bytes();
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x01;
        if let Ok(c) = RobotCard::from_bytes(&b) {
            assert!(c.verify(&state).is_err(), "byte {i}");
        }
    }
    assert!(RobotCard::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(RobotCard::from_bytes(&longer).is_err());

    let robot = card.verify(&state).unwrap();
    let ctx = RobotWrapContext {
        team_id: TEAM,
        item_id: ITEM,
        robot_id: "ci01",
        sender_id: olga.id,
    };
    let wrap = RobotEciesItemKey::seal(&olga.keys, &robot, &ctx, &ItemKey::generate().unwrap())
        .unwrap()
        .to_bytes();
    assert_eq!(wrap.len(), 159);
    for i in 0..wrap.len() {
        let mut b = wrap.clone();
        b[i] ^= 0x80;
        let r = RobotEciesItemKey::from_bytes(&b).and_then(|w| {
            w.open(
                &token,
                olga.keys.public_keys()?.verify()?.signing_key(),
                &ctx,
            )
        });
        assert!(r.is_err(), "byte {i}");
    }
    let mut v2 = wrap.clone();
    v2[0] = 2;
    assert!(matches!(
        RobotEciesItemKey::from_bytes(&v2),
        Err(Error::UnsupportedVersion { .. })
    ));
}

#[test]
fn robot_debug_output_shows_no_secret() {
    let token = RobotToken::generate("ci01").unwrap();
    let text = token.dangerously_to_string();
    let secret_hex = &text["signet_ci01_".len()..];
    let shown = format!("{token:?}");
    assert!(!shown.contains(secret_hex), "{shown}");
}

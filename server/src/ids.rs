//! Ids and tokens the server makes or checks: UUIDs, session tokens and their hashes.

use sha2::{Digest, Sha256};
use signet_core::vault::envelope::to_base64;

use crate::ApiError;

fn random<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| ApiError::Internal(format!("random: {e}")))?;
    Ok(b)
}

/// A random (version 4) UUID in its lowercase hyphenated form.
pub fn new_uuid() -> Result<String, ApiError> {
    let mut b = random::<16>()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

/// Whether `text` is a UUID in lowercase hyphenated form (the only form Signet uses, so one
/// id has one spelling).
pub fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
}

/// Refuses anything but a lowercase UUID, naming the field.
pub fn check_uuid(text: &str, what: &str) -> Result<(), ApiError> {
    if is_uuid(text) {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "{what} must be a UUID in lowercase hyphenated form (like 0b6c2a8e-1c7f-4d9e-9a3b-5f2e8d7c6b1a)"
        )))
    }
}

/// A new session token (256 random bits, base64url). Only its hash is stored.
pub fn new_session_token() -> Result<String, ApiError> {
    Ok(to_base64(&random::<32>()?))
}

/// What the database keeps of a session token.
pub fn session_hash(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"signet/v1/server/session");
    h.update(token.as_bytes());
    to_base64(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_v4_and_checked_strictly() -> Result<(), ApiError> {
        let id = new_uuid()?;
        assert!(is_uuid(&id), "{id}");
        assert_eq!(&id[14..15], "4");
        assert!(!is_uuid(&id.to_uppercase()));
        assert!(!is_uuid("not-a-uuid"));
        assert!(!is_uuid(&id[..35]));
        assert!(check_uuid("x", "team id").is_err());
        Ok(())
    }

    #[test]
    fn session_hashes_depend_on_the_token() {
        assert_ne!(session_hash("a"), session_hash("b"));
        assert_eq!(session_hash("a"), session_hash("a"));
    }
}

//! Checks on request fields that the database cannot express. Each failure names the field
//! and says what a good value looks like.

use signet_core::vault::{envelope::from_base64, kdf::KdfParams};

use crate::ApiError;

/// A display name: 1–100 characters, no control characters, trimmed.
pub fn name(text: &str, what: &str) -> Result<String, ApiError> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 100 || t.chars().any(char::is_control) {
        return Err(ApiError::Invalid(format!(
            "{what} must be 1 to 100 characters without control characters"
        )));
    }
    Ok(t.to_owned())
}

/// An email address, lowercased.
pub fn email(text: &str) -> Result<String, ApiError> {
    let t = text.trim().to_lowercase();
    let ok = t.len() <= 254
        && !t.chars().any(|c| c.is_whitespace() || c.is_control())
        && t.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if !ok {
        return Err(ApiError::Invalid(format!(
            "\"{}\" is not an email address",
            text.chars().take(80).collect::<String>()
        )));
    }
    Ok(t)
}

/// A base64url value of the vault: decodes, and is at most `max` bytes decoded.
pub fn blob(text: &str, what: &'static str, max: usize) -> Result<(), ApiError> {
    if text.len() > max / 3 * 4 + 8 {
        return Err(ApiError::TooLarge(format!(
            "{what} is larger than {max} bytes"
        )));
    }
    let bytes = from_base64(text, what).map_err(|_| {
        ApiError::BadRequest(format!("{what} must be URL-safe base64 without padding"))
    })?;
    if bytes.is_empty() || bytes.len() > max {
        return Err(ApiError::Invalid(format!(
            "{what} must be 1 to {max} bytes"
        )));
    }
    Ok(())
}

/// Server-side sanity on KDF parameters (the client enforces the real floor).
pub fn kdf_params(p: &KdfParams) -> Result<(), ApiError> {
    if !(1..=16).contains(&p.parallelism)
        || p.memory_kib < 8 * p.parallelism
        || p.memory_kib > 1024 * 1024
        || !(1..=10).contains(&p.iterations)
    {
        return Err(ApiError::Invalid(
            "kdf_params out of range (memory 8 KiB..1 GiB, iterations 1..10, parallelism 1..16)"
                .into(),
        ));
    }
    Ok(())
}

/// A reverse-DNS identifier (Android application id, iOS bundle id): segments of letters,
/// digits, `_` or `-`, separated by dots, at least two segments.
pub fn identifier(text: &str, what: &str) -> Result<(), ApiError> {
    let ok = text.len() <= 255
        && text.split('.').count() >= 2
        && text.split('.').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        });
    if !ok {
        return Err(ApiError::Invalid(format!(
            "{what} \"{}\" is not a reverse-DNS identifier like com.acme.app",
            text.chars().take(80).collect::<String>()
        )));
    }
    Ok(())
}

/// A build profile or iOS target name: 0 (targets only) or 1–64 of `[A-Za-z0-9._-]`.
pub fn slot_name(text: &str, what: &str, allow_empty: bool) -> Result<(), ApiError> {
    if !signet_core::wire::app::is_slot_name(text, allow_empty) {
        return Err(ApiError::Invalid(format!(
            "{what} must be up to 64 letters, digits, '.', '_' or '-'"
        )));
    }
    Ok(())
}

/// Public metadata: a JSON object, at most 64 KiB.
pub fn metadata(text: &str) -> Result<(), ApiError> {
    if text.len() > 64 * 1024 {
        return Err(ApiError::TooLarge("metadata is larger than 64 KiB".into()));
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(ApiError::Invalid(
            "metadata must be a JSON object (as text)".into(),
        )),
    }
}

//! Keys for talking to Apple's and Google's services.
//!
//! - [`apns`] — Apple `.p8` keys and APNs provider tokens (ES256).
//! - [`asc`] — App Store Connect API keys and their tokens (ES256).
//! - [`service_account`] — Google service-account JSON (FCM v1, Google Play) and the
//!   RS256 OAuth assertion.
//! - [`jwt`] — the compact JWT encoding they share.

pub mod apns;
pub mod asc;
pub mod jwt;
pub mod service_account;

//! One module per page.

pub mod account;
pub mod alerts;
pub mod android;
pub mod apps;
pub mod auth;
pub mod credentials;
pub mod expiring;
pub mod home;
pub mod import;
pub mod invite;
pub mod ios;
pub mod members;
pub mod not_found;
pub mod soon;
pub mod team_home;
pub mod teams;

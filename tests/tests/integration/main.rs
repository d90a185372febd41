//! Signet's one integration test binary (one binary links once; many would each link the
//! whole server). Each module is a group of user-visible behaviours.

mod api_health;
mod browser_dashboard;
mod cli_doctor;
mod cli_offline;
mod formats_android;
mod formats_apple;
mod formats_google;
mod serve_binary;

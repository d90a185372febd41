//! Signet's one integration test binary (one binary links once; many would each link the
//! whole server). Each module is a group of user-visible behaviours.

mod alerts;
mod api_authz;
mod api_health;
mod api_hostile;
mod api_scale_out;
mod api_story;
mod attack_cli;
mod attack_metadata;
mod attack_trust;
mod browser_accessibility;
mod browser_android_play;
mod browser_attack;
mod browser_dashboard;
mod browser_expiring;
mod browser_import;
mod browser_ios;
mod browser_ios_apple;
mod cli_android_play;
mod cli_doctor;
mod cli_expiring;
mod cli_generate;
mod cli_ios_apple;
mod cli_offline;
mod cli_sync;
mod deb_package;
mod durability;
mod formats_android;
mod formats_apple;
mod formats_google;
mod postgres_store;
mod robot_follow;
mod serve_binary;
mod serve_metrics;
mod serve_proxies;
mod serve_tls;

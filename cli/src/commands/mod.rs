//! One module per `signet` subcommand, plus what the server-connected ones share.

pub mod account;
pub mod android;
pub mod backup;
pub mod config;
pub mod credentials;
pub mod csr;
pub mod doctor;
pub mod files;
pub mod input;
pub mod inspect;
pub mod ios;
pub mod keystore;
pub mod metadata;
pub mod pull;
pub mod push;
pub mod remote;
pub mod serve;
pub mod serve_config;
pub mod teams;
pub mod token;

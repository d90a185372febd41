//! One module per `signet` subcommand.

pub mod backup;
pub mod csr;
pub mod doctor;
pub mod files;
pub mod inspect;
pub mod keystore;
pub mod serve;

//! One module per `signet` subcommand.

pub mod serve;

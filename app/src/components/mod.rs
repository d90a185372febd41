//! Reusable pieces of the dashboard.

pub mod layout;
pub mod ui;

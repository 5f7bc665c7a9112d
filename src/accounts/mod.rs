//! The account registry as the Information Center keeps it: importing its
//! registration-form spreadsheet ([`sheet`], [`merge`]), checking contact
//! numbers ([`phone`]), and the dated history of each account's
//! registration read back from the state database's snapshots
//! ([`history`]). Pure: the command line (`cli::accounts`) does the I/O.

pub mod history;
pub mod merge;
pub mod phone;
pub mod sheet;

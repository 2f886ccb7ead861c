//! scimtest: a SCIM 2.0 conformance harness that replays Microsoft Entra ID's provisioning
//! traffic against a target endpoint, and the reference server it is tested against.
//!
//! Data flow: `load` (suite files → `model`) → `plan` → `run` (→ `record`) → `report`.
//! `server` is the reference SCIM server; `cli` wires the commands together.

// Library-wide lints that the test and bench crates must not inherit (they print, and their
// helpers are `pub` for the test files that share them), so they are set here rather than in
// Cargo.toml: `pub` means the public surface below, everything else is `pub(crate)`; only
// the command line (`cli`) prints.
#![warn(unreachable_pub, clippy::print_stdout, clippy::print_stderr)]

pub(crate) mod baseline;
pub(crate) mod builtin;
pub mod cli;
pub mod client;
pub(crate) mod clock;
pub(crate) mod cycle;
pub(crate) mod diagnostic;
pub mod load;
pub mod model;
pub(crate) mod percent;
pub mod plan;
pub mod record;
pub mod redact;
pub mod report;
pub mod run;
pub mod schema_store;
pub mod server;
pub(crate) mod words;

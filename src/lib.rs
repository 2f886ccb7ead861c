//! scimtest: a SCIM 2.0 conformance harness that replays Microsoft Entra ID's provisioning
//! traffic against a target endpoint, and the reference server it is tested against.
//!
//! Data flow: `load` (suite files → `model`) → `plan` → `run` (→ `record`) → `report`.
//! `server` is the reference SCIM server; `cli` wires the commands together.

pub(crate) mod baseline;
pub(crate) mod builtin;
pub mod cli;
pub(crate) mod clock;
pub(crate) mod cycle;
pub(crate) mod diagnostic;
pub mod load;
pub mod model;
pub mod plan;
pub mod record;
pub mod redact;
pub mod report;
pub mod run;
pub mod schema_store;
pub mod server;

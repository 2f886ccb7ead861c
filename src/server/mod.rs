//! The reference SCIM 2.0 server: in memory, correct for RFC 7643/7644, tolerant of every
//! Entra quirk, with a catalogue of switchable defects. It is the default target of
//! `scimtest run` and the fixture of the harness's own tests.

pub mod app;
pub mod defect;
pub mod error;
pub mod filter;
mod oin;
pub mod patch;
pub mod resource;
pub mod schema;
pub mod store;
mod strict;

mod spawn;
pub mod token;

pub use app::{AppState, ServerConfig};
pub use defect::{AttributeDefect, AttributeFault, Defect, Defects};
pub use schema::learn as learn_schemas;
pub use spawn::{RunningServer, spawn};

//! `scimtest cycle`: Entra's provisioning cycles at tenant scale against one endpoint — a
//! generated source directory (`directory`), the initial and incremental cycles paced and
//! bounded (`engine`), Account Discovery's listing of every user (`discovery`), the
//! provisioning log with Entra's error codes (`log`), the quarantine predictor (`health`), and
//! what the cycles report (`report`).

pub(crate) mod directory;
pub(crate) mod discovery;
pub(crate) mod engine;
pub(crate) mod health;
pub(crate) mod log;
pub(crate) mod report;

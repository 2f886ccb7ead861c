//! `scimtest cycle`: Entra's provisioning cycles at tenant scale against one endpoint — a
//! generated source directory (`directory`), the initial and incremental cycles paced and
//! bounded (`engine`), the provisioning log with Entra's error codes and thresholds (`log`),
//! and what the cycles report (`report`).

pub(crate) mod directory;
pub(crate) mod engine;
pub(crate) mod log;
pub(crate) mod report;

//! scimtest: a SCIM 2.0 conformance harness that replays Microsoft Entra ID's provisioning
//! traffic against a target endpoint, and the reference server it is tested against.

pub mod server;

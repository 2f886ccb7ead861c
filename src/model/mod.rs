//! The validated suite model: what the runner sees. Built only by `load::lower`.

mod evidence;
mod mapping;
mod profile;
mod scim_path;
mod suite;
mod template;

pub use evidence::Evidence;
pub use mapping::{MappedAttribute, Mapping, Mutability, ObjectKind, ValueType};
pub use profile::{Client, Encoding, Profile};
pub use scim_path::ScimPath;
pub use suite::{
    Auth, Body, Capability, Capture, CaptureSource, Case, Check, CheckOp, CheckTarget, Expect,
    HeaderCheck, Request, Severity, Step, Suite,
};
pub(crate) use template::{
    BUILTINS, GENERATORS, TEMPLATE_BUDGET, VALUE_BUDGET, render_value, value_vars,
};
pub use template::{Part, Template};

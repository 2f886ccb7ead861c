//! The validated suite model: what the runner sees. Built only by `load::lower`.

mod profile;
mod suite;
mod template;

pub use profile::{Encoding, Profile};
pub use suite::{
    Auth, Body, Capture, CaptureSource, Case, Check, CheckOp, Expect, HeaderCheck, Request,
    Severity, Step, Suite,
};
pub use template::{
    BUILTINS, GENERATORS, Part, TEMPLATE_BUDGET, Template, render_value, value_vars,
};

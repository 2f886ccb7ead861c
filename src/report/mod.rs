//! Reporters: read a `RunRecord`, write files or text. They never send a request, and every
//! string they emit passes through the run's redactor.

mod cause_shape;
mod console;
mod evidence;
mod gallery;
mod har;
mod html;
mod json;
mod junit;
mod markup;
mod matrix;
mod matrix_catalogue;
mod oin_gate;
mod repro;
mod root_cause;
mod terminal;
mod transcript;
mod verdict;

pub(crate) use console::use_colour;
pub use console::{Detail, summary};
pub(crate) use evidence::evidence_line;
pub use gallery::{Category, GATE_TESTS, GateTest, RATE, markdown_table as gate_table};
pub use har::har;
pub use html::html;
pub use json::results_json;
pub use junit::junit_xml;
pub use markup::escape as escape_html;
pub use matrix::{BEHAVIOURS, Behaviour, CLIENTS, Cell, Probe, Row, Shows, Side, matrix};
pub use oin_gate::{OIN_STEPS, OinCategory, OinStep};
pub use repro::{ReproAuth, ReproSettings, repro_script, script_name};
pub use root_cause::{RootCause, root_causes, verdict};
pub(crate) use terminal::terminal_safe;
pub use transcript::transcript;
pub use verdict::{Outcome, Verdict, verdicts};

//! Reporters: read a `RunRecord`, write files or text. They never send a request, and every
//! string they emit passes through the run's redactor.

mod console;
mod junit;
mod transcript;

pub use console::summary;
pub use junit::junit_xml;
pub use transcript::transcript;

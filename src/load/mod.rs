//! Loading suite files: YAML → raw structs (`raw`) → validated model (`lower`).
//! The loader knows nothing of HTTP; its only output is a `Suite` or positioned diagnostics.

mod emit;
mod fixtures;
mod gallery;
mod loader;
mod lower;
mod mapped_suite;
mod mapping;
mod raw;

pub use fixtures::{FixtureError, Fixtures};
pub use gallery::{
    GalleryInputs, SUITE as GALLERY_SUITE, group_writable_in, required_in,
    tailor as tailor_gallery, top_name,
};
pub use loader::{FileErrors, load_all, load_file, load_text};
pub(crate) use loader::{fixtures_root, load_builtin, load_suites, source_text, user_schema_dir};
pub use lower::LowerContext;
pub(crate) use mapped_suite::suite_text as mapped_suite_text;
pub use mapped_suite::{slug as mapped_slug, write as write_attribute};
pub(crate) use mapping::{from_discovery, from_entra_schema};

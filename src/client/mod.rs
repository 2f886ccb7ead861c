//! The client core shared by `run`, `cycle`, `sweep` and the reproduction scripts: the rules
//! that prove a delete happened, and this machine's journal key.

pub(crate) mod cleanup;
pub(crate) mod machine;

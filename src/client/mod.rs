//! The client core shared by `run`, `cycle`, `sweep` and the reproduction scripts: the rules
//! that prove a delete happened, typed transport errors, and this machine's journal key.

pub(crate) mod cleanup;
pub(crate) mod machine;
pub mod transport;

//! The `relais` command.
fn main() {}

//! Load generator for Relais.
fn main() {}

//! The network edge of Relais.
// CONTRACT STUB: filled in next.

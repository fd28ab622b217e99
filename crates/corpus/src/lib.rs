//! Loads the intent corpus authored in TOML under `intents/`.
// CONTRACT STUB: filled in next.

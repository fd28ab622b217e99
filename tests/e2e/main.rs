//! End-to-end tests: the real `relais` binary driven over real websockets and HTTP.
//!
//! One binary, one module per feature; `support` starts servers and speaks the protocol.

mod bad_frames;
mod browser;
mod conversation;
mod handoff;
mod http;
mod resume;
mod support;

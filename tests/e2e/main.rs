//! End-to-end tests: the real `relais` binary driven over real websockets and HTTP.
//!
//! One binary, one module per feature; `support` starts servers and speaks the protocol.

mod agent_handoff;
mod agent_queue;
mod agent_security;
mod agent_server_lifecycle;
mod agent_support;
mod bad_frames;
mod browser;
mod chromium;
mod conversation;
mod handoff;
mod http;
mod panel_browser;
mod resume;
mod support;
mod widget_handoff_browser;

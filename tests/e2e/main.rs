//! End-to-end tests: the real `relais` binary driven over real websockets and HTTP.
//!
//! One binary, one module per feature; `support` starts servers and speaks the protocol.

mod agent_handoff;
mod agent_queue;
mod agent_security;
mod agent_server_lifecycle;
mod agent_support;
mod bad_frames;
mod bounds;
mod browser;
mod chromium;
mod conversation;
mod crash_under_load;
mod dashboard_browser;
mod flag_browser;
mod handoff;
mod http;
mod learning_loop;
mod metrics;
mod origins;
mod panel_browser;
mod resume;
mod stats;
mod support;
mod survey;
mod survey_browser;
mod widget_handoff_browser;
mod xss_browser;

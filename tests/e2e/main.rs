//! End-to-end tests: the real `relais` binary driven over real websockets.

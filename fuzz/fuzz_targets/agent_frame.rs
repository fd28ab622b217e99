//! The advisor websocket's frame decoder and the text check of its `message` handler: any text
//! frame is either accepted or answered with a well-formed, short `error` frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_fuzz::check_error_frame;

fuzz_target!(|data: &[u8]| {
    // As for customers: the websocket layer only hands over valid UTF-8.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(rejected) = relais_server::fuzzing::agent_frame(text) {
        check_error_frame(&rejected.frame, rejected.code);
    }
});

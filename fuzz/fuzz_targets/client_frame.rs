//! The customer websocket's frame decoder and the checks its handler runs next: any text frame
//! is either accepted or answered with a well-formed, short `error` frame; nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_fuzz::check_error_frame;

fuzz_target!(|data: &[u8]| {
    // Text frames are valid UTF-8 by the time they reach the decoder: the websocket layer
    // closes the connection (1007) on anything else.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(rejected) = relais_server::fuzzing::client_frame(text) {
        check_error_frame(&rejected.frame, rejected.code);
    }
});

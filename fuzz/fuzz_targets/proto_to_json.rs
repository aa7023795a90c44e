//! `cargo +nightly fuzz run proto_to_json`: see `edi_gateway::fuzzing::proto_to_json` for the input layout.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    edi_gateway::fuzzing::proto_to_json(data);
});

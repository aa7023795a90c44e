//! `cargo +nightly fuzz run json_to_proto`: see `edi_gateway::fuzzing::json_to_proto` for the input layout.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    edi_gateway::fuzzing::json_to_proto(data);
});

//! `cargo +nightly fuzz run prefer_accept`: see `edi_gateway::fuzzing::prefer_accept` for the input layout.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    edi_gateway::fuzzing::prefer_accept(data);
});

//! `cargo +nightly fuzz run query_params`: see `edi_gateway::fuzzing::query_params` for the input layout.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    edi_gateway::fuzzing::query_params(data);
});

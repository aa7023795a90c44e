//! The fuzz targets' corpus as a stable regression test: every file under
//! `fuzz/corpus/<target>/` (the committed seeds, and the inputs of crashes that were fixed) goes
//! through the same function as its `cargo fuzz` target (`edi_gateway::fuzzing`) and must not
//! panic. The fuzzers themselves run with `tools/fuzz.sh` (nightly), not here.

use std::path::Path;

fn run(target: &str, f: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        files.len() >= 5,
        "{target}: only {} corpus files",
        files.len()
    );
    for file in files {
        let data = std::fs::read(&file).expect("corpus file");
        // A panic names the file: `cargo +nightly fuzz run <target> <file>` reproduces it.
        eprintln!("{target}: {}", file.display());
        f(&data);
    }
}

#[test]
fn json_to_proto_corpus() {
    run("json_to_proto", edi_gateway::fuzzing::json_to_proto);
}

#[test]
fn proto_to_json_corpus() {
    run("proto_to_json", edi_gateway::fuzzing::proto_to_json);
}

#[test]
fn query_params_corpus() {
    run("query_params", edi_gateway::fuzzing::query_params);
}

#[test]
fn prefer_accept_corpus() {
    run("prefer_accept", edi_gateway::fuzzing::prefer_accept);
}

//! Compiles the project's own `proto/*.proto` (written by `tools/gen-proto.py` from the reference
//! facts) with protox — no `protoc` is needed or downloaded — and then:
//! * writes the `FileDescriptorSet` to `$OUT_DIR/diadoc.bin` for the prost-reflect pool;
//! * generates prost structs from that same set (`compile_fds`, again without `protoc`).

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_dir = manifest.join("../../proto");
    let mut files = Vec::new();
    collect(&proto_dir, &proto_dir, &mut files)?;
    files.sort();
    println!("cargo:rerun-if-changed={}", proto_dir.display());

    let fds = protox::compile(&files, [&proto_dir])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("diadoc.bin"), prost::Message::encode_to_vec(&fds))?;

    prost_build::Config::new()
        .include_file("diadoc.rs")
        // `bytes::Bytes` lets decoded content share the response buffer instead of copying it.
        .bytes(["."])
        .compile_fds(fds)?;
    Ok(())
}

fn collect(
    root: &std::path::Path,
    dir: &std::path::Path,
    out: &mut Vec<String>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            let rel = path.strip_prefix(root).map_err(std::io::Error::other)?;
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

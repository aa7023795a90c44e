//! Compiles the project's own `proto/*.proto` (written by `tools/gen-proto.py` from the reference
//! facts) with protox — no `protoc` is needed or downloaded — and then:
//! * writes the `FileDescriptorSet` to `$OUT_DIR/diadoc.bin` for the prost-reflect pool, with
//!   source info only where a comment is;
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
    // The pool keeps source info only where it carries a comment (the OpenAPI descriptions
    // read those): the spans of every name, number and type were most of its memory.
    // prost-build below needs them all.
    let mut pool_fds = fds.clone();
    for file in &mut pool_fds.file {
        if let Some(info) = &mut file.source_code_info {
            info.location
                .retain(|l| l.leading_comments.is_some() || l.trailing_comments.is_some());
        }
    }
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out.join("diadoc.bin"),
        prost::Message::encode_to_vec(&pool_fds),
    )?;

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

# Multi-stage build: dependencies are compiled in their own cached layer (cargo-chef), the
# runtime image holds only the binary and CA certificates (rustls; no OpenSSL).
#
#   docker build -t edi-gateway .
#   docker run --read-only --cap-drop ALL --security-opt no-new-privileges \
#     -p 8080:8080 -e EDI_GATEWAY_DIADOC_CLIENT_ID=... edi-gateway
#
# Runs as the numeric user 10001 (no root, no name to resolve) and writes nothing to its root
# filesystem, so it runs read-only. The one file the gateway may write is a managed client's
# rotated `refresh_token_file` (README "Managed clients"): put it on a volume mounted at
# /var/lib/edi-gateway (owned by 10001 here), never on a read-only Secret mount if it must
# survive a restart. HEALTHCHECK runs `edi-gateway healthcheck` (GET /healthz on the loopback;
# the image has no curl). `tools/deploy-check.sh` lints this file with hadolint.
#
# protox compiles proto/ inside the build, so no protoc is needed; Swagger UI assets are vendored.
# Built without the default `sandbox` feature: the production binary carries no simulator and
# has no `demo`/`sandbox` subcommands.

FROM docker.io/library/rust:1.95-slim-bookworm AS chef
RUN cargo install cargo-chef --locked
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
# The proto files are inputs of edi-proto's build script, so they belong to the dependency layer.
COPY proto proto
RUN cargo chef cook --release --no-default-features --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --no-default-features --bin edi-gateway

FROM docker.io/library/debian:bookworm-slim AS runtime
# ca-certificates is left unpinned on purpose: the suite's security updates should land on rebuild.
# hadolint ignore=DL3008
RUN apt-get update -y \
    && apt-get install -y --no-install-recommends ca-certificates \
    && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home gateway \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/edi-gateway
COPY --from=builder /app/target/release/edi-gateway /usr/local/bin/edi-gateway
USER 10001:10001
ENV EDI_GATEWAY_LISTEN=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["edi-gateway", "healthcheck"]
ENTRYPOINT ["edi-gateway"]
CMD ["serve"]

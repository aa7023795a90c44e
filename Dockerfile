# Multi-stage build: dependencies are compiled in their own cached layer (cargo-chef), the
# runtime image holds only the binary and CA certificates (rustls; no OpenSSL).
#
#   docker build -t edi-gateway .
#   docker run -p 8080:8080 -e EDI_GATEWAY_DIADOC_CLIENT_ID=... edi-gateway
#
# protox compiles proto/ inside the build, so no protoc is needed; Swagger UI assets are vendored.
# Built without the default `sandbox` feature: the production binary carries no simulator and
# has no `demo`/`sandbox` subcommands.

FROM rust:1.95-slim-bookworm AS chef
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

FROM debian:bookworm-slim AS runtime
RUN apt-get update -y \
    && apt-get install -y --no-install-recommends ca-certificates \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 gateway
USER gateway
COPY --from=builder /app/target/release/edi-gateway /usr/local/bin/edi-gateway
ENV EDI_GATEWAY_LISTEN=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["edi-gateway"]
CMD ["serve"]

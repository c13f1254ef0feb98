# Hub389 as a container: built with the Rust toolchain, run on a slim Debian as a non-root user.
#   docker build -t hub389 .
#   docker run -p 8000:8000 -v hub389-data:/var/lib/hub389 hub389          # SQLite, demo data
#   docker run --rm -v hub389-keys:/etc/hub389 hub389 keys generate --dir /etc/hub389  # for PostgreSQL
# deploy/compose.yaml runs two instances over one PostgreSQL; README "Deployment".

# Build and run images share a Debian release, so the binary finds the glibc it was linked to.
FROM rust:1.95-slim-trixie AS build
WORKDIR /src
# Everything the workspace needs to resolve (see .dockerignore for what stays out). The C parts
# (bundled SQLite, mimalloc, ring) build with the image's gcc; TLS is rustls, so no OpenSSL.
COPY . .
# The caches keep the registry and the build between image builds (BuildKit); the binary is
# copied out of the cached target directory, which is not part of the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p api \
    && install -m 0755 target/release/hub389 /usr/local/bin/hub389

FROM debian:trixie-slim
# A fixed uid/gid so a volume's files keep their owner across image rebuilds. /etc/hub389 is
# where a volume of keys is mounted (a new named volume takes the directory's owner).
RUN groupadd --system --gid 10389 hub389 \
    && useradd --system --uid 10389 --gid hub389 --home-dir /var/lib/hub389 \
       --shell /usr/sbin/nologin hub389 \
    && install -d -o hub389 -g hub389 -m 0700 /var/lib/hub389 /etc/hub389
COPY --from=build /usr/local/bin/hub389 /usr/local/bin/hub389
USER hub389:hub389
WORKDIR /var/lib/hub389
# The SQLite default lives on the volume, and with it the keys generated beside a new
# database (hub389.jwt-secret, hub389.data-key): back the volume up as one. On PostgreSQL set
# DATABASE_URL and the two key files (README "Keys and backups").
ENV HUB389_BIND=0.0.0.0:8000 \
    DATABASE_URL=sqlite:///var/lib/hub389/hub389.db?mode=rwc \
    RUST_LOG=info
VOLUME ["/var/lib/hub389"]
EXPOSE 8000
# Liveness over bash's /dev/tcp: the slim image has no curl, and installing one for a probe
# would add a network client to every container.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8000 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# The server drains on SIGTERM (HUB389_SHUTDOWN_GRACE, 30 s by default): give `docker stop`
# a longer --time (compose.yaml sets stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/hub389"]

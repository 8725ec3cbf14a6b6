# syntax=docker/dockerfile:1
#
# aiops server image: `aiops serve` (server-only build: no GTK/WebKit) with the web UI
# embedded, on Debian 12 with what sessions need (tmux, git, bubblewrap).
#
#   docker build -t aiops .
#   docker run -d --init --name aiops -p 127.0.0.1:8060:8060 -v aiops-data:/data aiops
#
# (--init: a real init as PID 1 reaps what tmux and git leave behind; aiops is no init.)
#
# It listens on 0.0.0.0:8060 in plain HTTP with allow_remote set: it assumes a TLS
# reverse proxy in front (or a port published on loopback only, as above). To terminate
# TLS in aiops itself, mount a certificate and set AIOPS_TLS_CERT / AIOPS_TLS_KEY.
# Session sandbox (bubblewrap) inside a container: see README, "Deployment".
#
# Base images are pinned to exact versions (the toolchains scripts/test uses); pin them
# by digest (`image@sha256:…`) in your own builds for byte-for-byte repeatability.

# --- the web UI (Vite 7 needs Node.js >= 20.19) ---
FROM node:20.20.2-bookworm-slim AS ui
WORKDIR /src/ui
COPY ui/package.json ui/package-lock.json ./
RUN npm ci --no-audit --no-fund
# The API types in ui/src/lib/api are generated and committed: the UI builds from ui/ alone.
COPY ui/ ./
RUN npm run build

# --- the server binary (embeds ui/dist in a release build) ---
FROM rust:1.95.0-slim-bookworm AS server
# The packages `scripts/install-deps server` installs to build the server.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential pkg-config libssl-dev libdbus-1-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
COPY --from=ui /src/ui/dist ui/dist
# Cache mounts keep crates and build artefacts between builds; the binary is copied out
# of the cached target dir in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p aiops --no-default-features --features server \
    && install -m 0755 target/release/aiops /usr/local/bin/aiops

# --- runtime ---
FROM debian:12.11-slim
# tmux holds the sessions, git serves the workspaces, bubblewrap is the session sandbox,
# libdbus is linked by the credential store, curl is the health check, openssh-client lets
# git reach ssh remotes.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tmux git bubblewrap ca-certificates curl \
        libdbus-1-3 openssh-client \
    && rm -rf /var/lib/apt/lists/*
# A real shell as the account's shell: tmux runs session commands through it.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/aiops \
        --shell /bin/bash aiops \
    && install -d -o aiops -g aiops -m 0700 /data
COPY --from=server /usr/local/bin/aiops /usr/local/bin/aiops
ENV AIOPS_DATA_DIR=/data \
    AIOPS_BIND=0.0.0.0:8060 \
    AIOPS_ALLOW_REMOTE=true \
    SHELL=/bin/bash
# The database, secret.key, workspaces, tool homes, logs, backups and tmux's socket.
VOLUME ["/data"]
EXPOSE 8060
USER aiops
WORKDIR /home/aiops
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8060/api/v1/system/health || exit 1
ENTRYPOINT ["aiops"]
CMD ["serve"]

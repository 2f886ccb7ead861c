# scimtest in a container: built with the Rust toolchain, run as a non-root user. The suites,
# fixtures and schemas are built in. Two images from one file:
#
# - the default (last stage, `runtime`): distroless, no shell, the binary as entrypoint, for
#   `docker run`:
#     docker build -t scimtest .
#     mkdir -p reports    # yours, not root's: Docker would create a missing folder as root
#     docker run --rm -e SCIM_TOKEN -v "$PWD/reports:/reports" --user "$(id -u)" \
#       scimtest run --target https://api.example.com/scim/v2 --report-dir /reports
#
# - `ci`: Debian slim with a shell and no entrypoint, for CI systems that run their script in
#   the job's image (GitLab's Docker executor, a Jenkins Docker agent):
#     docker build --target ci -t scimtest:ci .

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked \
 && strip target/release/scimtest

# A shell (dash as /bin/sh, bash), coreutils and the CA certificates the TLS verifier reads.
# The user is the distroless image's `nonroot` (65532), so both images write reports alike.
# No ENTRYPOINT: CI systems start a shell (GitLab) or `cat` (Jenkins) in the image.
FROM debian:bookworm-slim AS ci
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --create-home --home-dir /home/nonroot --shell /bin/bash nonroot
COPY --from=build /src/target/release/scimtest /usr/local/bin/scimtest
# The default report folder (./reports) is written under the non-root user's home.
WORKDIR /home/nonroot
USER 65532:65532
CMD ["/bin/bash"]

# The default image: glibc, libgcc and the CA certificates the TLS verifier reads; no shell,
# no package manager.
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=build /src/target/release/scimtest /usr/local/bin/scimtest
# The default report folder (./reports) is written under the non-root user's home.
WORKDIR /home/nonroot
USER nonroot
ENTRYPOINT ["/usr/local/bin/scimtest"]
CMD ["run"]

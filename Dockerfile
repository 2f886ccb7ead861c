# scimtest in a container: built with the Rust toolchain, run from a small runtime image as a
# non-root user, the binary as entrypoint. The suites, fixtures and schemas are built in.
#
#   docker build -t scimtest .
#   docker run --rm -e SCIM_TOKEN -v "$PWD/reports:/reports" --user "$(id -u)" \
#     scimtest run --target https://api.example.com/scim/v2 --report-dir /reports

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked \
 && strip target/release/scimtest

# glibc, libgcc and the CA certificates the TLS verifier reads; no shell, no package manager.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/scimtest /usr/local/bin/scimtest
# The default report folder (./reports) is written under the non-root user's home.
WORKDIR /home/nonroot
USER nonroot
ENTRYPOINT ["/usr/local/bin/scimtest"]
CMD ["run"]

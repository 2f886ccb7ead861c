//! The `scimtest` binary; everything lives in the library.

fn main() -> std::process::ExitCode {
    scimtest::cli::main()
}

//! The `scimtest` binary; everything lives in the library.

/// mimalloc instead of glibc's malloc: in a 100,000-user cycle, glibc's allocator took a sixth
/// of the client's CPU, and the client spends about a quarter less with mimalloc (the commit
/// that added it says how that was measured).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    scimtest::cli::main()
}

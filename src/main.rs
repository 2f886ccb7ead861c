//! The `scimtest` binary; everything lives in the library.

/// mimalloc instead of glibc's malloc: a 100,000-user cycle spends about a quarter less CPU in
/// the client and peaks about a fifth lower (bench/cycle.py; the commit that added it says
/// how it was measured).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    scimtest::cli::main()
}

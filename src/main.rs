//! The `xunjian` command: see `xunjian --help`.

fn main() -> std::process::ExitCode {
    restore_sigpipe();
    xunjian::cli::run()
}

/// Lets `xunjian rules list | head` end quietly, as Unix tools do, instead
/// of panicking on the closed pipe (Rust ignores SIGPIPE by default).
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists;
    // SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

//! The `xunjian` command: see `xunjian --help`.

fn main() -> std::process::ExitCode {
    xunjian::cli::run()
}

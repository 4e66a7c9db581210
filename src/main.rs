//! The `vera` command line: parses arguments and hands over to `vera::cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    restore_default_sigpipe();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    vera::cli::main()
}

/// Makes a closed pipe end the process quietly, as it does for other Unix tools (`vera ... |
/// head`): Rust ignores SIGPIPE, so printing to a closed pipe would otherwise panic.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any thread is started has
    // no memory effects.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

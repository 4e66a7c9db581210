//! The `vera` command line: parses arguments and hands over to `vera::cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    vera::cli::main()
}

fn main() -> std::process::ExitCode {
    lastschrift::cli::main()
}

//! How results and errors look on a terminal.

use strata_core::problem::Problem;

/// Prints a failure as one `error:` line and, when known, one `hint:` line, on stderr.
pub fn problem(problem: &Problem) {
    eprintln!("error: {}", problem.message);
    if let Some(hint) = &problem.hint {
        eprintln!("hint: {hint}");
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn json<T: serde::Serialize>(value: &T) -> Result<(), Problem> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Problem::new("cli.json", format!("cannot render JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

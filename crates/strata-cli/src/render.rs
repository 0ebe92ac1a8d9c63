//! How results and errors look on a terminal.

use strata_core::problem::{Hint, Problem};

use crate::hints;
use crate::vocabulary::CliCode;

/// Prints a failure as one `error:` line and, when known, one `hint:` line, on stderr.
pub fn problem(problem: &Problem) {
    eprintln!("error: {}", problem.message);
    if let Some(hint) = &problem.hint {
        self::hint(hint);
    }
}

/// Prints a `hint:` line on stderr, in the command line's words.
pub fn hint(hint: &Hint) {
    eprintln!("hint: {}", hints::text(hint));
}

/// Prints a value as pretty JSON on stdout.
pub fn json<T: serde::Serialize>(value: &T) -> Result<(), Problem> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Problem::new(CliCode::Json, format!("cannot render JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// A byte count as docker prints it (go-units `HumanSizeWithPrecision(n, 3)`): decimal
/// units, three significant digits, no trailing zeros: `999B`, `12.3kB`, `4.86MB`, `2GB`.
pub fn size(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 999.5 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        return format!("{n}B");
    }
    let decimals = if value >= 99.95 {
        0
    } else if value >= 9.995 {
        1
    } else {
        2
    };
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}{}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::size;

    #[test]
    fn sizes_read_like_docker() {
        for (n, want) in [
            (0, "0B"),
            (999, "999B"),
            (1_000, "1kB"),
            (1_500, "1.5kB"),
            (12_345, "12.3kB"),
            (999_999, "1MB"),
            (4_860_000, "4.86MB"),
            (7_800_000, "7.8MB"),
            (123_456_789, "123MB"),
            (1_500_000_000, "1.5GB"),
            (2_000_000_000, "2GB"),
        ] {
            assert_eq!(size(n), want, "{n}");
        }
    }
}

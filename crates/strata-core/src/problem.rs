//! The one shape an error takes when it leaves the engine: a stable `code` that a UI can
//! branch on, a `message` a person understands, and an optional `hint` saying what to do.
//!
//! Every module keeps its own `thiserror` enum; it implements [`Explain`] with a [`Code`]
//! from the one list and, when there is advice, a [`Hint`]: a [`HintKey`] and its
//! arguments. The message is English and names what failed (paths,
//! hosts); the hint is rendered by each surface in its own words: the CLI prints
//! `hint: strata login …`, the app names the button or screen, in the person's language.
//!
//! | file | job |
//! |---|---|
//! | `vocabulary.rs` | [`vocabulary!`](crate::vocabulary): declares a list of stable keys as an enum |
//! | `code.rs` | [`Code`]: every code the engine reports |
//! | `hint.rs` | [`Hint`] and [`HintKey`]: every piece of advice the engine gives |

mod code;
mod hint;
mod vocabulary;

use serde::{Deserialize, Serialize};

pub use code::Code;
pub use hint::{Hint, HintKey, HintName};
pub use vocabulary::engine_codes_named_in;

/// A problem code of any surface (the engine's [`Code`], a shell's own): its spelling.
/// Implemented by [`vocabulary!`](crate::vocabulary) enums, so that no code is written as a
/// bare string that no list knows.
pub trait ProblemCode {
    fn as_str(&self) -> &'static str;
    /// Codes carry no arguments; present because every vocabulary has it.
    fn params(&self) -> &'static [&'static str];
}

/// An error as a person sees it. Serialised as `{code, message, hint}` across IPC, the hint
/// as `{key, args}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// Stable, machine-readable: `store.not_found`, `reference.invalid`, …
    pub code: String,
    /// One sentence, no trailing period needed, never a secret.
    pub message: String,
    /// What the person can do about it, when we know.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub hint: Option<Hint>,
}

impl Problem {
    pub fn new(code: impl ProblemCode, message: impl Into<String>) -> Self {
        Self {
            code: code.as_str().to_string(),
            message: message.into(),
            hint: None,
        }
    }

    /// The problem with this hint instead of any it had.
    pub fn with_hint(mut self, hint: impl Into<Hint>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// The message, and the hint's key for a log line; surfaces render the hint themselves.
impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {})", hint.key)?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

/// Implemented by each module's error enum: how it reads to a person.
pub trait Explain: std::error::Error {
    /// A stable code from the one list.
    fn code(&self) -> Code;
    /// What to do about it, if anything is known.
    fn hint(&self) -> Option<Hint> {
        None
    }
    /// The whole problem. The message is the error's `Display` with its sources chained.
    fn problem(&self) -> Problem {
        let mut message = self.to_string();
        let mut source = self.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        Problem {
            code: self.code().as_str().to_string(),
            message,
            hint: self.hint(),
        }
    }
}

/// A task stopped by its cancel flag, wherever it was when the flag was seen.
impl Explain for crate::task::Cancelled {
    fn code(&self) -> Code {
        Code::TaskCancelled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open the store")]
    struct Outer(#[source] std::io::Error);

    impl Explain for Outer {
        fn code(&self) -> Code {
            Code::StoreIo
        }
        fn hint(&self) -> Option<Hint> {
            Some(HintKey::StoreChooseHome.into())
        }
    }

    #[test]
    fn problem_chains_causes_and_serialises_three_fields() {
        let err = Outer(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "permission denied",
        ));
        let p = err.problem();
        assert_eq!(p.code, "store.io");
        assert_eq!(p.message, "cannot open the store: permission denied");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["hint"]["key"], "store.choose_home");
        assert_eq!(json.as_object().unwrap().len(), 3);
        let back: Problem = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn a_problem_without_a_hint_has_no_hint_field() {
        let p = crate::task::Cancelled.problem();
        assert_eq!(p.code, "task.cancelled");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "task.cancelled", "message": "cancelled"})
        );
    }
}

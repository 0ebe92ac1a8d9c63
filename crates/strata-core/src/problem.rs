//! The one shape an error takes when it leaves the engine: a stable `code` that a UI can
//! branch on, a `message` a person understands, and an optional `hint` saying what to do.
//!
//! Every module keeps its own `thiserror` enum; it implements [`Explain`] so that the CLI
//! prints `error: {message}` (+ `hint: {hint}`) and the app shows the same words.

use serde::{Deserialize, Serialize};

/// An error as a person sees it. Serialised as `{code, message, hint}` across IPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Stable, machine-readable: `store.not_found`, `reference.invalid`, …
    pub code: String,
    /// One sentence, no trailing period needed, never a secret.
    pub message: String,
    /// What the person can do about it, when we know.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hint: Option<String>,
}

impl Problem {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

/// Implemented by each module's error enum: how it reads to a person.
pub trait Explain: std::error::Error {
    /// A stable code, `module.kind`.
    fn code(&self) -> &'static str;
    /// What to do about it, if anything is known.
    fn hint(&self) -> Option<String> {
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
            code: self.code().to_string(),
            message,
            hint: self.hint(),
        }
    }
}

impl Explain for Problem {
    fn code(&self) -> &'static str {
        "problem"
    }
    fn problem(&self) -> Problem {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open the store")]
    struct Outer(#[source] std::io::Error);

    impl Explain for Outer {
        fn code(&self) -> &'static str {
            "store.io"
        }
        fn hint(&self) -> Option<String> {
            Some("check the folder's permissions".into())
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
        assert_eq!(json["hint"], "check the folder's permissions");
        assert_eq!(json.as_object().unwrap().len(), 3);
    }
}

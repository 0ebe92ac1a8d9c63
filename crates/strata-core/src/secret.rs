//! A wrapper for secrets (passwords, tokens) that cannot leak by accident: its `Debug`
//! prints `<redacted>`, it has no `Display`, and it does not implement `Serialize`, so a
//! secret cannot end up in a log line, an error message, `--json` output or an IPC reply
//! unless code asks for it by name with [`Sensitive::expose`].

use std::fmt;

/// A secret value. Read it only where it is sent (an `Authorization` header, the keychain).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }

    /// The secret itself. Grep for `expose(` to audit every place a secret is used.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Sensitive(value)
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_secret() {
        #[derive(Debug)]
        #[allow(dead_code)] // read only through Debug, which is the point of the test
        struct Login {
            user: String,
            password: Sensitive<String>,
        }
        let login = Login {
            user: "ann".into(),
            password: Sensitive::new("hunter2".into()),
        };
        let text = format!("{login:?} {login:#?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("<redacted>"));
        assert_eq!(login.password.expose(), "hunter2");
    }
}

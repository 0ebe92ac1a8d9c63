//! `vocabulary!`: a list of stable, dotted keys (`store.not_found`, `credentials.log_in`)
//! declared once as an enum, so that the compiler knows every key there is.
//!
//! A key is an API: the CLI, the app and the UI's translation tables all match on its
//! spelling. Declaring the keys as enum variants means no key can be used without being
//! listed, and the list ([`ALL`](crate::problem::Code::ALL)) is what the app generates the
//! UI's TypeScript union from. The engine declares [`Code`](crate::problem::Code) and
//! [`HintKey`](crate::problem::HintKey) with it; each shell declares its own codes and hints
//! (`app.*`, `cli.*`) the same way, outside the engine's namespaces.

/// Declares an enum of stable keys: `code` lists problem codes ([`ProblemCode`]), `hint`
/// lists hint keys ([`HintName`]), each variant with its spelling and, for a hint, the names
/// of the arguments it carries:
///
/// ```
/// strata_core::vocabulary! {
///     hint
///     /// What to do.
///     pub enum MyHint {
///         /// Log in first.
///         LogIn = "mine.log_in" ["registry"],
///         Retry = "mine.retry",
///     }
/// }
/// assert_eq!(MyHint::LogIn.as_str(), "mine.log_in");
/// assert_eq!(MyHint::LogIn.params(), ["registry"]);
/// assert_eq!(MyHint::parse("mine.retry"), Some(MyHint::Retry));
/// ```
///
/// [`ProblemCode`]: crate::problem::ProblemCode
/// [`HintName`]: crate::problem::HintName
#[macro_export]
macro_rules! vocabulary {
    (code $($rest:tt)*) => {
        $crate::vocabulary!(@enum ProblemCode $($rest)*);
    };
    (hint $($rest:tt)*) => {
        $crate::vocabulary!(@enum HintName $($rest)*);
    };
    (@enum $role:ident
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $text:literal $([$($param:literal),* $(,)?])?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            /// Every key, in the order declared.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// The names of the arguments the key carries (hints only; codes carry none).
            pub const fn params(self) -> &'static [&'static str] {
                match self {
                    $($name::$variant => &[$($($param),*)?],)*
                }
            }

            /// The key spelled `text`, if there is one.
            pub fn parse(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|k| k.as_str() == text)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl $crate::problem::$role for $name {
            fn as_str(&self) -> &'static str {
                $name::as_str(*self)
            }
            fn params(&self) -> &'static [&'static str] {
                $name::params(*self)
            }
        }
    };
}

/// The lines of the `.rs` files under `src` (recursively) that name one of the engine's
/// codes (`Code::…`, `Code::ALL` aside), each as `file:line: text`. A shell makes problems
/// only from its own codes: an engine code comes with the engine's error (`e.problem()`),
/// never from the shell naming one. The CLI's and the app's tests call this on their own
/// sources and expect nothing back.
pub fn engine_codes_named_in(src: &std::path::Path) -> std::io::Result<Vec<String>> {
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                sources(&path, out)?;
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    sources(src, &mut files)?;
    let mut named = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        for (n, line) in text.lines().enumerate() {
            let bare = line.match_indices("Code::").any(|(i, _)| {
                !line[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '"')
                    && !line[i..].starts_with("Code::ALL")
            });
            if bare {
                named.push(format!("{}:{}: {line}", file.display(), n + 1));
            }
        }
    }
    Ok(named)
}

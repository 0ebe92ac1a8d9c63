//! Accounts of a test registry and what each may do.
//!
//! The htpasswd mode only checks passwords (distribution's `htpasswd` controller lets every
//! authenticated user do everything); the token mode also enforces [`Grant`]s, because the
//! issuer puts only the allowed actions in the token's `access` claim
//! (<https://distribution.github.io/distribution/spec/auth/jwt/>).

/// Actions distribution checks on a `repository:NAME:ACTIONS` scope. `delete` is what a
/// `DELETE` of a manifest or blob needs in distribution 2.8.
pub const ALL_REPOSITORY_ACTIONS: &[&str] = &["pull", "push", "delete"];

/// One account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The login name.
    pub name: String,
    /// The plain password the tests type; only its bcrypt hash reaches disk.
    pub password: String,
    /// What the account may do, per repository namespace (token mode only).
    pub grants: Vec<Grant>,
    /// Whether the account may list `/v2/_catalog` (token mode only).
    pub catalog: bool,
}

/// Actions allowed on every repository under a namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `""` for every repository, else a namespace such as `team` (matches `team` and
    /// `team/…`, not `teammate`).
    pub namespace: String,
    /// Allowed actions, e.g. `["pull"]`; `"*"` allows every action asked for.
    pub actions: Vec<String>,
}

impl Grant {
    /// `actions` on every repository.
    pub fn everywhere(actions: &[&str]) -> Self {
        Self::under("", actions)
    }

    /// `actions` on the repositories under `namespace`.
    pub fn under(namespace: &str, actions: &[&str]) -> Self {
        Self {
            namespace: namespace.trim_matches('/').to_string(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
        }
    }

    fn covers(&self, repository: &str) -> bool {
        self.namespace.is_empty()
            || repository == self.namespace
            || repository
                .strip_prefix(&self.namespace)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

impl User {
    /// An account that may pull, push and delete everywhere and list the catalog.
    pub fn new(name: &str, password: &str) -> Self {
        Self::with_grants(
            name,
            password,
            vec![Grant::everywhere(ALL_REPOSITORY_ACTIONS)],
        )
    }

    /// An account that may only pull (and list the catalog): pushes get 401 from the
    /// registry in token mode.
    pub fn pull_only(name: &str, password: &str) -> Self {
        Self::with_grants(name, password, vec![Grant::everywhere(&["pull"])])
    }

    /// An account with exactly these grants (and the catalog).
    pub fn with_grants(name: &str, password: &str, grants: Vec<Grant>) -> Self {
        Self {
            name: name.to_string(),
            password: password.to_string(),
            grants,
            catalog: true,
        }
    }

    /// The same account without access to `/v2/_catalog`.
    pub fn without_catalog(mut self) -> Self {
        self.catalog = false;
        self
    }

    /// Which of `requested` actions this account may perform on `repository`.
    pub fn allowed_actions(&self, repository: &str, requested: &[String]) -> Vec<String> {
        let mut allowed = Vec::new();
        for action in requested {
            let ok = self
                .grants
                .iter()
                .any(|g| g.covers(repository) && g.actions.iter().any(|a| a == "*" || a == action));
            if ok && !allowed.contains(action) {
                allowed.push(action.clone());
            }
        }
        allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn namespace_grant_does_not_leak_to_a_longer_name() {
        let user = User::with_grants("u", "p", vec![Grant::under("team", &["pull", "push"])]);
        let want = strings(&["pull", "push"]);
        assert_eq!(user.allowed_actions("team/app", &want), want);
        assert_eq!(user.allowed_actions("team", &want), want);
        assert!(user.allowed_actions("teammate/app", &want).is_empty());
    }

    #[test]
    fn pull_only_user_gets_pull_but_not_push() {
        let user = User::pull_only("u", "p");
        let got = user.allowed_actions("a/b", &strings(&["pull", "push"]));
        assert_eq!(got, strings(&["pull"]));
    }

    #[test]
    fn wildcard_grant_allows_what_is_asked() {
        let user = User::with_grants("u", "p", vec![Grant::everywhere(&["*"])]);
        let got = user.allowed_actions("x", &strings(&["delete", "pull"]));
        assert_eq!(got, strings(&["delete", "pull"]));
    }
}

//! What the proxy does to a request: a [`Rule`] pairs a matcher (method, path prefix, path
//! regex, query text) with an [`Action`] and a budget of how many times it fires.
//!
//! Rules are tried in the order they were added; the first one that matches and still has
//! budget fires, and the request is otherwise forwarded untouched. One rule per request
//! keeps a test's expectations countable ("the first blob GET is cut, the second is not").

use std::time::Duration;

use regex::Regex;

use super::ProxyError;

/// A blob by digest: `GET`/`HEAD /v2/<name>/blobs/sha256:<hex>`.
pub const BLOB_PATH: &str = r"^/v2/.+/blobs/sha256:[0-9a-f]{64}$";
/// An upload session: `POST /v2/<name>/blobs/uploads/` and the `PATCH`/`PUT`/`GET` on its
/// `Location`.
pub const UPLOAD_PATH: &str = r"^/v2/.+/blobs/uploads/";
/// A manifest by tag or digest.
pub const MANIFEST_PATH: &str = r"^/v2/.+/manifests/[^/]+$";
/// The tag list of a repository (the path [`Action::PaginateTags`] answers).
pub const TAGS_PATH: &str = r"^/v2/(.+)/tags/list$";

/// What a firing rule does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Forwards the request, sends the response head and the first `bytes` bytes of its
    /// body, then closes the connection, as a network drop mid-blob does. A body of at most
    /// `bytes` bytes passes whole (the rule still counts as fired).
    CutAfter { bytes: u64 },
    /// Forwards the first `bytes` bytes of the request body (an upload) to the registry,
    /// then aborts both connections without an answer to the client.
    CutUploadAfter { bytes: u64 },
    /// Answers `code` without asking the registry, after reading (and discarding) the
    /// request body as a real server would. `retry_after` adds a `Retry-After: <secs>`
    /// header; an empty `body` is replaced by a distribution-style JSON error.
    Status {
        code: u16,
        retry_after: Option<u64>,
        body: String,
    },
    /// Waits this long, then forwards.
    Delay(Duration),
    /// Forwards, but lets both bodies through at no more than `bytes_per_sec`, so that a
    /// transfer lasts long enough to watch its progress or to kill it midway.
    Throttle { bytes_per_sec: u64 },
    /// Answers `GET /v2/<name>/tags/list` page by page from the registry's full list:
    /// tags sorted lexically, `last` honoured, `n` capped at `page_size` (and defaulting to
    /// it), and an RFC 5988 `Link: </v2/<name>/tags/list?n=…&last=…>; rel="next"` header
    /// while tags remain. distribution 2.8 ignores `n` and `last` for tags.
    PaginateTags { page_size: usize },
}

impl Action {
    fn default_times(&self) -> Option<usize> {
        match self {
            // A feature, not a fault: on for every request unless told otherwise.
            Action::PaginateTags { .. } | Action::Throttle { .. } => None,
            _ => Some(1),
        }
    }

    fn describe(&self) -> String {
        match self {
            Action::CutAfter { bytes } => format!("cut-after {bytes}"),
            Action::CutUploadAfter { bytes } => format!("cut-upload-after {bytes}"),
            Action::Status { code, .. } => format!("status {code}"),
            Action::Delay(d) => format!("delay {} ms", d.as_millis()),
            Action::Throttle { bytes_per_sec } => format!("throttle {bytes_per_sec} B/s"),
            Action::PaginateTags { page_size } => format!("paginate-tags {page_size}"),
        }
    }
}

/// An action, where it applies, and how often.
///
/// Faults ([`Action::CutAfter`], [`Action::CutUploadAfter`], [`Action::Status`],
/// [`Action::Delay`]) fire once by default; [`Action::PaginateTags`] and
/// [`Action::Throttle`] fire on every match. A rule with no matcher matches every request.
///
/// ```
/// use strata_testkit::proxy::{Rule, BLOB_PATH};
///
/// // The first two blob downloads are cut after 1 KiB; later ones pass.
/// let rule = Rule::cut_after(1024).method("GET").path_regex(BLOB_PATH).times(2);
/// # let _ = rule;
/// ```
#[derive(Debug, Clone)]
pub struct Rule {
    pub(crate) action: Action,
    method: Option<String>,
    path_prefix: Option<String>,
    path_regex: Option<String>,
    query_contains: Option<String>,
    times: Option<usize>,
    skip: usize,
    label: Option<String>,
}

impl Rule {
    /// A rule for `action` that matches every request.
    pub fn new(action: Action) -> Self {
        Self {
            times: action.default_times(),
            action,
            method: None,
            path_prefix: None,
            path_regex: None,
            query_contains: None,
            skip: 0,
            label: None,
        }
    }

    /// [`Action::CutAfter`].
    pub fn cut_after(bytes: u64) -> Self {
        Self::new(Action::CutAfter { bytes })
    }

    /// [`Action::CutUploadAfter`].
    pub fn cut_upload_after(bytes: u64) -> Self {
        Self::new(Action::CutUploadAfter { bytes })
    }

    /// [`Action::Status`] with a JSON error body and no `Retry-After`.
    pub fn status(code: u16) -> Self {
        Self::new(Action::Status {
            code,
            retry_after: None,
            body: String::new(),
        })
    }

    /// `429 Too Many Requests` with `Retry-After: <secs>`.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self::new(Action::Status {
            code: 429,
            retry_after: Some(retry_after_secs),
            body: String::new(),
        })
    }

    /// [`Action::Delay`].
    pub fn delay(delay: Duration) -> Self {
        Self::new(Action::Delay(delay))
    }

    /// [`Action::Throttle`].
    pub fn throttle(bytes_per_sec: u64) -> Self {
        Self::new(Action::Throttle { bytes_per_sec })
    }

    /// [`Action::PaginateTags`].
    pub fn paginate_tags(page_size: usize) -> Self {
        Self::new(Action::PaginateTags { page_size })
    }

    /// Only requests with this method (case-insensitive).
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only paths (without the query) starting with `prefix`.
    pub fn path_prefix(mut self, prefix: &str) -> Self {
        self.path_prefix = Some(prefix.to_string());
        self
    }

    /// Only paths (without the query) matching `regex`; checked by [`super::Proxy::start`].
    pub fn path_regex(mut self, regex: &str) -> Self {
        self.path_regex = Some(regex.to_string());
        self
    }

    /// Only requests whose raw query contains `text` (e.g. `"mount="`).
    pub fn query_contains(mut self, text: &str) -> Self {
        self.query_contains = Some(text.to_string());
        self
    }

    /// Fires on the first `n` matching requests (after [`Rule::skip`]), then passes them.
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }

    /// Fires on every matching request.
    pub fn always(mut self) -> Self {
        self.times = None;
        self
    }

    /// Lets the first `n` matching requests pass before firing ("cut the second blob").
    pub fn skip(mut self, n: usize) -> Self {
        self.skip = n;
        self
    }

    /// The name shown in [`super::Exchange::rule`] (default: a description of the action).
    pub fn label(mut self, label: &str) -> Self {
        self.label = Some(label.to_string());
        self
    }

    pub(crate) fn compile(self) -> Result<Compiled, ProxyError> {
        let regex = match &self.path_regex {
            Some(source) => Some(Regex::new(source).map_err(|e| ProxyError::BadRule {
                regex: source.clone(),
                reason: e.to_string(),
            })?),
            None => None,
        };
        let implied = match self.action {
            Action::PaginateTags { .. } => {
                Some(Regex::new(TAGS_PATH).map_err(|e| ProxyError::BadRule {
                    regex: TAGS_PATH.to_string(),
                    reason: e.to_string(),
                })?)
            }
            _ => None,
        };
        let label = self.label.clone().unwrap_or_else(|| self.action.describe());
        Ok(Compiled {
            rule: self,
            regex,
            implied,
            label,
            seen: 0,
            fired: 0,
        })
    }
}

/// A rule with its regexes built and its counters.
#[derive(Debug)]
pub(crate) struct Compiled {
    rule: Rule,
    regex: Option<Regex>,
    /// The path an action only makes sense on (tags list for pagination).
    implied: Option<Regex>,
    pub(crate) label: String,
    seen: usize,
    pub(crate) fired: usize,
}

/// A rule that fired for one request.
#[derive(Debug, Clone)]
pub(crate) struct Fired {
    pub(crate) action: Action,
    pub(crate) label: String,
}

impl Compiled {
    fn matches(&self, method: &str, path: &str, query: &str) -> bool {
        let rule = &self.rule;
        if self.implied.is_some() && method != "GET" {
            return false;
        }
        rule.method.as_deref().is_none_or(|m| m == method)
            && rule
                .path_prefix
                .as_deref()
                .is_none_or(|p| path.starts_with(p))
            && self.regex.as_ref().is_none_or(|r| r.is_match(path))
            && self.implied.as_ref().is_none_or(|r| r.is_match(path))
            && rule
                .query_contains
                .as_deref()
                .is_none_or(|q| query.contains(q))
    }

    /// Counts the match and says whether the rule fires for it.
    fn try_fire(&mut self, method: &str, path: &str, query: &str) -> Option<Fired> {
        if !self.matches(method, path, query) {
            return None;
        }
        self.seen += 1;
        if self.seen <= self.rule.skip {
            return None;
        }
        if self.rule.times.is_some_and(|n| self.fired >= n) {
            return None;
        }
        self.fired += 1;
        Some(Fired {
            action: self.rule.action.clone(),
            label: self.label.clone(),
        })
    }
}

/// The first rule, in order, that fires for this request.
pub(crate) fn pick(rules: &mut [Compiled], method: &str, path: &str, query: &str) -> Option<Fired> {
    rules
        .iter_mut()
        .find_map(|rule| rule.try_fire(method, path, query))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(rules: Vec<Rule>) -> Vec<Compiled> {
        rules
            .into_iter()
            .map(|r| r.compile().expect("rule compiles"))
            .collect()
    }

    #[test]
    fn a_rule_fires_its_budget_then_lets_later_rules_and_forwarding_through() {
        let mut rules = compiled(vec![
            Rule::status(500)
                .method("get")
                .path_prefix("/v2/a/")
                .times(2),
            Rule::status(503).path_regex(BLOB_PATH),
        ]);
        let blob = format!("/v2/a/blobs/sha256:{}", "0".repeat(64));
        let fired: Vec<Option<String>> = (0..4)
            .map(|_| pick(&mut rules, "GET", &blob, "").map(|f| f.label))
            .collect();
        assert_eq!(
            fired,
            vec![
                Some("status 500".to_string()),
                Some("status 500".to_string()),
                Some("status 503".to_string()),
                None
            ]
        );
        assert!(pick(&mut rules, "HEAD", "/v2/a/other", "").is_none());
    }

    #[test]
    fn skip_lets_the_first_matches_pass() {
        let mut rules = compiled(vec![Rule::cut_after(1).skip(1).label("second")]);
        assert!(pick(&mut rules, "GET", "/v2/", "").is_none());
        assert_eq!(
            pick(&mut rules, "GET", "/v2/", "").map(|f| f.label),
            Some("second".to_string())
        );
        assert!(pick(&mut rules, "GET", "/v2/", "").is_none());
    }

    #[test]
    fn pagination_only_answers_tag_list_gets_and_always_fires() {
        let mut rules = compiled(vec![Rule::paginate_tags(10)]);
        assert!(pick(&mut rules, "GET", "/v2/_catalog", "").is_none());
        assert!(pick(&mut rules, "HEAD", "/v2/a/b/tags/list", "").is_none());
        for _ in 0..3 {
            assert!(pick(&mut rules, "GET", "/v2/a/b/tags/list", "n=5").is_some());
        }
    }

    #[test]
    fn query_matching_finds_mounts() {
        let mut rules = compiled(vec![Rule::status(500).query_contains("mount=")]);
        assert!(pick(&mut rules, "POST", "/v2/a/blobs/uploads/", "").is_none());
        assert!(pick(
            &mut rules,
            "POST",
            "/v2/a/blobs/uploads/",
            "mount=sha256:00&from=b"
        )
        .is_some());
    }

    #[test]
    fn a_bad_regex_is_refused_with_its_text() {
        let err = Rule::status(500)
            .path_regex("(")
            .compile()
            .expect_err("refused");
        assert!(err.to_string().contains("\"(\""), "{err}");
    }
}

//! Following `Link` pagination (`rel="next"`, [OCI distribution spec § listing tags]) for
//! tag lists and the catalog, so that a registry cannot keep a listing going for ever: a
//! `Link` that leads back to a page already read, or a page that lists nothing new, is an
//! error that says so; so is a listing past [`MAX_PAGES`] pages or [`MAX_NAMES`] names. An
//! empty page ends the listing quietly, as some registries send a `Link` to one.
//!
//! [OCI distribution spec § listing tags]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags

use std::collections::HashSet;

use url::Url;

/// Most pages one listing follows. Distribution serves at most 100 catalog entries per page
/// by default and, asked for 1000, as many tags: 10,000 pages are a million names or more,
/// beyond any real repository's tags. A registry still sending `Link`s is looping or hostile.
pub const MAX_PAGES: usize = 10_000;

/// Most names one listing holds (they are all kept in memory, twice: in order, and to spot
/// a page that lists nothing new). A repository of nightly builds has tens of thousands of
/// tags; a million is far past that and still a few tens of MB.
pub const MAX_NAMES: usize = 1_000_000;

/// Most bytes of names one listing holds. A name is short (a tag at most 128 characters, a
/// repository 255), but a registry answering pages of one 16 MiB name each would otherwise
/// fill memory long before [`MAX_NAMES`] or [`MAX_PAGES`]: a million names of 64 bytes fit.
pub const MAX_NAME_BYTES: usize = 64 << 20;

/// One listing's walk through its pages.
pub(crate) struct Pager {
    /// `the tag list of team/app`: for messages.
    what: String,
    /// Every page URL asked for so far, the first included.
    asked: HashSet<Url>,
    names: HashSet<String>,
    /// Bytes of the names kept.
    bytes: usize,
    pages: usize,
}

impl Pager {
    pub(crate) fn new(what: impl Into<String>, first: &Url) -> Self {
        Pager {
            what: what.into(),
            asked: HashSet::from([first.clone()]),
            names: HashSet::new(),
            bytes: 0,
            pages: 0,
        }
    }

    /// Takes the names of the page just read and the page its `Link` header names. Appends
    /// the names not listed before to `out`, in order, and returns the next page to read,
    /// `None` at the end. The `Err` is the reason the listing cannot go on.
    pub(crate) fn page(
        &mut self,
        names: Vec<String>,
        link: Option<Url>,
        out: &mut Vec<String>,
    ) -> Result<Option<Url>, String> {
        self.pages += 1;
        if names.is_empty() {
            return Ok(None);
        }
        let before = out.len();
        for name in names {
            if self.names.contains(&name) {
                continue;
            }
            self.bytes += name.len();
            if self.bytes > MAX_NAME_BYTES {
                return Err(format!(
                    "{} holds more than {} MiB of names",
                    self.what,
                    MAX_NAME_BYTES >> 20
                ));
            }
            self.names.insert(name.clone());
            out.push(name);
        }
        if out.len() == before {
            return Err(self.no_end(format!(
                "page {} lists only names already listed",
                self.pages
            )));
        }
        if self.names.len() > MAX_NAMES {
            return Err(format!("{} holds more than {MAX_NAMES} names", self.what));
        }
        let Some(link) = link else {
            return Ok(None);
        };
        if !self.asked.insert(link.clone()) {
            return Err(self.no_end(format!(
                "page {} links back to {link}, which was already read",
                self.pages
            )));
        }
        if self.pages >= MAX_PAGES {
            return Err(self.no_end(format!("it goes on past {MAX_PAGES} pages")));
        }
        Ok(Some(link))
    }

    /// Pages read so far.
    pub(crate) fn pages(&self) -> usize {
        self.pages
    }

    fn no_end(&self, why: String) -> String {
        format!("{} does not end: {why}", self.what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(query: &str) -> Url {
        Url::parse(&format!("http://127.0.0.1:5000/v2/app/tags/list?{query}")).unwrap()
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn pages_are_followed_to_the_end_keeping_new_names_in_order() {
        let mut p = Pager::new("the tag list of app", &url("n=2"));
        let mut out = Vec::new();
        let next = p.page(names(&["a", "b"]), Some(url("n=2&last=b")), &mut out);
        assert_eq!(next, Ok(Some(url("n=2&last=b"))));
        // A registry that repeats `last` on the next page: the repeat is dropped.
        let next = p.page(names(&["b", "c"]), Some(url("n=2&last=c")), &mut out);
        assert_eq!(next, Ok(Some(url("n=2&last=c"))));
        // An empty page ends it, whatever its Link says.
        assert_eq!(p.page(vec![], Some(url("n=2")), &mut out), Ok(None));
        assert_eq!(out, names(&["a", "b", "c"]));
        assert_eq!(p.pages(), 3);
    }

    #[test]
    fn a_link_back_to_a_page_already_read_is_an_error() {
        let mut p = Pager::new("the tag list of app", &url("n=2"));
        let mut out = Vec::new();
        p.page(names(&["a"]), Some(url("last=a")), &mut out)
            .unwrap();
        let err = p
            .page(names(&["b"]), Some(url("n=2")), &mut out)
            .unwrap_err();
        assert!(
            err.starts_with("the tag list of app does not end: page 2 links back to"),
            "{err}"
        );
    }

    #[test]
    fn a_page_with_nothing_new_is_an_error_whatever_its_url() {
        let mut p = Pager::new("the catalog", &url("n=2"));
        let mut out = Vec::new();
        p.page(names(&["a", "b"]), Some(url("x=1")), &mut out)
            .unwrap();
        p.page(names(&["c"]), Some(url("x=2")), &mut out).unwrap();
        let err = p
            .page(names(&["a", "c"]), Some(url("x=3")), &mut out)
            .unwrap_err();
        assert_eq!(
            err,
            "the catalog does not end: page 3 lists only names already listed"
        );
    }

    #[test]
    fn pages_and_names_are_bounded() {
        let mut p = Pager::new("the catalog", &url("page=0"));
        let mut out = Vec::new();
        let mut err = None;
        for i in 0..MAX_PAGES {
            match p.page(
                vec![i.to_string()],
                Some(url(&format!("page={}", i + 1))),
                &mut out,
            ) {
                Ok(next) => assert!(next.is_some()),
                Err(e) => {
                    err = Some((i, e));
                    break;
                }
            }
        }
        let (i, err) = err.expect("the pages never stopped");
        assert_eq!(i + 1, MAX_PAGES);
        assert!(err.ends_with("goes on past 10000 pages"), "{err}");

        let mut p = Pager::new("the catalog", &url("n=1"));
        let huge: Vec<String> = (0..=MAX_NAMES).map(|i| i.to_string()).collect();
        let err = p.page(huge, None, &mut Vec::new()).unwrap_err();
        assert_eq!(err, "the catalog holds more than 1000000 names");

        // Pages of one 1 MiB name each: refused at 64 MiB, long before a million names.
        let mut p = Pager::new("the tag list of app", &url("n=1"));
        let mut out = Vec::new();
        let mut err = None;
        for i in 0..100 {
            let name = format!("{i:03}{}", "x".repeat(1 << 20));
            if let Err(e) = p.page(vec![name], Some(url(&format!("page={}", i + 1))), &mut out) {
                err = Some((i, e));
                break;
            }
        }
        let (i, err) = err.expect("a listing of 100 MiB of names was taken whole");
        assert_eq!(i, 63, "{err}");
        assert_eq!(err, "the tag list of app holds more than 64 MiB of names");
    }
}

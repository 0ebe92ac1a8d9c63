//! Tag-list pagination in front of a registry that has none: the distribution spec's
//! "Listing Tags" with `n` and `last`
//! (<https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags>)
//! and an RFC 5988 `Link` header to the next page. distribution 2.8 returns every tag
//! and ignores both parameters; its `_catalog` does paginate, so only tags need this.

use std::sync::Arc;

use http::header::{self, HeaderValue};
use http::{Method, Request, Response};
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Incoming;

use super::body::{BoxError, ProxyBody, TapConfig};
use super::log::{Entry, Side};
use super::serve::{error_response, made_up, relay, send, Shared, Upstream};

/// A tag list larger than this is not a test fixture.
const MAX_TAG_LIST: usize = 16 * 1024 * 1024;

#[derive(serde::Deserialize)]
struct TagList {
    name: String,
    tags: Option<Vec<String>>,
}

/// One page, and the `Link` to the next one when tags remain.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Page {
    pub(crate) tags: Vec<String>,
    pub(crate) next: Option<String>,
}

/// Cuts `all` into the page after `last` holding at most `min(n, page_size)` tags.
pub(crate) fn page(
    name: &str,
    mut all: Vec<String>,
    n: Option<usize>,
    last: Option<&str>,
    page_size: usize,
) -> Page {
    all.sort();
    all.dedup();
    let size = n.unwrap_or(page_size).min(page_size);
    let rest: Vec<String> = all
        .into_iter()
        .filter(|t| last.is_none_or(|l| t.as_str() > l))
        .collect();
    let more = rest.len() > size;
    let tags: Vec<String> = rest.into_iter().take(size).collect();
    let next = match (more, tags.last()) {
        (true, Some(last)) => {
            let last: String = url::form_urlencoded::byte_serialize(last.as_bytes()).collect();
            Some(format!(
                "</v2/{name}/tags/list?n={size}&last={last}>; rel=\"next\""
            ))
        }
        _ => None,
    };
    Page { tags, next }
}

/// Answers a tag-list GET from the registry's full list, one page at a time.
pub(crate) async fn paginate(
    shared: &Shared,
    client: &Upstream,
    req: Request<Incoming>,
    entry: &Arc<Entry>,
    page_size: usize,
) -> Result<Response<ProxyBody>, BoxError> {
    let path = req.uri().path().to_string();
    let mut n = None;
    let mut last = None;
    for (key, value) in
        url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
    {
        match key.as_ref() {
            "n" => match value.parse::<usize>() {
                Ok(v) => n = Some(v),
                Err(_) => {
                    return Ok(error_response(
                        400,
                        "PAGINATION_NUMBER_INVALID",
                        "invalid number of results requested",
                        entry,
                    ))
                }
            },
            "last" => last = Some(value.into_owned()),
            _ => {}
        }
    }
    let body = ProxyBody::new(Empty::new().map_err(|never| match never {}));
    let response = match send(
        shared,
        client,
        Method::GET,
        &path,
        req.headers(),
        body,
        entry,
    )
    .await
    {
        Ok(response) => response,
        Err(e) => {
            return Ok(error_response(
                502,
                "UNAVAILABLE",
                &format!("the strata-testkit proxy could not reach the registry: {e}"),
                entry,
            ))
        }
    };
    if !response.status().is_success() {
        // 401 challenges, 404 NAME_UNKNOWN: the client must see the registry's own answer.
        return Ok(relay(
            shared,
            response,
            entry,
            TapConfig {
                side: Side::Response,
                cut_after: None,
                bytes_per_sec: None,
            },
        ));
    }
    let api_version = response
        .headers()
        .get("docker-distribution-api-version")
        .cloned();
    let bytes = Limited::new(response.into_body(), MAX_TAG_LIST)
        .collect()
        .await?
        .to_bytes();
    let list: TagList = serde_json::from_slice(&bytes)?;
    let page = page(
        &list.name,
        list.tags.unwrap_or_default(),
        n,
        last.as_deref(),
        page_size,
    );
    let body = serde_json::json!({ "name": list.name, "tags": page.tags }).to_string();
    let mut answer = made_up(200, body, entry);
    if let Some(next) = page.next {
        answer
            .headers_mut()
            .insert(header::LINK, HeaderValue::from_str(&next)?);
    }
    if let Some(version) = api_version {
        answer
            .headers_mut()
            .insert("docker-distribution-api-version", version);
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn pages_follow_lexical_order_and_link_to_the_next() {
        let all = tags(&["b", "a", "10", "9", "c"]);
        let first = page("lib/app", all.clone(), None, None, 2);
        assert_eq!(first.tags, tags(&["10", "9"]));
        assert_eq!(
            first.next.as_deref(),
            Some("</v2/lib/app/tags/list?n=2&last=9>; rel=\"next\"")
        );
        let last = page("lib/app", all, Some(5), Some("a"), 2);
        assert_eq!(last.tags, tags(&["b", "c"]));
        assert_eq!(last.next, None, "no Link on the final page");
    }

    #[test]
    fn n_is_capped_by_the_page_size_and_zero_gives_an_empty_page() {
        let all = tags(&["a", "b", "c"]);
        assert_eq!(page("x", all.clone(), Some(100), None, 2).tags.len(), 2);
        assert_eq!(page("x", all.clone(), Some(1), None, 2).tags, tags(&["a"]));
        assert_eq!(
            page("x", all, Some(0), None, 2),
            Page {
                tags: vec![],
                next: None
            }
        );
    }
}

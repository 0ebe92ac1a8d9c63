//! A fake Docker Hub API (`/v2`) on a loopback port that keeps state: the repositories of
//! the account's namespace and of its organisations, and their tags. Shapes follow
//! Docker's "Docker Hub API" reference: `POST /v2/auth/token` with `{identifier, secret}`
//! answers `{access_token}`, which every other call must carry as a bearer token;
//! `/v2/namespaces/{ns}/repositories` lists (paged: `page`, `page_size`, answered with
//! `count`, `next`, `previous`, `results`) and creates (`{name, namespace, description,
//! full_description, is_private}`); a repository is read and deleted at
//! `/v2/namespaces/{ns}/repositories/{name}`; refusals carry `message`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rand::distributions::{Alphanumeric, DistString};
use serde_json::{json, Value};

use crate::http_fake::{Request, Response, Served};

#[derive(Debug, Clone)]
struct Repo {
    description: String,
    full_description: String,
    private: bool,
    tags: Vec<(String, u64)>,
}

#[derive(Default)]
struct State {
    /// namespace → name → repository.
    repos: BTreeMap<String, BTreeMap<String, Repo>>,
}

/// A running fake Docker Hub.
pub struct HubServer {
    served: Served,
    state: Arc<Mutex<State>>,
}

struct Account {
    user: String,
    token: String,
    orgs: Vec<String>,
    bearer: String,
}

impl HubServer {
    /// Serves on a free loopback port for one account (`user` with a personal access
    /// token) that belongs to `orgs`.
    pub fn start(user: &str, token: &str, orgs: &[&str]) -> std::io::Result<Self> {
        let state: Arc<Mutex<State>> = Arc::default();
        let account = Account {
            user: user.to_string(),
            token: token.to_string(),
            orgs: orgs.iter().map(|o| o.to_string()).collect(),
            bearer: Alphanumeric.sample_string(&mut rand::thread_rng(), 32),
        };
        let shared = Arc::clone(&state);
        let served = Served::start("testkit-hub", move |req| {
            let mut state = shared.lock().unwrap_or_else(|p| p.into_inner());
            handle(&account, &mut state, req)
        })?;
        Ok(Self { served, state })
    }

    /// `http://127.0.0.1:PORT`: what `--api-endpoint` points at.
    pub fn url(&self) -> String {
        format!("http://{}", self.served.addr)
    }

    /// `namespace/name` of every repository, sorted.
    pub fn repositories(&self) -> Vec<String> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .repos
            .iter()
            .flat_map(|(ns, repos)| repos.keys().map(move |r| format!("{ns}/{r}")))
            .collect()
    }

    /// Adds a tag to an existing repository, as a push would.
    pub fn push(&self, namespace: &str, name: &str, tag: &str, size: u64) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match state.repos.get_mut(namespace).and_then(|r| r.get_mut(name)) {
            Some(repo) => {
                repo.tags.push((tag.to_string(), size));
                true
            }
            None => false,
        }
    }
}

fn message(status: u16, text: &str) -> Response {
    Response::json(status, json!({ "message": text, "errinfo": {} }))
}

fn handle(account: &Account, state: &mut State, req: &Request) -> Response {
    if req.method == "POST" && req.path == "/v2/auth/token" {
        let body = req.json();
        let ok = body["identifier"].as_str() == Some(account.user.as_str())
            && body["secret"].as_str() == Some(account.token.as_str());
        return if ok {
            Response::json(200, json!({ "access_token": account.bearer }))
        } else {
            message(401, "incorrect username or password")
        };
    }
    if req.header("authorization") != Some(format!("Bearer {}", account.bearer).as_str()) {
        return message(401, "authentication required");
    }
    let segs: Vec<&str> = req.path.trim_end_matches('/').split('/').collect();
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["", "v2", "user", "orgs"]) => {
            let orgs = account
                .orgs
                .iter()
                .map(|o| json!({ "orgname": o }))
                .collect();
            paged(req, "/v2/user/orgs/", orgs)
        }
        (method, ["", "v2", "namespaces", ns, "repositories", more @ ..]) => {
            let mine = *ns == account.user || account.orgs.iter().any(|o| o == ns);
            if !mine {
                return message(403, "you do not have access to this namespace");
            }
            let repos = state.repos.entry(ns.to_string()).or_default();
            repositories(repos, ns, method, more, req)
        }
        _ => message(404, "not found"),
    }
}

fn paged(req: &Request, path: &str, items: Vec<Value>) -> Response {
    let (page, size) = req.paging(10, 100);
    let count = items.len();
    let results: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    let next = if page * size < count {
        Value::String(format!("{path}?page={}&page_size={size}", page + 1))
    } else {
        Value::Null
    };
    Response::json(
        200,
        json!({ "count": count, "next": next, "previous": null, "results": results }),
    )
}

fn repo_json(ns: &str, name: &str, r: &Repo) -> Value {
    json!({
        "name": name,
        "namespace": ns,
        "repository_type": "image",
        "description": r.description,
        "full_description": r.full_description,
        "is_private": r.private,
        "star_count": 0,
        "pull_count": 0,
        "date_registered": "2026-01-01T00:00:00Z",
        "last_updated": "2026-01-02T00:00:00Z",
    })
}

fn repositories(
    repos: &mut BTreeMap<String, Repo>,
    ns: &str,
    method: &str,
    more: &[&str],
    req: &Request,
) -> Response {
    match (method, more) {
        ("GET", []) => {
            let items = repos.iter().map(|(n, r)| repo_json(ns, n, r)).collect();
            paged(req, &format!("/v2/namespaces/{ns}/repositories"), items)
        }
        ("POST", []) => {
            let body = req.json();
            let name = body["name"].as_str().unwrap_or_default().to_string();
            if name.len() < 2 || body["namespace"].as_str() != Some(ns) {
                return message(400, "name and namespace are required");
            }
            if repos.contains_key(&name) {
                return message(409, "repository with this name already exists");
            }
            let repo = Repo {
                description: body["description"].as_str().unwrap_or_default().into(),
                full_description: body["full_description"].as_str().unwrap_or_default().into(),
                private: body["is_private"].as_bool().unwrap_or(false),
                tags: Vec::new(),
            };
            let answer = repo_json(ns, &name, &repo);
            repos.insert(name, repo);
            Response::json(201, answer)
        }
        ("GET", [name]) => match repos.get(*name) {
            Some(r) => Response::json(200, repo_json(ns, name, r)),
            None => message(404, "object not found"),
        },
        ("DELETE", [name]) => match repos.remove(*name) {
            Some(_) => Response::json(202, Value::Null),
            None => message(404, "object not found"),
        },
        ("GET", [name, "tags"]) => match repos.get(*name) {
            Some(r) => {
                let items = r
                    .tags
                    .iter()
                    .map(|(t, size)| {
                        json!({
                            "name": t,
                            "full_size": size,
                            "digest": format!("sha256:{size:064x}"),
                            "last_updated": "2026-01-02T00:00:00Z",
                        })
                    })
                    .collect();
                paged(
                    req,
                    &format!("/v2/namespaces/{ns}/repositories/{name}/tags"),
                    items,
                )
            }
            None => message(404, "object not found"),
        },
        _ => message(404, "not found"),
    }
}

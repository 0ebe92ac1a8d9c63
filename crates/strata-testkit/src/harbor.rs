//! A fake Harbor v2 API (`/api/v2.0`) on a loopback port that keeps state: projects
//! (public or private), the repositories in them and their artifacts with tags. Request
//! and answer shapes follow Harbor's Swagger (`api/v2.0/swagger.yaml`): lists page with
//! `page`/`page_size` and give `X-Total-Count`, repository names in paths are encoded
//! twice (`a%252Fb`), refusals are `{"errors": [{"code", "message"}]}`. Every call needs
//! the one Basic login it was given. Harbor creates repositories on push, so a test adds
//! them with [`HarborServer::push`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::{json, Value};

use crate::http_fake::{Request, Response, Served};

#[derive(Debug, Clone, Default)]
struct Project {
    id: u64,
    public: bool,
    repos: BTreeMap<String, Vec<(String, String, u64)>>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    projects: BTreeMap<String, Project>,
}

/// A running fake Harbor.
pub struct HarborServer {
    served: Served,
    state: Arc<Mutex<State>>,
}

impl HarborServer {
    /// Serves on a free loopback port, accepting only `user`/`password`.
    pub fn start(user: &str, password: &str) -> std::io::Result<Self> {
        let state: Arc<Mutex<State>> = Arc::default();
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        );
        let shared = Arc::clone(&state);
        let served = Served::start("testkit-harbor", move |req| {
            if req.header("authorization") != Some(expected.as_str()) {
                return error(401, "UNAUTHORIZED", "unauthorized");
            }
            let mut state = shared.lock().unwrap_or_else(|p| p.into_inner());
            handle(&mut state, req)
        })?;
        Ok(Self { served, state })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.served.addr)
    }

    /// Adds a repository with one tag to a project, as a push would; false when the
    /// project does not exist.
    pub fn push(&self, project: &str, repo: &str, tag: &str, size: u64) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(p) = state.projects.get_mut(project) else {
            return false;
        };
        let digest = format!("sha256:{:064x}", size);
        p.repos
            .entry(repo.to_string())
            .or_default()
            .push((tag.to_string(), digest, size));
        true
    }

    /// Project names, sorted.
    pub fn projects(&self) -> Vec<String> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.projects.keys().cloned().collect()
    }

    /// `(method, raw path, status)` of every request so far.
    pub fn calls(&self) -> Vec<(String, String, u16)> {
        self.served
            .log
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
    }
}

fn error(status: u16, code: &str, message: &str) -> Response {
    Response::json(
        status,
        json!({ "errors": [{ "code": code, "message": message }] }),
    )
}

fn paged(req: &Request, items: Vec<Value>) -> Response {
    let (page, size) = req.paging(10, 100);
    let total = items.len();
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    Response::json(200, Value::Array(slice)).header("X-Total-Count", total)
}

/// A path segment decoded once more: Harbor's repository names are encoded twice.
fn decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("p={segment}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn project_json(name: &str, p: &Project) -> Value {
    json!({
        "project_id": p.id,
        "name": name,
        "repo_count": p.repos.len(),
        "metadata": { "public": p.public.to_string() },
        "creation_time": "2026-01-01T00:00:00.000Z",
    })
}

fn handle(state: &mut State, req: &Request) -> Response {
    let Some(rest) = req.path.strip_prefix("/api/v2.0/") else {
        return error(404, "NOT_FOUND", "not found");
    };
    let segments: Vec<String> = rest.split('/').map(decode).collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["projects"]) => {
            let items = state
                .projects
                .iter()
                .map(|(n, p)| project_json(n, p))
                .collect();
            paged(req, items)
        }
        ("POST", ["projects"]) => create_project(state, req),
        ("GET", ["projects", name]) => match state.projects.get(*name) {
            Some(p) => Response::json(200, project_json(name, p)),
            None => error(404, "NOT_FOUND", "project not found"),
        },
        ("DELETE", ["projects", name]) => match state.projects.get(*name) {
            None => error(404, "NOT_FOUND", "project not found"),
            Some(p) if !p.repos.is_empty() => error(
                412,
                "PRECONDITION",
                "the project contains repositories, can not be deleted",
            ),
            Some(_) => {
                state.projects.remove(*name);
                Response::json(200, Value::Null)
            }
        },
        (method, ["projects", project, "repositories", more @ ..]) => {
            let Some(p) = state.projects.get_mut(*project) else {
                return error(404, "NOT_FOUND", "project not found");
            };
            repositories(p, project, method, more, req)
        }
        _ => error(404, "NOT_FOUND", "not found"),
    }
}

fn create_project(state: &mut State, req: &Request) -> Response {
    let body = req.json();
    let name = body["project_name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if name.len() < 2 {
        return error(400, "BAD_REQUEST", "project_name is required");
    }
    if state.projects.contains_key(&name) {
        return error(
            409,
            "CONFLICT",
            &format!("The project named {name} already exists"),
        );
    }
    state.next_id += 1;
    let project = Project {
        id: state.next_id,
        public: body["metadata"]["public"].as_str() == Some("true"),
        repos: BTreeMap::new(),
    };
    state.projects.insert(name.clone(), project);
    Response::json(201, Value::Null).header("Location", format!("/api/v2.0/projects/{name}"))
}

fn repositories(
    p: &mut Project,
    project: &str,
    method: &str,
    more: &[&str],
    req: &Request,
) -> Response {
    let project_id = p.id;
    let repo_json = |name: &str, tags: &[(String, String, u64)]| {
        json!({
            "id": 1,
            "project_id": project_id,
            "name": format!("{project}/{name}"),
            "description": "",
            "artifact_count": tags.len(),
            "creation_time": "2026-01-01T00:00:00.000Z",
            "update_time": "2026-01-02T00:00:00.000Z",
        })
    };
    match (method, more) {
        ("GET", []) => {
            let items = p.repos.iter().map(|(n, t)| repo_json(n, t)).collect();
            paged(req, items)
        }
        ("GET", [name]) => match p.repos.get(*name) {
            Some(t) => Response::json(200, repo_json(name, t)),
            None => error(404, "NOT_FOUND", "repository not found"),
        },
        ("DELETE", [name]) => match p.repos.remove(*name) {
            Some(_) => Response::json(200, Value::Null),
            None => error(404, "NOT_FOUND", "repository not found"),
        },
        ("GET", [name, "artifacts"]) => match p.repos.get(*name) {
            Some(tags) => {
                let items = tags
                    .iter()
                    .map(|(tag, digest, size)| {
                        json!({
                            "digest": digest,
                            "size": size,
                            "push_time": "2026-01-02T00:00:00.000Z",
                            "tags": [{ "name": tag, "push_time": "2026-01-02T00:00:00.000Z" }],
                        })
                    })
                    .collect();
                paged(req, items)
            }
            None => error(404, "NOT_FOUND", "repository not found"),
        },
        _ => error(404, "NOT_FOUND", "not found"),
    }
}

//! What one account (Personal Edition) or one instance (Enterprise Edition) holds:
//! namespaces, repositories in them, tags in those. Both API styles read and change it
//! through these few operations, so create, list and delete agree whichever asked.

use std::collections::BTreeMap;

/// Largest page any list answers; a bigger `PageSize` is clamped to it, as the
/// Enterprise Edition reference says it may do.
pub(crate) const MAX_PAGE_SIZE: usize = 100;
/// `PageSize` when the request names none.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 30;

/// A namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Namespace {
    pub id: u64,
    pub name: String,
    pub auto_create: bool,
    /// `PUBLIC` or `PRIVATE`.
    pub default_visibility: String,
}

/// A repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Repo {
    pub id: u64,
    pub namespace: String,
    pub name: String,
    pub summary: String,
    pub detail: String,
    /// `PUBLIC` or `PRIVATE`.
    pub repo_type: String,
    /// Milliseconds since the epoch, as the API reports times.
    pub created_ms: i64,
    pub modified_ms: i64,
    pub tags: BTreeMap<String, Tag>,
}

/// One tag of a repository, as the tag lists report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// The tag name.
    pub tag: String,
    /// Manifest digest, hex without `sha256:` (the Personal Edition's `digest`).
    pub digest: String,
    /// Image ID (config digest), hex.
    pub image_id: String,
    /// Bytes.
    pub size: u64,
    /// Milliseconds since the epoch.
    pub created_ms: i64,
    /// Milliseconds since the epoch.
    pub updated_ms: i64,
}

/// Why an operation did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreError {
    InvalidName(String),
    NamespaceExists(String),
    NamespaceMissing(String),
    RepoExists(String),
    RepoMissing(String),
}

/// One account's or one instance's content.
#[derive(Debug, Default)]
pub(crate) struct Store {
    namespaces: BTreeMap<String, Namespace>,
    /// By (namespace, name), so lists come out sorted.
    repos: BTreeMap<(String, String), Repo>,
    next_id: u64,
}

impl Store {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn namespaces(&self) -> Vec<&Namespace> {
        self.namespaces.values().collect()
    }

    pub fn namespace(&self, name: &str) -> Result<&Namespace, StoreError> {
        self.namespaces
            .get(name)
            .ok_or_else(|| StoreError::NamespaceMissing(name.to_string()))
    }

    pub fn create_namespace(
        &mut self,
        name: &str,
        auto_create: bool,
        default_visibility: &str,
    ) -> Result<&Namespace, StoreError> {
        check_name(name)?;
        if self.namespaces.contains_key(name) {
            return Err(StoreError::NamespaceExists(name.to_string()));
        }
        let id = self.next_id();
        let namespace = Namespace {
            id,
            name: name.to_string(),
            auto_create,
            default_visibility: visibility(default_visibility),
        };
        Ok(self.namespaces.entry(name.to_string()).or_insert(namespace))
    }

    /// Removes the namespace and every repository in it, as ACR does.
    pub fn delete_namespace(&mut self, name: &str) -> Result<(), StoreError> {
        self.namespaces
            .remove(name)
            .ok_or_else(|| StoreError::NamespaceMissing(name.to_string()))?;
        self.repos.retain(|(ns, _), _| ns != name);
        Ok(())
    }

    /// The repositories of `namespace` (all of them when `None`), sorted by name.
    pub fn repos(&self, namespace: Option<&str>) -> Vec<&Repo> {
        self.repos
            .values()
            .filter(|r| namespace.is_none_or(|ns| r.namespace == ns))
            .collect()
    }

    pub fn repo(&self, namespace: &str, name: &str) -> Result<&Repo, StoreError> {
        self.repos
            .get(&(namespace.to_string(), name.to_string()))
            .ok_or_else(|| StoreError::RepoMissing(format!("{namespace}/{name}")))
    }

    pub fn repo_by_id(&self, id: u64) -> Result<&Repo, StoreError> {
        self.repos
            .values()
            .find(|r| r.id == id)
            .ok_or_else(|| StoreError::RepoMissing(id.to_string()))
    }

    pub fn create_repo(&mut self, new: NewRepo<'_>, now_ms: i64) -> Result<&Repo, StoreError> {
        check_name(new.name)?;
        self.namespace(new.namespace)?;
        let key = (new.namespace.to_string(), new.name.to_string());
        if self.repos.contains_key(&key) {
            return Err(StoreError::RepoExists(format!(
                "{}/{}",
                new.namespace, new.name
            )));
        }
        let id = self.next_id();
        let repo = Repo {
            id,
            namespace: new.namespace.to_string(),
            name: new.name.to_string(),
            summary: new.summary.to_string(),
            detail: new.detail.to_string(),
            repo_type: visibility(new.repo_type),
            created_ms: now_ms,
            modified_ms: now_ms,
            tags: BTreeMap::new(),
        };
        Ok(self.repos.entry(key).or_insert(repo))
    }

    pub fn delete_repo(&mut self, namespace: &str, name: &str) -> Result<(), StoreError> {
        self.repos
            .remove(&(namespace.to_string(), name.to_string()))
            .map(drop)
            .ok_or_else(|| StoreError::RepoMissing(format!("{namespace}/{name}")))
    }

    pub fn delete_repo_by_id(&mut self, id: u64) -> Result<(), StoreError> {
        let repo = self.repo_by_id(id)?;
        let key = (repo.namespace.clone(), repo.name.clone());
        self.repos.remove(&key);
        Ok(())
    }

    /// Adds or replaces a tag, as a push would.
    pub fn put_tag(&mut self, namespace: &str, name: &str, tag: Tag) -> Result<(), StoreError> {
        let repo = self
            .repos
            .get_mut(&(namespace.to_string(), name.to_string()))
            .ok_or_else(|| StoreError::RepoMissing(format!("{namespace}/{name}")))?;
        repo.modified_ms = repo.modified_ms.max(tag.updated_ms);
        repo.tags.insert(tag.tag.clone(), tag);
        Ok(())
    }
}

/// The fields of a repository to create.
pub(crate) struct NewRepo<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub summary: &'a str,
    pub detail: &'a str,
    pub repo_type: &'a str,
}

/// `PUBLIC` stays `PUBLIC`; anything else is `PRIVATE`, the console's default.
fn visibility(value: &str) -> String {
    if value.eq_ignore_ascii_case("PUBLIC") {
        "PUBLIC".into()
    } else {
        "PRIVATE".into()
    }
}

/// The documented rule for namespace and repository names: 2 to 30 characters of
/// lowercase letters, digits, `-` and `_`, not starting with `-` or `_`.
fn check_name(name: &str) -> Result<(), StoreError> {
    let allowed = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    let first_ok = name.bytes().next().is_some_and(|b| b != b'-' && b != b'_');
    if (2..=30).contains(&name.len()) && allowed && first_ok {
        Ok(())
    } else {
        Err(StoreError::InvalidName(name.to_string()))
    }
}

/// One page (numbered from 1) of `items`.
pub(crate) fn page<T: Clone>(items: &[T], page: usize, size: usize) -> Vec<T> {
    let size = size.clamp(1, MAX_PAGE_SIZE);
    let start = page.max(1).saturating_sub(1).saturating_mul(size);
    items.iter().skip(start).take(size).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_repo<'a>(namespace: &'a str, name: &'a str) -> NewRepo<'a> {
        NewRepo {
            namespace,
            name,
            summary: "s",
            detail: "",
            repo_type: "PRIVATE",
        }
    }

    #[test]
    fn names_follow_the_documented_rule() {
        for good in ["ab", "team", "a-b_c", "0x", &"a".repeat(30)] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["a", "-ab", "_ab", "Team", "a.b", "a/b", "", &"a".repeat(31)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deleting_a_namespace_deletes_its_repositories() {
        let mut store = Store::default();
        store.create_namespace("team", false, "PRIVATE").unwrap();
        store.create_namespace("other", false, "PRIVATE").unwrap();
        store.create_repo(new_repo("team", "app"), 1).unwrap();
        store.create_repo(new_repo("other", "app"), 1).unwrap();
        store.delete_namespace("team").unwrap();
        assert_eq!(store.repos(None).len(), 1);
        assert_eq!(
            store.create_repo(new_repo("team", "app"), 1),
            Err(StoreError::NamespaceMissing("team".into()))
        );
    }

    #[test]
    fn pages_cover_everything_once_and_clamp_the_size() {
        let items: Vec<u32> = (0..250).collect();
        let pages: Vec<Vec<u32>> = (1..=3).map(|p| page(&items, p, 100)).collect();
        assert_eq!(
            pages.iter().map(Vec::len).collect::<Vec<_>>(),
            [100, 100, 50]
        );
        assert_eq!(pages.concat(), items);
        assert!(page(&items, 4, 100).is_empty());
        assert_eq!(page(&items, 1, 1000).len(), MAX_PAGE_SIZE);
        assert_eq!(page(&items, 0, 0), vec![0]);
    }
}

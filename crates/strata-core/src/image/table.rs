//! The image table, as `strata images` prints it and the app's Images screen shows it: one
//! row per name of an image (an image with two names is two rows, as in `docker images`; an
//! image without a name is one `<none>` row), with its ID, size and sharing.
//!
//! Both shells render these rows; neither builds its own. [`overview`] adds the store's
//! disk usage summary, read in the same pass over the store.

use serde::Serialize;

use crate::digest::Digest;
use crate::reference::Reference;
use crate::store::{DiskUsage, ImageSummary, Store, StoreError};

/// What the table shows for a missing repository or tag, as docker does.
pub const NONE: &str = "<none>";

/// One row of the table: one name of one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImageRow {
    /// `nginx`, `ghcr.io/o/app`; `<none>` for an unnamed image.
    pub repository: String,
    pub tag: String,
    /// The full normalised reference; empty for an unnamed image.
    pub name: String,
    /// What to pass to the other commands: the name, else the digest.
    pub reference: String,
    /// The first 12 hex digits of the digest (the IMAGE ID column).
    pub id: String,
    /// The manifest or index digest.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub digest: Digest,
    /// RFC 3339.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub created: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// Of `size`, bytes another image uses too.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub shared: u64,
    /// What removing the image alone frees.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unique: u64,
    /// How many names the image has in all.
    pub names: usize,
    pub platforms: Vec<String>,
    pub containers: Vec<String>,
}

/// The store's disk usage in the table's terms (`strata df`), each blob counted once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DiskSummary {
    pub images: usize,
    /// Every blob in the store.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
    /// Bytes that more than one image uses.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub shared: u64,
    /// Bytes only one image uses.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unique: u64,
    /// Bytes no image uses (prune removes them).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unused: u64,
    /// What prune and removing every image no container uses would free.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub reclaimable: u64,
}

/// The table and the disk usage summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImagesOverview {
    pub rows: Vec<ImageRow>,
    pub usage: DiskSummary,
}

/// The table's rows for every image in the store, newest image first.
pub fn rows(store: &Store) -> Result<Vec<ImageRow>, StoreError> {
    Ok(rows_of(&store.images()?))
}

/// The rows and the disk usage summary, from one pass over the store.
pub fn overview(store: &Store) -> Result<ImagesOverview, StoreError> {
    let usage = store.disk_usage()?;
    Ok(ImagesOverview {
        rows: rows_of(&usage.images),
        usage: DiskSummary::of(&usage),
    })
}

/// The rows for these images, in their order: one per name, or one `<none>` row.
pub fn rows_of(images: &[ImageSummary]) -> Vec<ImageRow> {
    let mut out = Vec::with_capacity(images.len());
    for image in images {
        if image.names.is_empty() {
            out.push(row(image, None));
        }
        for name in &image.names {
            out.push(row(image, Some(name)));
        }
    }
    out
}

fn row(image: &ImageSummary, name: Option<&String>) -> ImageRow {
    let (repository, tag) = match name.map(|n| (n, Reference::parse(n))) {
        None => (NONE.to_string(), NONE.to_string()),
        Some((_, Ok(r))) => (r.familiar_name(), r.tag.unwrap_or_else(|| NONE.into())),
        Some((n, Err(_))) => (n.clone(), NONE.into()),
    };
    let name = name.cloned().unwrap_or_default();
    ImageRow {
        repository,
        tag,
        reference: if name.is_empty() {
            image.digest.to_string()
        } else {
            name.clone()
        },
        name,
        id: image.digest.short().to_string(),
        digest: image.digest.clone(),
        created: image.created.clone(),
        size: image.size,
        shared: image.shared,
        unique: image.unique,
        names: image.names.len(),
        platforms: image.platforms.clone(),
        containers: image.containers.clone(),
    }
}

impl DiskSummary {
    /// The summary of a full disk usage report.
    pub fn of(usage: &DiskUsage) -> DiskSummary {
        let unique: u64 = usage.images.iter().map(|i| i.unique).sum();
        DiskSummary {
            images: usage.images.len(),
            total: usage.total_bytes,
            shared: usage.image_bytes.saturating_sub(unique),
            unique,
            unused: usage.unreferenced_bytes,
            reclaimable: usage.reclaimable_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(names: &[&str]) -> ImageSummary {
        ImageSummary {
            names: names.iter().map(|n| n.to_string()).collect(),
            digest: Digest::of(b"x"),
            media_type: crate::media::OCI_MANIFEST.into(),
            config_digest: None,
            created: None,
            platforms: vec![],
            size: 10,
            shared: 4,
            unique: 6,
            containers: vec![],
        }
    }

    #[test]
    fn an_image_with_two_names_is_two_rows_and_an_unnamed_one_is_none() {
        let r = rows_of(&[summary(&[
            "docker.io/library/busybox:latest",
            "ghcr.io/o/app:1",
        ])]);
        let shown: Vec<_> = r
            .iter()
            .map(|r| (r.repository.as_str(), r.tag.as_str(), r.names))
            .collect();
        assert_eq!(shown, [("busybox", "latest", 2), ("ghcr.io/o/app", "1", 2)]);
        assert_eq!(r[0].reference, "docker.io/library/busybox:latest");

        let none = rows_of(&[summary(&[])]);
        assert_eq!(
            (none[0].repository.as_str(), none[0].tag.as_str()),
            (NONE, NONE)
        );
        assert_eq!(none[0].reference, Digest::of(b"x").to_string());
        assert_eq!(none[0].id.len(), 12);
    }

    #[test]
    fn a_name_pinned_by_digest_has_no_tag() {
        let d = Digest::of(b"y");
        let r = rows_of(&[summary(&[&format!("docker.io/library/busybox@{d}")])]);
        assert_eq!(
            (r[0].repository.as_str(), r[0].tag.as_str()),
            ("busybox", NONE)
        );
    }

    #[test]
    fn the_summary_splits_image_bytes_into_shared_and_unique() {
        let usage = DiskUsage {
            images: vec![summary(&["a:1"]), summary(&["b:1"])],
            total_bytes: 30,
            image_bytes: 20,
            unreferenced_bytes: 5,
            reclaimable_bytes: 25,
            ..DiskUsage::default()
        };
        let s = DiskSummary::of(&usage);
        assert_eq!((s.images, s.unique, s.shared), (2, 12, 8));
        assert_eq!((s.total, s.unused, s.reclaimable), (30, 5, 25));
    }
}

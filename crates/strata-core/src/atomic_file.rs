//! Small files replaced whole and never seen half-written: settings, the account list, the
//! saved registries. Temp file in the same folder → write → fsync → rename over the old
//! one → fsync of the folder (on Linux a rename is only durable once its folder is synced).
//! Read-modify-write cycles take a lock file beside the file, so that two processes never
//! lose each other's change.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

/// Reads `path` as JSON, refusing a file over `max` bytes. A missing file is `Ok(None)`.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path, max: u64) -> io::Result<Option<T>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::other("the file is too large"));
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(io::Error::other)
}

/// Takes the exclusive lock `lock_name` in `path`'s folder (created when needed); it is
/// released when the returned file is dropped.
pub fn lock_beside(path: &Path, lock_name: &str) -> io::Result<File> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let lock = File::create(dir.join(lock_name))?;
    lock.lock()?;
    Ok(lock)
}

/// Writes `value` as pretty JSON (plus a newline) to `path` atomically, creating the folder
/// when needed. A crash leaves the old file or the new one, never a mix.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let mut json = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    json.push(b'\n');
    write(path, &json)
}

/// Writes `bytes` to `path` atomically (see the module doc).
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let stem = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{stem}-"))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_whole_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/settings.json");
        write_json(&path, &serde_json::json!({"language": "en"})).unwrap();
        write_json(&path, &serde_json::json!({"language": "zh-CN"})).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\n  \"language\": \"zh-CN\"\n}\n"
        );
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("settings.json")]);
    }
}

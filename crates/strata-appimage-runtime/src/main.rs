//! The runtime at the head of Strata's AppImage (type 2: this ELF, with `AI\x02` at offset 8,
//! then a squashfs). It does not mount the squashfs (that needs FUSE: libfuse and /dev/fuse on
//! the person's machine); it extracts it once into a per-user cache keyed by the squashfs's
//! SHA-256, `$XDG_CACHE_HOME/strata/appimage/<sha256>` (else `~/.cache/…`), and execs
//! `<that dir>/AppRun` with the arguments, setting APPIMAGE, APPDIR, ARGV0 and OWD as the
//! AppImage specification says. The first launch extracts into a temporary sibling and
//! renames it into place, so a launch killed half-way leaves nothing that a later launch
//! would use; later launches find the directory and start at once.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use strata_appimage_runtime::{digest_from, elf_end, extract};

const HELP: &str = "\
Strata's AppImage runtime. Without --appimage-* options it extracts the application once into
$XDG_CACHE_HOME/strata/appimage/<sha256> (else ~/.cache/strata/appimage/<sha256>) and runs it
with the arguments given; it never mounts (no FUSE needed).

  --appimage-extract       extract the application into ./squashfs-root
  --appimage-offset        print where the squashfs starts in this file
  --appimage-cache-dir     print the directory the application runs from
  --appimage-help          this text
  --appimage-version       the runtime's version
  --appimage-extract-and-run  accepted; this runtime always does that

--cli ARGS... (or a link to this file named `strata`) runs the `strata` command line.";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("strata AppImage: error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run() -> io::Result<ExitCode> {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    let argv0 = if args.is_empty() {
        OsString::from("strata-appimage")
    } else {
        args.remove(0)
    };
    // The AppImage itself, with links resolved, as the reference runtime reports it.
    let appimage = fs::canonicalize("/proc/self/exe")?;
    let mut image = File::open(&appimage)?;
    let offset = elf_end(&mut image)?;

    if let Some(opt) = args
        .first()
        .and_then(|a| a.to_str())
        .filter(|a| a.starts_with("--appimage-"))
    {
        match opt {
            "--appimage-help" => println!("{HELP}"),
            "--appimage-version" => {
                println!("strata-appimage-runtime {}", env!("CARGO_PKG_VERSION"))
            }
            "--appimage-offset" => println!("{offset}"),
            "--appimage-cache-dir" => {
                let digest = digest_from(&mut image, offset)?;
                println!("{}", cache_root()?.join(digest).display());
            }
            "--appimage-extract" => {
                if args.len() > 1 {
                    return Err(other(
                        "--appimage-extract takes no pattern here: it extracts everything",
                    ));
                }
                let dest = PathBuf::from("squashfs-root");
                if fs::symlink_metadata(&dest).is_ok() {
                    return Err(other(
                        "./squashfs-root exists; remove it or extract elsewhere",
                    ));
                }
                let tmp = PathBuf::from(format!(".squashfs-root.tmp-{}", std::process::id()));
                let made = extract(&appimage, offset, &tmp).inspect_err(|_| {
                    let _ = fs::remove_dir_all(&tmp);
                })?;
                fs::rename(&tmp, &dest)?;
                eprintln!(
                    "squashfs-root: {} directories, {} files, {} links",
                    made.dirs, made.files, made.symlinks
                );
            }
            "--appimage-extract-and-run" => {
                return launch(&appimage, offset, &mut image, argv0, &args[1..])
            }
            _ => {
                eprintln!("{HELP}");
                return Err(other(&format!("unknown option {opt}")));
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    launch(&appimage, offset, &mut image, argv0, &args)
}

fn launch(
    appimage: &Path,
    offset: u64,
    image: &mut File,
    argv0: OsString,
    args: &[OsString],
) -> io::Result<ExitCode> {
    let digest = digest_from(image, offset)?;
    let root = cache_root()?;
    let appdir = root.join(&digest);
    if !is_our_dir(&appdir)? {
        remove_abandoned(&root);
        let tmp = root.join(format!(".{digest}.tmp-{}", std::process::id()));
        if let Err(e) = extract(appimage, offset, &tmp) {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
        if let Err(e) = fs::rename(&tmp, &appdir) {
            // Another launch finished first: use its tree.
            let _ = fs::remove_dir_all(&tmp);
            if !is_our_dir(&appdir)? {
                return Err(e);
            }
        }
    }
    let owd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let err = Command::new(appdir.join("AppRun"))
        .args(args)
        .env("APPIMAGE", appimage)
        .env("APPDIR", &appdir)
        .env("ARGV0", &argv0)
        .env("OWD", owd)
        .exec();
    Err(io::Error::new(
        err.kind(),
        format!("{}: {err}", appdir.join("AppRun").display()),
    ))
}

/// `$XDG_CACHE_HOME/strata/appimage` (an absolute XDG_CACHE_HOME only, as the XDG spec says),
/// else `$HOME/.cache/strata/appimage`; created 0700, and refused unless it is this user's
/// and only this user can write to it.
fn cache_root() -> io::Result<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from) {
        Some(p) if p.is_absolute() => p,
        _ => match std::env::var_os("HOME").map(PathBuf::from) {
            Some(h) if h.is_absolute() => h.join(".cache"),
            _ => return Err(other("neither XDG_CACHE_HOME nor HOME is set")),
        },
    };
    let root = base.join("strata").join("appimage");
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&root)?;
    let meta = fs::symlink_metadata(&root)?;
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    if !meta.is_dir() || meta.uid() != uid || meta.permissions().mode() & 0o022 != 0 {
        return Err(other(&format!(
            "{} is not a directory of this user's that only it can write to",
            root.display()
        )));
    }
    Ok(root)
}

/// A finished extraction: a real directory (not a link) of this user's.
fn is_our_dir(dir: &Path) -> io::Result<bool> {
    match fs::symlink_metadata(dir) {
        Ok(m) => {
            // SAFETY: getuid has no preconditions.
            let uid = unsafe { libc::getuid() };
            if m.is_dir() && m.uid() == uid {
                Ok(true)
            } else {
                Err(other(&format!(
                    "{} is not a directory of this user's",
                    dir.display()
                )))
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Temporary trees of launches that are gone (killed while extracting).
fn remove_abandoned(root: &Path) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some((_, pid)) = name.strip_prefix('.').and_then(|n| n.rsplit_once(".tmp-")) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn other(msg: &str) -> io::Error {
    io::Error::other(msg.to_string())
}

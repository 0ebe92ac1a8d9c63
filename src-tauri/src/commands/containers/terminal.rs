//! The Terminal tab: an interactive shell in a container, as `docker exec -it NAME sh`.
//!
//! The app opens a pseudo-terminal (`portable-pty`) and starts `runc run` on its slave
//! side with a runtime spec that asks for a terminal (`process.terminal`), exactly what
//! `strata run -t` does from a real terminal: runc makes the container's own pty, copies
//! between it and ours, and follows our size (SIGWINCH). A reader thread sends what the
//! shell prints to the UI over a `tauri::ipc::Channel`; keys and resizes come back by
//! command. When the shell ends, the runtime's bundle is removed (and the network's
//! slirp4netns stopped) and the UI told. The network is the engine's choice of three: its
//! own namespace through slirp4netns (the default), the host's, or none.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::vocabulary::{AppCode, AppHint};
use portable_pty::{native_pty_system, ChildKiller, CommandBuilder, MasterPty, PtySize};
use serde::Serialize;
use strata_core::container::{files, Container, Network, RunOptions};
use strata_core::problem::{Explain, Problem};
use tauri::ipc::Channel;

/// The shell the terminal runs.
const SHELL: &str = "/bin/sh";

/// What the terminal tells the UI.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TerminalEvent {
    /// Text the shell printed (UTF-8; a character split across reads waits for its end).
    Output { data: String },
    /// The shell ended with this exit code.
    Exit { code: i32 },
}

struct Session {
    container: String,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    killer: Box<dyn ChildKiller + Send + Sync>,
}

/// The open terminals. Cheap to clone: clones share them.
#[derive(Clone, Default)]
pub struct Sessions {
    inner: Arc<Mutex<HashMap<u32, Session>>>,
    next: Arc<AtomicU32>,
}

fn pty_problem(what: &str, e: impl std::fmt::Display) -> Problem {
    Problem::new(
        AppCode::Terminal,
        format!("cannot {what} the terminal: {e}"),
    )
}

fn gone(id: u32) -> Problem {
    Problem::new(AppCode::TerminalClosed, format!("terminal {id} is closed"))
        .with_hint(AppHint::OpenTerminalAgain)
}

impl Sessions {
    fn lock(&self) -> MutexGuard<'_, HashMap<u32, Session>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a shell in `c` on a new pseudo-terminal of `cols` × `rows`, on `network`
    /// (the engine's default: its own namespace through slirp4netns).
    pub fn open(
        &self,
        c: &Container,
        cols: u16,
        rows: u16,
        network: Network,
        events: Channel<TerminalEvent>,
    ) -> Result<u32, Problem> {
        let root = c.root().map_err(|e| e.problem())?;
        if files::kind_of(&root, SHELL) != Some(strata_core::fs::Kind::File) {
            return Err(Problem::new(
                AppCode::NoShell,
                format!("the image has no {SHELL}, so there is no shell to open"),
            )
            .with_hint(AppHint::UseImageWithShell));
        }
        let opts = RunOptions {
            command: vec![SHELL.to_string()],
            tty: true,
            network,
            ..RunOptions::default()
        };
        // No runtime, not Linux, not root: the engine's problem says which, with a hint.
        let prepared = c.prepare_run(&opts).map_err(|e| e.problem())?;
        let std_cmd = prepared.command();
        let mut cmd = CommandBuilder::new(std_cmd.get_program());
        cmd.args(std_cmd.get_args());
        cmd.cwd(c.dir());

        let pair = native_pty_system()
            .openpty(size(cols, rows))
            .map_err(|e| pty_problem("open", e))?;
        let mut child = pair
            .slave
            .spawn_command(cmd)
            .map_err(|e| pty_problem("start the runtime in", e))?;
        // Only the child holds the slave side now: its end is our reader's end of file.
        drop(pair.slave);
        let mut reader = pair
            .master
            .try_clone_reader()
            .map_err(|e| pty_problem("read", e))?;
        let writer = pair
            .master
            .take_writer()
            .map_err(|e| pty_problem("write to", e))?;
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.lock().insert(
            id,
            Session {
                container: c.info().name.clone(),
                master: pair.master,
                writer,
                killer: child.clone_killer(),
            },
        );
        let sessions = self.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("strata-terminal-{id}"))
            .spawn(move || {
                let mut text = Utf8Stream::default();
                let mut buf = [0u8; 8192];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            let data = text.push(&buf[..n]);
                            if !data.is_empty()
                                && events.send(TerminalEvent::Output { data }).is_err()
                            {
                                // The window is gone: end the shell.
                                let _ = child.kill();
                                break;
                            }
                        }
                    }
                }
                let code = child.wait().map(|s| s.exit_code() as i32).unwrap_or(1);
                sessions.lock().remove(&id);
                // The bundle and the runtime's state go once the shell has ended.
                drop(prepared);
                let _ = events.send(TerminalEvent::Exit { code });
            });
        if let Err(e) = spawned {
            self.close(id);
            return Err(pty_problem("watch", e));
        }
        Ok(id)
    }

    pub fn input(&self, id: u32, bytes: &[u8]) -> Result<(), Problem> {
        let mut sessions = self.lock();
        let s = sessions.get_mut(&id).ok_or_else(|| gone(id))?;
        s.writer
            .write_all(bytes)
            .and_then(|()| s.writer.flush())
            .map_err(|e| pty_problem("write to", e))
    }

    pub fn resize(&self, id: u32, cols: u16, rows: u16) -> Result<(), Problem> {
        let sessions = self.lock();
        let s = sessions.get(&id).ok_or_else(|| gone(id))?;
        s.master
            .resize(size(cols, rows))
            .map_err(|e| pty_problem("resize", e))
    }

    /// Ends a shell; its reader thread then reports the exit and cleans up.
    pub fn close(&self, id: u32) {
        if let Some(mut s) = self.lock().remove(&id) {
            let _ = s.killer.kill();
        }
    }

    /// Ends every shell of a container (it is being removed).
    pub fn close_container(&self, name: &str) {
        let ids: Vec<u32> = self
            .lock()
            .iter()
            .filter(|(_, s)| s.container == name)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            self.close(id);
        }
    }
}

fn size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows: rows.max(2),
        cols: cols.max(10),
        pixel_width: 0,
        pixel_height: 0,
    }
}

/// Decodes a byte stream as UTF-8 across reads: a character cut at the end of one read is
/// kept for the next; bytes that are not UTF-8 become U+FFFD.
#[derive(Default)]
struct Utf8Stream {
    carry: Vec<u8>,
}

impl Utf8Stream {
    fn push(&mut self, bytes: &[u8]) -> String {
        self.carry.extend_from_slice(bytes);
        let cut = match std::str::from_utf8(&self.carry) {
            Ok(_) => self.carry.len(),
            // An incomplete character at the very end: keep it (at most 3 bytes).
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.carry.len(),
        };
        let rest = self.carry.split_off(cut);
        let out = String::from_utf8_lossy(&self.carry).into_owned();
        self.carry = rest;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_split_across_reads_arrives_whole() {
        let mut s = Utf8Stream::default();
        let bytes = "ls 镜像\n".as_bytes();
        let (a, b) = bytes.split_at(5); // inside 镜
        let first = s.push(a);
        assert_eq!(first, "ls ");
        assert_eq!(first + &s.push(b), "ls 镜像\n");
        assert_eq!(s.push(&[0xff, b'x']), "\u{fffd}x");
    }
}

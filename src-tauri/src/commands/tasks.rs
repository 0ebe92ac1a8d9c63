//! Long work the UI started (imports, exports, pulls, pushes; DESIGN.md "task"): long
//! imports and exports show progress in the Tasks screen and can be cancelled; pulls and
//! pushes show a progress bar per layer, speed, skipped and mounted layers, and cancel.
//!
//! [`Tasks`] is a registry in managed state: each task has an id, a kind, what it works
//! on, its byte progress, its state and its cancellation (the flag the store's work polls,
//! and the token an async registry transfer selects on; cancel raises both). The work runs
//! on its own thread: [`Tasks::start`] hands it a [`TaskCtx`], [`Tasks::start_transfer`] a
//! [`TransferSink`] that turns `registry::TransferUpdate`s into per-blob rows. The UI
//! subscribes once with [`watch_tasks`] and then receives a typed [`TaskEvent`] over a
//! `tauri::ipc::Channel` for every change, at most ten progress events a second per task
//! (state changes, of the task or of one of its blobs, are always sent at once).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use strata_core::problem::Problem;
use strata_core::registry::{BlobKind, TransferProgress, TransferState, TransferUpdate};
use strata_core::task::{Progress, ProgressState, ProgressUpdate, TaskCtx};
use tauri::ipc::Channel;
use tauri::State;
use tokio_util::sync::CancellationToken;

/// Progress events per task at most this often: a smooth bar without flooding the UI.
const EMIT_EVERY: Duration = Duration::from_millis(100);

/// Finished tasks kept for the Tasks screen; older ones are forgotten first.
const KEEP_FINISHED: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Import,
    Export,
    /// An image pulled from a registry into the store (commands/transfers.rs).
    Pull,
    /// A local image pushed to a registry (commands/transfers.rs).
    Push,
    /// An image copied between repositories or registries (commands/registries.rs).
    Copy,
    /// A container created from an image (commands/containers.rs).
    Create,
    /// A container committed as a new image (commands/containers.rs).
    Commit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Running,
    Done,
    Failed,
    Cancelled,
}

/// One blob of a pull or push: a row with its own progress bar.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BlobRow {
    /// `sha256:…` (the UI shows the first 12 hex digits).
    pub digest: String,
    pub kind: BlobKind,
    /// Compressed bytes moved so far.
    #[cfg_attr(test, ts(type = "number"))]
    pub done: u64,
    #[cfg_attr(test, ts(type = "number"))]
    pub total: u64,
    pub state: TransferState,
    /// Over the engine's last report interval; 0 when not transferring.
    #[cfg_attr(test, ts(type = "number"))]
    pub bytes_per_second: u64,
}

/// One task as the Tasks screen shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TaskInfo {
    pub id: u32,
    pub kind: TaskKind,
    /// What the task works on: the archive imported, the image exported.
    pub subject: String,
    /// Where the result goes (the file an export writes), when that differs.
    #[cfg_attr(test, ts(type = "string | null"))]
    pub target: Option<String>,
    pub state: TaskState,
    /// Bytes done so far.
    #[cfg_attr(test, ts(type = "number"))]
    pub done: u64,
    /// Bytes in all, when known.
    #[cfg_attr(test, ts(type = "number | null"))]
    pub total: Option<u64>,
    /// Start time, milliseconds since the Unix epoch.
    #[cfg_attr(test, ts(type = "number"))]
    pub started_ms: u64,
    /// What came out, for a finished task: the image names imported, the file written.
    pub outcome: Vec<String>,
    /// Why it failed.
    #[cfg_attr(test, ts(type = "Problem | null"))]
    pub problem: Option<Problem>,
    /// A pull's or push's blobs, in the order they first reported; empty for the others.
    pub layers: Vec<BlobRow>,
    /// The whole task's speed just now: the sum over its blobs that are moving.
    #[cfg_attr(test, ts(type = "number"))]
    pub bytes_per_second: u64,
    /// The manifest digest a finished pull wrote or a finished push left on the registry.
    #[cfg_attr(test, ts(type = "string | null"))]
    pub digest: Option<String>,
}

/// What the registry tells a watcher.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TaskEvent {
    /// A task started, progressed or finished. Boxed: a task with its blob rows is far
    /// larger than the other variant.
    Update { task: Box<TaskInfo> },
    /// Finished tasks were cleared from the list.
    Removed { ids: Vec<u32> },
}

struct Entry {
    info: TaskInfo,
    /// Polled by synchronous store work (`TaskCtx::is_cancelled`).
    cancel: Arc<AtomicBool>,
    /// Selected on by async registry work, which then stops at once.
    token: CancellationToken,
    last_sent: Instant,
}

#[derive(Default)]
struct Inner {
    next: u32,
    tasks: BTreeMap<u32, Entry>,
    watchers: Vec<Channel<TaskEvent>>,
}

/// The registry. Cheap to clone: clones share the tasks.
#[derive(Clone, Default)]
pub struct Tasks {
    inner: Arc<Mutex<Inner>>,
}

/// What a task's work returns: lines describing what came out.
pub type Outcome = Result<Vec<String>, Problem>;

/// What a finished pull or push returns: the name it wrote and the manifest digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub outcome: Vec<String>,
    pub digest: Option<String>,
}

impl Tasks {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (plain fields): go on.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts `work` on its own thread as a new task; returns the task at once.
    /// `main_unit` names the progress unit that measures the whole job (the archive an
    /// import reads); without one, finished units add up.
    pub fn start<F>(
        &self,
        kind: TaskKind,
        subject: String,
        target: Option<String>,
        total: Option<u64>,
        main_unit: Option<String>,
        work: F,
    ) -> Result<TaskInfo, Problem>
    where
        F: FnOnce(TaskCtx<'_>) -> Outcome + Send + 'static,
    {
        let (info, cancel, _) = self.register(kind, subject, target, total);
        let tasks = self.clone();
        let id = info.id;
        self.spawn(info, move || {
            let meter = Meter {
                tasks: tasks.clone(),
                id,
                main: main_unit,
                units: Mutex::new(Units::default()),
            };
            let result = work(TaskCtx::new(&meter, &cancel)).map(|outcome| Finished {
                outcome,
                digest: None,
            });
            tasks.finish(id, result, cancel.load(Ordering::Relaxed));
        })
    }

    /// Starts a pull or push on its own thread as a new task; returns the task at once.
    /// `work` reports through the [`TransferSink`] (one row per blob) and must stop when
    /// the token is cancelled (the registry functions select on it).
    pub fn start_transfer<F>(
        &self,
        kind: TaskKind,
        subject: String,
        target: Option<String>,
        work: F,
    ) -> Result<TaskInfo, Problem>
    where
        F: FnOnce(&TransferSink, &CancellationToken) -> Result<Finished, Problem> + Send + 'static,
    {
        let (info, _, token) = self.register(kind, subject, target, None);
        let tasks = self.clone();
        let id = info.id;
        self.spawn(info, move || {
            let sink = TransferSink {
                tasks: tasks.clone(),
                id,
            };
            let result = work(&sink, &token);
            tasks.finish(id, result, token.is_cancelled());
        })
    }

    /// Adds a running task and tells the watchers.
    fn register(
        &self,
        kind: TaskKind,
        subject: String,
        target: Option<String>,
        total: Option<u64>,
    ) -> (TaskInfo, Arc<AtomicBool>, CancellationToken) {
        let cancel = Arc::new(AtomicBool::new(false));
        let token = CancellationToken::new();
        let mut inner = self.lock();
        inner.next += 1;
        let info = TaskInfo {
            id: inner.next,
            kind,
            subject,
            target,
            state: TaskState::Running,
            done: 0,
            total,
            started_ms: now_ms(),
            outcome: Vec::new(),
            problem: None,
            layers: Vec::new(),
            bytes_per_second: 0,
            digest: None,
        };
        inner.tasks.insert(
            info.id,
            Entry {
                info: info.clone(),
                cancel: cancel.clone(),
                token: token.clone(),
                last_sent: Instant::now(),
            },
        );
        broadcast(
            &mut inner,
            TaskEvent::Update {
                task: Box::new(info.clone()),
            },
        );
        (info, cancel, token)
    }

    /// Runs a registered task's body on a thread of its own.
    fn spawn(
        &self,
        info: TaskInfo,
        body: impl FnOnce() + Send + 'static,
    ) -> Result<TaskInfo, Problem> {
        let id = info.id;
        let spawned = std::thread::Builder::new()
            .name(format!("strata-task-{id}"))
            .spawn(body);
        if let Err(e) = spawned {
            let problem = Problem::new("task.spawn", format!("cannot start the task: {e}"));
            self.finish(id, Err(problem.clone()), false);
            return Err(problem);
        }
        Ok(info)
    }

    /// Raises the task's cancel flag; the work stops at its next check.
    pub fn cancel(&self, id: u32) -> Result<(), Problem> {
        let inner = self.lock();
        let entry = inner.tasks.get(&id).ok_or_else(|| {
            Problem::new("task.not_found", format!("there is no task {id}"))
                .with_hint("the task list may have been cleared; reopen the Tasks screen")
        })?;
        entry.cancel.store(true, Ordering::Relaxed);
        entry.token.cancel();
        Ok(())
    }

    /// Every task, oldest first.
    #[cfg(test)]
    pub fn list(&self) -> Vec<TaskInfo> {
        self.lock().tasks.values().map(|e| e.info.clone()).collect()
    }

    /// Forgets finished tasks; returns their ids.
    pub fn clear_finished(&self) -> Vec<u32> {
        let mut inner = self.lock();
        let ids: Vec<u32> = inner
            .tasks
            .values()
            .filter(|e| e.info.state != TaskState::Running)
            .map(|e| e.info.id)
            .collect();
        for id in &ids {
            inner.tasks.remove(id);
        }
        if !ids.is_empty() {
            broadcast(&mut inner, TaskEvent::Removed { ids: ids.clone() });
        }
        ids
    }

    /// Adds a watcher; it hears about every change from now on.
    pub fn watch(&self, channel: Channel<TaskEvent>) -> Vec<TaskInfo> {
        let mut inner = self.lock();
        inner.watchers.push(channel);
        inner.tasks.values().map(|e| e.info.clone()).collect()
    }

    fn progress(&self, id: u32, done: u64, total: Option<u64>) {
        let mut inner = self.lock();
        let Some(entry) = inner.tasks.get_mut(&id) else {
            return;
        };
        entry.info.done = done;
        if total.is_some() {
            entry.info.total = total;
        }
        if entry.last_sent.elapsed() < EMIT_EVERY {
            return;
        }
        entry.last_sent = Instant::now();
        let task = Box::new(entry.info.clone());
        broadcast(&mut inner, TaskEvent::Update { task });
    }

    /// One blob of a transfer moved or changed state. A new blob or a new state is sent at
    /// once; bytes alone at most every [`EMIT_EVERY`] per task.
    fn transfer(&self, id: u32, u: TransferUpdate) {
        let mut inner = self.lock();
        let Some(entry) = inner.tasks.get_mut(&id) else {
            return;
        };
        // A blob task of a cancelled transfer may still report while it unwinds.
        if entry.info.state != TaskState::Running {
            return;
        }
        let row = BlobRow {
            digest: u.id,
            kind: u.kind,
            done: u.done,
            total: u.total,
            state: u.state,
            bytes_per_second: u.bytes_per_second,
        };
        let layers = &mut entry.info.layers;
        let changed = match layers.iter_mut().find(|r| r.digest == row.digest) {
            Some(old) => {
                let changed = old.state != row.state;
                *old = row;
                changed
            }
            None => {
                layers.push(row);
                true
            }
        };
        let (done, total, rate) = layers.iter().fold((0, 0, 0), |(d, t, r), row| {
            // What need not move counts as moved: the bar shows how much is left.
            let moved = match row.state {
                TransferState::Skipped | TransferState::Mounted | TransferState::Done => row.total,
                _ => row.done.min(row.total),
            };
            let rate = match row.state {
                TransferState::Transferring => row.bytes_per_second,
                _ => 0,
            };
            (d + moved, t + row.total, r + rate)
        });
        entry.info.done = done;
        entry.info.total = Some(total);
        entry.info.bytes_per_second = rate;
        if !changed && entry.last_sent.elapsed() < EMIT_EVERY {
            return;
        }
        entry.last_sent = Instant::now();
        let task = Box::new(entry.info.clone());
        broadcast(&mut inner, TaskEvent::Update { task });
    }

    fn finish(&self, id: u32, result: Result<Finished, Problem>, cancelled: bool) {
        let mut inner = self.lock();
        let Some(entry) = inner.tasks.get_mut(&id) else {
            return;
        };
        entry.info.bytes_per_second = 0;
        for row in &mut entry.info.layers {
            row.bytes_per_second = 0;
        }
        match result {
            Ok(finished) => {
                entry.info.state = TaskState::Done;
                entry.info.outcome = finished.outcome;
                entry.info.digest = finished.digest;
                if let Some(total) = entry.info.total {
                    entry.info.done = total;
                }
            }
            // Only `cancel` raises the flag and the token, so whatever the work returned
            // after it (its module's "cancelled" error) is the cancellation itself.
            Err(_) if cancelled => entry.info.state = TaskState::Cancelled,
            Err(problem) => {
                entry.info.state = TaskState::Failed;
                entry.info.problem = Some(problem);
            }
        }
        let task = Box::new(entry.info.clone());
        forget_oldest_finished(&mut inner);
        broadcast(&mut inner, TaskEvent::Update { task });
    }
}

fn forget_oldest_finished(inner: &mut Inner) {
    let finished: Vec<u32> = inner
        .tasks
        .values()
        .filter(|e| e.info.state != TaskState::Running)
        .map(|e| e.info.id)
        .collect();
    if finished.len() > KEEP_FINISHED {
        let extra = finished.len() - KEEP_FINISHED;
        for id in &finished[..extra] {
            inner.tasks.remove(id);
        }
        broadcast(
            inner,
            TaskEvent::Removed {
                ids: finished[..extra].to_vec(),
            },
        );
    }
}

/// Sends to every watcher, dropping those whose window is gone.
fn broadcast(inner: &mut Inner, event: TaskEvent) {
    inner
        .watchers
        .retain(|channel| channel.send(event.clone()).is_ok());
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Where a pull or push reports its blobs: into its task's rows.
pub struct TransferSink {
    tasks: Tasks,
    id: u32,
}

impl TransferProgress for TransferSink {
    fn update(&self, u: TransferUpdate) {
        self.tasks.transfer(self.id, u);
    }
}

/// Bytes of the units (blobs, files) a task has moved.
#[derive(Default)]
struct Units {
    /// Set once the main unit reported: from then on only it counts.
    main_seen: bool,
    finished: u64,
    running: BTreeMap<String, u64>,
}

/// Turns the engine's per-unit reports into one byte count for the task.
struct Meter {
    tasks: Tasks,
    id: u32,
    main: Option<String>,
    units: Mutex<Units>,
}

impl Progress for Meter {
    fn update(&self, p: ProgressUpdate) {
        let mut units = self.units.lock().unwrap_or_else(|e| e.into_inner());
        if self.main.as_deref() == Some(p.id.as_str()) {
            units.main_seen = true;
            drop(units);
            self.tasks.progress(self.id, p.done, p.total);
            return;
        }
        if units.main_seen {
            return;
        }
        match p.state {
            ProgressState::Running => {
                units.running.insert(p.id, p.done);
            }
            ProgressState::Done | ProgressState::Skipped => {
                units.running.remove(&p.id);
                units.finished += p.total.unwrap_or(p.done);
            }
        }
        let done = units.finished + units.running.values().sum::<u64>();
        drop(units);
        self.tasks.progress(self.id, done, None);
    }
}

// ---- commands ----------------------------------------------------------------------------

/// Subscribes the UI to task events; returns the tasks as they are now.
#[tauri::command]
pub fn watch_tasks(tasks: State<'_, Tasks>, on_event: Channel<TaskEvent>) -> Vec<TaskInfo> {
    tasks.watch(on_event)
}

#[tauri::command]
pub fn cancel_task(tasks: State<'_, Tasks>, id: u32) -> Result<(), Problem> {
    tasks.cancel(id)
}

/// Clears finished tasks from the list; returns their ids.
#[tauri::command]
pub fn clear_finished_tasks(tasks: State<'_, Tasks>) -> Vec<u32> {
    tasks.clear_finished()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn wait_finished(tasks: &Tasks, id: u32) -> TaskInfo {
        for _ in 0..500 {
            let info = tasks.list().into_iter().find(|t| t.id == id).unwrap();
            if info.state != TaskState::Running {
                return info;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("task {id} did not finish");
    }

    #[test]
    fn a_task_reports_bytes_of_its_main_unit_and_finishes_at_its_total() {
        let tasks = Tasks::default();
        let info = tasks
            .start(
                TaskKind::Import,
                "/tmp/a.tar".into(),
                None,
                Some(1000),
                Some("/tmp/a.tar".into()),
                |ctx| {
                    ctx.progress.update(ProgressUpdate {
                        id: "/tmp/a.tar".into(),
                        done: 400,
                        total: Some(1000),
                        state: ProgressState::Running,
                    });
                    // Blob reports of the same import must not move the bar backwards.
                    ctx.done("sha256:aa", 5, ProgressState::Done);
                    Ok(vec!["docker.io/library/a:1".into()])
                },
            )
            .unwrap();
        let done = wait_finished(&tasks, info.id);
        assert_eq!(done.state, TaskState::Done);
        assert_eq!((done.done, done.total), (1000, Some(1000)));
        assert_eq!(done.outcome, vec!["docker.io/library/a:1".to_string()]);
    }

    #[test]
    fn cancelling_raises_the_flag_the_work_sees() {
        let tasks = Tasks::default();
        let (started_tx, started_rx) = mpsc::channel();
        let info = tasks
            .start(TaskKind::Export, "a".into(), None, None, None, move |ctx| {
                started_tx.send(()).unwrap();
                while !ctx.is_cancelled() {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(Problem::new("task.cancelled", "cancelled"))
            })
            .unwrap();
        started_rx.recv().unwrap();
        tasks.cancel(info.id).unwrap();
        assert_eq!(wait_finished(&tasks, info.id).state, TaskState::Cancelled);
        assert_eq!(tasks.cancel(999).unwrap_err().code, "task.not_found");
    }

    #[test]
    fn a_failure_keeps_its_problem_and_clearing_forgets_finished_tasks() {
        let tasks = Tasks::default();
        let info = tasks
            .start(TaskKind::Import, "x".into(), None, None, None, |_| {
                Err(Problem::new(
                    "image.not_an_archive",
                    "x is not an image archive",
                ))
            })
            .unwrap();
        let failed = wait_finished(&tasks, info.id);
        assert_eq!(failed.state, TaskState::Failed);
        assert_eq!(failed.problem.unwrap().code, "image.not_an_archive");
        assert_eq!(tasks.clear_finished(), vec![info.id]);
        assert!(tasks.list().is_empty());
    }

    #[test]
    fn without_a_main_unit_finished_blobs_add_up() {
        let tasks = Tasks::default();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let (seen_tx, seen_rx) = mpsc::channel::<()>();
        let info = tasks
            .start(
                TaskKind::Export,
                "a".into(),
                None,
                Some(30),
                None,
                move |ctx| {
                    ctx.done("sha256:aa", 10, ProgressState::Done);
                    ctx.done("sha256:bb", 5, ProgressState::Skipped);
                    seen_tx.send(()).unwrap();
                    go_rx.recv().unwrap();
                    Ok(vec![])
                },
            )
            .unwrap();
        seen_rx.recv().unwrap();
        let running = tasks.list().into_iter().find(|t| t.id == info.id).unwrap();
        assert_eq!(running.done, 15);
        go_tx.send(()).unwrap();
        assert_eq!(wait_finished(&tasks, info.id).done, 30);
    }

    fn update(
        id: &str,
        kind: BlobKind,
        done: u64,
        total: u64,
        state: TransferState,
    ) -> TransferUpdate {
        TransferUpdate {
            id: id.into(),
            kind,
            done,
            total,
            state,
            bytes_per_second: if state == TransferState::Transferring {
                1000
            } else {
                0
            },
        }
    }

    /// A watcher that keeps every task update it hears, as the UI gets it (JSON).
    fn recorder(tasks: &Tasks) -> Arc<Mutex<Vec<serde_json::Value>>> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let keep = seen.clone();
        tasks.watch(Channel::new(move |body| {
            if let tauri::ipc::InvokeResponseBody::Json(json) = body {
                let event: serde_json::Value = serde_json::from_str(&json).unwrap();
                if event["type"] == "update" {
                    keep.lock().unwrap().push(event["task"].clone());
                }
            }
            Ok(())
        }));
        seen
    }

    #[test]
    fn a_transfer_shows_a_row_per_blob_with_skipped_blobs_counted_as_moved() {
        let tasks = Tasks::default();
        let seen = recorder(&tasks);
        let info = tasks
            .start_transfer(TaskKind::Pull, "busybox".into(), None, |sink, _| {
                sink.update(update(
                    "sha256:aa",
                    BlobKind::Config,
                    0,
                    10,
                    TransferState::Skipped,
                ));
                sink.update(update(
                    "sha256:bb",
                    BlobKind::Layer,
                    0,
                    100,
                    TransferState::Waiting,
                ));
                sink.update(update(
                    "sha256:bb",
                    BlobKind::Layer,
                    0,
                    100,
                    TransferState::Transferring,
                ));
                // A burst of byte reports: throttled to about ten a second.
                for done in 1..=60 {
                    sink.update(update(
                        "sha256:bb",
                        BlobKind::Layer,
                        done,
                        100,
                        TransferState::Transferring,
                    ));
                }
                sink.update(update(
                    "sha256:bb",
                    BlobKind::Layer,
                    100,
                    100,
                    TransferState::Done,
                ));
                Ok(Finished {
                    outcome: vec!["busybox:latest".into()],
                    digest: Some("sha256:cc".into()),
                })
            })
            .unwrap();
        let done = wait_finished(&tasks, info.id);
        assert_eq!(done.state, TaskState::Done);
        assert_eq!((done.done, done.total), (110, Some(110)));
        assert_eq!(done.digest.as_deref(), Some("sha256:cc"));
        assert_eq!(done.bytes_per_second, 0);
        let rows: Vec<_> = done
            .layers
            .iter()
            .map(|r| (r.digest.as_str(), r.kind, r.state))
            .collect();
        assert_eq!(
            rows,
            [
                ("sha256:aa", BlobKind::Config, TransferState::Skipped),
                ("sha256:bb", BlobKind::Layer, TransferState::Done)
            ]
        );

        let seen = seen.lock().unwrap();
        // start, aa skipped, bb waiting, bb transferring, bb done, finished: every state
        // change is sent; of the 60 byte reports (well under 100 ms, unless the machine is
        // very busy) at most a few.
        assert!(seen.len() >= 6 && seen.len() <= 10, "{} events", seen.len());
        let moving = seen
            .iter()
            .find(|t| t["layers"][1]["state"] == "transferring")
            .unwrap();
        assert_eq!(moving["bytes_per_second"], 1000);
        assert_eq!(moving["done"], 10, "the skipped config counts as moved");
        assert_eq!(moving["layers"][0]["kind"], "config");
        assert_eq!(seen.last().unwrap()["state"], "done");
    }

    #[test]
    fn cancelling_a_transfer_cancels_its_token_at_once() {
        let tasks = Tasks::default();
        let (started_tx, started_rx) = mpsc::channel();
        let info = tasks
            .start_transfer(
                TaskKind::Push,
                "a".into(),
                Some("h/a:1".into()),
                move |sink, token| {
                    sink.update(update(
                        "sha256:aa",
                        BlobKind::Layer,
                        5,
                        100,
                        TransferState::Transferring,
                    ));
                    started_tx.send(()).unwrap();
                    tauri::async_runtime::block_on(token.cancelled());
                    // Reports after the cancel do not bring the task back.
                    sink.update(update(
                        "sha256:aa",
                        BlobKind::Layer,
                        6,
                        100,
                        TransferState::Transferring,
                    ));
                    Err(Problem::new("registry.cancelled", "cancelled"))
                },
            )
            .unwrap();
        started_rx.recv().unwrap();
        let asked = Instant::now();
        tasks.cancel(info.id).unwrap();
        let done = wait_finished(&tasks, info.id);
        assert!(asked.elapsed() < Duration::from_secs(1));
        assert_eq!(done.state, TaskState::Cancelled);
        assert!(done.problem.is_none());
        assert_eq!(done.layers[0].bytes_per_second, 0);
    }
}

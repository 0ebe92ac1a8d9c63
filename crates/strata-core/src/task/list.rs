//! The task list: each long piece of work a shell started, with an id, a kind, what it
//! works on, its units (one row per blob, layer or archive, as the work reports them), its
//! totals, its state and its cancellation. Watchers (the app's Tasks screen) hear every
//! change: a new task, a new unit or a new state at once, bytes at most ten times a second
//! per task.
//!
//! The totals follow one rule: the task's bytes done are its units' [`Unit::moved`] added
//! up (units read out of another unit are shown, not counted); its total is the one the
//! shell declared when it knew it up front, else the units' sizes added up once every
//! unit's size is known.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::meter::REPORT_EVERY;
use super::report::{Progress, TaskCtx, Unit, UnitState};
use crate::problem::{Code, Problem};
use crate::transfer::LayersCompressed;

/// Finished tasks kept; older ones are forgotten first.
const KEEP_FINISHED: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Import,
    Export,
    /// An image pulled from a registry into the store.
    Pull,
    /// A local image pushed to a registry.
    Push,
    /// An image copied between repositories or registries.
    Copy,
    /// A container created from an image.
    Create,
    /// A container committed as a new image.
    Commit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Running,
    Done,
    Failed,
    Cancelled,
}

/// One task as a watcher sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaskInfo {
    pub id: u32,
    pub kind: TaskKind,
    /// What the task works on: the archive imported, the image exported.
    pub subject: String,
    /// Where the result goes (the file an export writes), when that differs.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub target: Option<String>,
    pub state: TaskState,
    /// Bytes done so far: what need not move counts as moved, and a unit read out of
    /// another is not counted again.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub done: u64,
    /// Bytes in all, when known: the size the shell declared, else the units' sizes.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub total: Option<u64>,
    /// Start time, milliseconds since the Unix epoch.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub started_ms: u64,
    /// What came out, for a finished task: the image names imported, the file written.
    pub outcome: Vec<String>,
    /// Why it failed.
    #[cfg_attr(feature = "ts", ts(type = "Problem | null"))]
    pub problem: Option<Problem>,
    /// Its units (blobs, layers, archives), in the order they first reported.
    pub units: Vec<Unit>,
    /// The whole task's speed just now: the sum over its units that are moving.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_per_second: u64,
    /// The manifest digest a finished pull wrote, or a push or copy left on the registry.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub digest: Option<String>,
    /// The layers a finished push compressed itself, and how (`None`: it sent every
    /// layer as the store held it).
    #[cfg_attr(feature = "ts", ts(type = "LayersCompressed | null"))]
    pub compressed: Option<LayersCompressed>,
}

/// What the list tells a watcher.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TaskEvent {
    /// A task started, progressed or finished. Boxed: a task with its units is far larger
    /// than the other variant.
    Update { task: Box<TaskInfo> },
    /// Finished tasks were cleared from the list.
    Removed { ids: Vec<u32> },
}

/// What finished work returns: lines describing what came out, the manifest digest for a
/// transfer, and what a push compressed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Finished {
    pub outcome: Vec<String>,
    pub digest: Option<String>,
    pub compressed: Option<LayersCompressed>,
}

impl From<Vec<String>> for Finished {
    fn from(outcome: Vec<String>) -> Self {
        Finished {
            outcome,
            ..Finished::default()
        }
    }
}

/// Hears every change; returns false once it no longer listens (a closed window).
type Watcher = Box<dyn Fn(&TaskEvent) -> bool + Send>;

struct Entry {
    info: TaskInfo,
    /// The total the shell declared, if it knew one.
    declared: Option<u64>,
    cancel: CancellationToken,
    last_sent: Instant,
}

#[derive(Default)]
struct Inner {
    next: u32,
    tasks: BTreeMap<u32, Entry>,
    watchers: Vec<Watcher>,
}

/// The list. Cheap to clone: clones share the tasks.
#[derive(Clone, Default)]
pub struct Tasks {
    inner: Arc<Mutex<Inner>>,
}

impl Tasks {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (plain fields): go on.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts `work` on its own thread, below the UI's priority, as a new task; returns the
    /// task at once. `total` is the task's size when the shell knows it before the work
    /// reports (see the module doc).
    /// `work` reports through its [`TaskCtx`] and stops when its token is cancelled.
    pub fn start<F>(
        &self,
        kind: TaskKind,
        subject: String,
        target: Option<String>,
        total: Option<u64>,
        work: F,
    ) -> Result<TaskInfo, Problem>
    where
        F: FnOnce(TaskCtx<'_>) -> Result<Finished, Problem> + Send + 'static,
    {
        let (info, cancel) = self.register(kind, subject, target, total);
        let tasks = self.clone();
        let id = info.id;
        let body = move || {
            // Below the window that watches it (see background.rs).
            super::background::lower_this_thread();
            let rows = Rows {
                tasks: tasks.clone(),
                id,
            };
            let result = work(TaskCtx::new(&rows, &cancel));
            tasks.finish(id, result, cancel.is_cancelled());
        };
        let spawned = std::thread::Builder::new()
            .name(format!("strata-task-{id}"))
            .spawn(body);
        if let Err(e) = spawned {
            let problem = Problem::new(Code::TaskSpawn, format!("cannot start the task: {e}"));
            self.finish(id, Err(problem.clone()), false);
            return Err(problem);
        }
        Ok(info)
    }

    /// Adds a running task and tells the watchers.
    fn register(
        &self,
        kind: TaskKind,
        subject: String,
        target: Option<String>,
        total: Option<u64>,
    ) -> (TaskInfo, CancellationToken) {
        let cancel = CancellationToken::new();
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
            units: Vec::new(),
            bytes_per_second: 0,
            digest: None,
            compressed: None,
        };
        inner.tasks.insert(
            info.id,
            Entry {
                info: info.clone(),
                declared: total,
                cancel: cancel.clone(),
                last_sent: Instant::now(),
            },
        );
        broadcast(
            &mut inner,
            TaskEvent::Update {
                task: Box::new(info.clone()),
            },
        );
        (info, cancel)
    }

    /// Cancels the task's token; async work stops at once, blocking work at its next check.
    pub fn cancel(&self, id: u32) -> Result<(), Problem> {
        let inner = self.lock();
        let entry = inner
            .tasks
            .get(&id)
            .ok_or_else(|| Problem::new(Code::TaskNotFound, format!("there is no task {id}")))?;
        entry.cancel.cancel();
        Ok(())
    }

    /// Every task, oldest first.
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

    /// Adds a watcher; it hears about every change from now on. Returns the tasks as they
    /// are now.
    pub fn watch(&self, watcher: impl Fn(&TaskEvent) -> bool + Send + 'static) -> Vec<TaskInfo> {
        let mut inner = self.lock();
        inner.watchers.push(Box::new(watcher));
        inner.tasks.values().map(|e| e.info.clone()).collect()
    }

    /// One unit moved or changed state. A new unit or a new state is sent at once; bytes
    /// alone at most ten times a second per task.
    fn unit(&self, id: u32, u: Unit) {
        let mut inner = self.lock();
        let Some(entry) = inner.tasks.get_mut(&id) else {
            return;
        };
        // Work that was cancelled may still report while it unwinds.
        if entry.info.state != TaskState::Running {
            return;
        }
        let units = &mut entry.info.units;
        let changed = match units.iter_mut().find(|r| r.id == u.id) {
            Some(old) => {
                let changed = old.state != u.state;
                *old = u;
                changed
            }
            None => {
                units.push(u);
                true
            }
        };
        entry.sum();
        if !changed && entry.last_sent.elapsed() < REPORT_EVERY {
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
        for unit in &mut entry.info.units {
            unit.bytes_per_second = 0;
        }
        match result {
            Ok(finished) => {
                entry.info.state = TaskState::Done;
                entry.info.outcome = finished.outcome;
                entry.info.digest = finished.digest;
                entry.info.compressed = finished.compressed;
                if let Some(total) = entry.info.total {
                    entry.info.done = total;
                }
            }
            // Only `cancel` cancels the token, so whatever the work returned after it (its
            // module's "cancelled" error) is the cancellation itself.
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

impl Entry {
    /// The task's bytes, total and speed from its units (the rule in the module doc).
    fn sum(&mut self) {
        let counted = || self.info.units.iter().filter(|u| u.within.is_none());
        self.info.done = counted().map(Unit::moved).sum();
        self.info.total = self.declared.or_else(|| {
            let sizes: Option<Vec<u64>> = counted().map(|u| u.total).collect();
            sizes.filter(|s| !s.is_empty()).map(|s| s.iter().sum())
        });
        self.info.bytes_per_second = counted()
            .filter(|u| u.state == UnitState::Transferring)
            .map(|u| u.bytes_per_second)
            .sum();
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

/// Sends to every watcher, dropping those that stopped listening.
fn broadcast(inner: &mut Inner, event: TaskEvent) {
    inner.watchers.retain(|watcher| watcher(&event));
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Where a task's work reports: into its rows.
struct Rows {
    tasks: Tasks,
    id: u32,
}

impl Progress for Rows {
    fn update(&self, u: Unit) {
        self.tasks.unit(self.id, u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::{Meter, UnitKind};
    use std::sync::mpsc;
    use std::time::Duration;

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

    /// A watcher that keeps every task update it hears, as a UI gets it (JSON).
    fn recorder(tasks: &Tasks) -> Arc<Mutex<Vec<serde_json::Value>>> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let keep = seen.clone();
        tasks.watch(move |event| {
            let json = serde_json::to_value(event).unwrap();
            if json["type"] == "update" {
                keep.lock().unwrap().push(json["task"].clone());
            }
            true
        });
        seen
    }

    #[test]
    fn an_archive_counts_once_and_its_blobs_are_shown_within_it() {
        let tasks = Tasks::default();
        let info = tasks
            .start(TaskKind::Import, "/tmp/a.tar".into(), None, None, |ctx| {
                let archive = Meter::new(ctx.progress, "/tmp/a.tar", UnitKind::Archive, Some(1000));
                archive.state(UnitState::Transferring, 400);
                // A blob read out of the archive does not move the bar again.
                ctx.done_within(
                    "/tmp/a.tar",
                    "sha256:aa",
                    UnitKind::Layer,
                    300,
                    UnitState::Done,
                );
                Ok(vec!["docker.io/library/a:1".to_string()].into())
            })
            .unwrap();
        let done = wait_finished(&tasks, info.id);
        assert_eq!(done.state, TaskState::Done);
        assert_eq!((done.done, done.total), (1000, Some(1000)));
        assert_eq!(done.units.len(), 2);
        assert_eq!(done.outcome, vec!["docker.io/library/a:1".to_string()]);
    }

    /// Ten transfers must not take the cores from the window: the work runs at
    /// BACKGROUND_NICE, the thread that started it keeps its own priority.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_task_runs_below_the_thread_that_started_it() {
        use rustix::process::getpriority_process;
        let tasks = Tasks::default();
        let (tx, rx) = mpsc::channel();
        let before = getpriority_process(None).unwrap();
        tasks
            .start(TaskKind::Pull, "a".into(), None, None, move |_| {
                tx.send(getpriority_process(None).unwrap()).unwrap();
                Ok(Vec::<String>::new().into())
            })
            .unwrap();
        let inside = rx.recv().unwrap();
        assert!(
            before < super::super::BACKGROUND_NICE,
            "the test runs at nice {before}"
        );
        assert_eq!(inside, super::super::BACKGROUND_NICE);
        assert_eq!(getpriority_process(None).unwrap(), before);
    }

    #[test]
    fn cancelling_cancels_the_token_the_work_sees() {
        let tasks = Tasks::default();
        let (started_tx, started_rx) = mpsc::channel();
        let info = tasks
            .start(TaskKind::Export, "a".into(), None, None, move |ctx| {
                started_tx.send(()).unwrap();
                while !ctx.is_cancelled() {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(Problem::new(Code::TaskCancelled, "cancelled"))
            })
            .unwrap();
        started_rx.recv().unwrap();
        tasks.cancel(info.id).unwrap();
        let done = wait_finished(&tasks, info.id);
        assert_eq!(done.state, TaskState::Cancelled);
        assert!(done.problem.is_none());
        assert_eq!(tasks.cancel(999).unwrap_err().code, "task.not_found");
    }

    #[test]
    fn a_failure_keeps_its_problem_and_clearing_forgets_finished_tasks() {
        let tasks = Tasks::default();
        let info = tasks
            .start(TaskKind::Import, "x".into(), None, None, |_| {
                Err(Problem::new(Code::TaskSpawn, "x failed"))
            })
            .unwrap();
        let failed = wait_finished(&tasks, info.id);
        assert_eq!(failed.state, TaskState::Failed);
        assert_eq!(failed.problem.unwrap().code, "task.spawn");
        assert_eq!(tasks.clear_finished(), vec![info.id]);
        assert!(tasks.list().is_empty());
    }

    #[test]
    fn a_declared_total_holds_while_units_add_up_their_bytes() {
        let tasks = Tasks::default();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let (seen_tx, seen_rx) = mpsc::channel::<()>();
        let info = tasks
            .start(TaskKind::Create, "a".into(), None, Some(30), move |ctx| {
                ctx.done("sha256:aa", UnitKind::Layer, 10, UnitState::Done);
                ctx.done("sha256:bb", UnitKind::Layer, 5, UnitState::Skipped);
                seen_tx.send(()).unwrap();
                go_rx.recv().unwrap();
                Ok(Finished::default())
            })
            .unwrap();
        seen_rx.recv().unwrap();
        let running = tasks.list().into_iter().find(|t| t.id == info.id).unwrap();
        assert_eq!((running.done, running.total), (15, Some(30)));
        go_tx.send(()).unwrap();
        assert_eq!(wait_finished(&tasks, info.id).done, 30);
    }

    #[test]
    fn a_transfer_shows_a_row_per_blob_with_skipped_blobs_counted_as_moved() {
        let tasks = Tasks::default();
        let seen = recorder(&tasks);
        let info = tasks
            .start(TaskKind::Pull, "busybox".into(), None, None, |ctx| {
                let config = Meter::new(ctx.progress, "sha256:aa", UnitKind::Config, Some(10));
                let layer = Meter::new(ctx.progress, "sha256:bb", UnitKind::Layer, Some(100));
                config.state(UnitState::Skipped, 10);
                layer.state(UnitState::Waiting, 0);
                layer.state(UnitState::Transferring, 0);
                // A burst of byte reports: throttled to about ten a second.
                for done in 1..=60 {
                    layer.bytes(done);
                }
                layer.state(UnitState::Done, 100);
                Ok(Finished {
                    outcome: vec!["busybox:latest".into()],
                    digest: Some("sha256:cc".into()),
                    compressed: None,
                })
            })
            .unwrap();
        let done = wait_finished(&tasks, info.id);
        assert_eq!(done.state, TaskState::Done);
        assert_eq!((done.done, done.total), (110, Some(110)));
        assert_eq!(done.digest.as_deref(), Some("sha256:cc"));
        assert_eq!(done.bytes_per_second, 0);
        let rows: Vec<_> = done
            .units
            .iter()
            .map(|r| (r.id.as_str(), r.kind, r.state))
            .collect();
        assert_eq!(
            rows,
            [
                ("sha256:aa", UnitKind::Config, UnitState::Skipped),
                ("sha256:bb", UnitKind::Layer, UnitState::Done)
            ]
        );
        let seen = seen.lock().unwrap();
        // start, aa skipped, bb waiting, bb transferring, bb done, finished: every state
        // change is sent; of the 60 byte reports (well under 100 ms) at most a few.
        assert!(seen.len() >= 6 && seen.len() <= 10, "{} events", seen.len());
        let moving = seen
            .iter()
            .find(|t| t["units"][1]["state"] == "transferring")
            .unwrap();
        assert_eq!(moving["done"], 10, "the skipped config counts as moved");
        assert_eq!(moving["units"][0]["kind"], "config");
        assert_eq!(seen.last().unwrap()["state"], "done");
    }

    #[test]
    fn a_cancelled_transfer_ends_cancelled_at_once_with_no_speed_left() {
        let tasks = Tasks::default();
        let (started_tx, started_rx) = mpsc::channel();
        let info = tasks
            .start(
                TaskKind::Push,
                "a".into(),
                Some("h/a:1".into()),
                None,
                move |ctx| {
                    let layer = Meter::new(ctx.progress, "sha256:aa", UnitKind::Layer, Some(100));
                    layer.state(UnitState::Transferring, 5);
                    started_tx.send(()).unwrap();
                    while !ctx.is_cancelled() {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                    layer.state(UnitState::Transferring, 6);
                    Err(Problem::new(Code::TaskCancelled, "cancelled"))
                },
            )
            .unwrap();
        started_rx.recv().unwrap();
        let asked = Instant::now();
        tasks.cancel(info.id).unwrap();
        let done = wait_finished(&tasks, info.id);
        assert!(asked.elapsed() < Duration::from_secs(1));
        assert_eq!(done.state, TaskState::Cancelled);
        assert_eq!(done.units[0].bytes_per_second, 0);
    }
}

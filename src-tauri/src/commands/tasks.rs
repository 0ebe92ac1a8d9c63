//! The Tasks screen's commands over the engine's task list ([`strata_core::task::Tasks`],
//! kept in managed state): subscribe, cancel, clear. Every long command (import, export,
//! pull, push, copy, create, commit) starts its work in that list; the list keeps the
//! units, totals, states and cancellation, and throttles its events. The UI subscribes once
//! with [`watch_tasks`] and then receives a typed [`TaskEvent`] over a
//! `tauri::ipc::Channel` for every change.

use strata_core::problem::Problem;
use tauri::ipc::Channel;
use tauri::State;

pub use strata_core::task::{Finished, TaskEvent, TaskInfo, TaskKind, Tasks};

/// Subscribes the UI to task events; returns the tasks as they are now.
#[tauri::command]
pub fn watch_tasks(tasks: State<'_, Tasks>, on_event: Channel<TaskEvent>) -> Vec<TaskInfo> {
    // A channel whose window is gone stops listening.
    tasks.watch(move |event| on_event.send(event.clone()).is_ok())
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
    use strata_core::task::{Unit, UnitKind, UnitState};

    /// What the UI receives is the engine's event as JSON, units and totals included.
    #[test]
    fn events_reach_a_channel_as_the_ui_reads_them() {
        let tasks = Tasks::default();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = seen.clone();
        let channel = Channel::new(move |body| {
            if let tauri::ipc::InvokeResponseBody::Json(json) = body {
                let event: serde_json::Value = serde_json::from_str(&json).unwrap();
                keep.lock().unwrap().push(event);
            }
            Ok(())
        });
        tasks.watch(move |event| channel.send(event.clone()).is_ok());
        let info = tasks
            .start(TaskKind::Copy, "a".into(), Some("b".into()), None, |ctx| {
                ctx.progress.update(Unit {
                    done: 10,
                    state: UnitState::Done,
                    ..Unit::new("sha256:aa", UnitKind::Config, Some(10))
                });
                Ok(Finished::default())
            })
            .unwrap();
        for _ in 0..500 {
            if seen
                .lock()
                .unwrap()
                .iter()
                .any(|e| e["task"]["state"] == "done")
            {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let seen = seen.lock().unwrap();
        let last = seen.last().unwrap();
        assert_eq!(last["type"], "update");
        assert_eq!(last["task"]["id"], info.id);
        assert_eq!(last["task"]["units"][0]["kind"], "config");
        assert_eq!(last["task"]["units"][0]["state"], "done");
        assert_eq!(last["task"]["total"], 10);
        assert_eq!(tasks.cancel(999).unwrap_err().code, "task.not_found");
    }
}

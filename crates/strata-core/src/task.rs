//! Long work (pull, push, copy, import, export, create, commit): one progress report, one
//! way to stop, one list of tasks. The engine reports; the CLI draws bars from the reports,
//! the app forwards the task list to its Tasks screen; neither adds rules of its own.
//!
//! | file | job |
//! |---|---|
//! | `report.rs` | [`Unit`]: one row of progress (a blob, a layer, an archive) and the [`Progress`] that receives it; [`TaskCtx`]: what long work is handed |
//! | `meter.rs` | [`Meter`]: one unit's reports, throttled, with its speed; [`Watch`]: a reader or writer that meters and stops |
//! | `list.rs` | [`Tasks`]: running and finished tasks, their totals, cancel, and watchers with throttled events |
//! | `background.rs` | tasks run below the UI's priority, each async one on a runtime of its own ([`block_on`]) |
//!
//! Cancellation is one [`CancellationToken`]: async work selects on it and stops at once,
//! blocking work polls it between chunks (see [`Watch`]) and returns its module's
//! `Cancelled` error, having removed anything it had started, so that a cancelled task
//! leaves the store as it was.

mod background;
mod list;
mod meter;
mod report;

pub use background::{block_on, BACKGROUND_NICE};
pub use list::{Finished, TaskEvent, TaskInfo, TaskKind, TaskState, Tasks};
pub(crate) use meter::REPORT_EVERY;
pub use meter::{Meter, Watch};
pub use report::{
    is_cancelled, Cancelled, NoProgress, Progress, TaskCtx, Unit, UnitKind, UnitState,
};
pub use tokio_util::sync::CancellationToken;

//! The TypeScript types of everything that crosses IPC, generated with ts-rs into
//! `ui/src/lib/bindings.gen.ts` and checked in. The test fails when the checked-in file
//! differs from what the Rust types say; `UPDATE_BINDINGS=1 cargo test -p strata-app
//! bindings` rewrites it.

use std::path::PathBuf;

use strata_core::problem::{Hint, Problem};
use strata_core::settings::{
    Language, MirrorImport, MirrorSource, ProxySettings, PushCompression, Settings, SettingsPatch,
    Theme,
};
use ts_rs::{Config, TS};

use crate::commands::containers;
use crate::commands::host_path;
use crate::commands::images::{self, layers};
use crate::commands::registries;
use crate::commands::tasks;
use crate::state::AppInfo;
use strata_core::catalog::{self, browse, manage, remote, script, suggest, tags};
use strata_core::credentials;
use strata_core::engines;
use strata_core::image::table;
use strata_core::insight;

fn generate() -> String {
    let cfg = Config::default();
    let decls = [
        Problem::decl(&cfg),
        Hint::decl(&cfg),
        AppInfo::decl(&cfg),
        Language::decl(&cfg),
        Theme::decl(&cfg),
        PushCompression::decl(&cfg),
        Settings::decl(&cfg),
        SettingsPatch::decl(&cfg),
        ProxySettings::decl(&cfg),
        MirrorSource::decl(&cfg),
        MirrorImport::decl(&cfg),
        // the Images screen (commands/images.rs) and the Tasks screen (commands/tasks.rs)
        table::ImageRow::decl(&cfg),
        table::DiskSummary::decl(&cfg),
        table::ImagesOverview::decl(&cfg),
        images::ImageInfo::decl(&cfg),
        images::HistoryRow::decl(&cfg),
        layers::EntryKindShape::decl(&cfg),
        layers::ChangeRow::decl(&cfg),
        layers::LayerView::decl(&cfg),
        layers::Removal::decl(&cfg),
        layers::FileEntry::decl(&cfg),
        layers::FileListing::decl(&cfg),
        insight::DiveScore::decl(&cfg),
        insight::LayerUse::decl(&cfg),
        insight::WastedPath::decl(&cfg),
        insight::HiddenPath::decl(&cfg),
        insight::Why::decl(&cfg),
        insight::HiddenVersion::decl(&cfg),
        insight::LargeFile::decl(&cfg),
        insight::Analysis::decl(&cfg),
        insight::compare::Side::decl(&cfg),
        insight::compare::SharedLayer::decl(&cfg),
        insight::compare::LayerRef::decl(&cfg),
        insight::compare::LayerComparison::decl(&cfg),
        insight::FileChange::decl(&cfg),
        insight::FileSide::decl(&cfg),
        insight::FileDiff::decl(&cfg),
        insight::ConfigDiff::decl(&cfg),
        insight::Comparison::decl(&cfg),
        insight::OsRelease::decl(&cfg),
        insight::Manager::decl(&cfg),
        insight::Database::decl(&cfg),
        insight::Package::decl(&cfg),
        insight::Packages::decl(&cfg),
        insight::SbomFormat::decl(&cfg),
        insight::Freshness::decl(&cfg),
        insight::OutdatedImage::decl(&cfg),
        images::ArchiveFormat::decl(&cfg),
        images::CheckedReference::decl(&cfg),
        images::RemoveResult::decl(&cfg),
        images::PruneResult::decl(&cfg),
        host_path::HostPath::decl(&cfg),
        host_path::PickedPath::decl(&cfg),
        images::DropEvent::decl(&cfg),
        // Beside Podman (commands/engines.rs)
        engines::EngineKind::decl(&cfg),
        engines::EngineInfo::decl(&cfg),
        engines::EngineImage::decl(&cfg),
        tasks::TaskKind::decl(&cfg),
        strata_core::task::UnitKind::decl(&cfg),
        strata_core::task::UnitState::decl(&cfg),
        strata_core::task::Unit::decl(&cfg),
        strata_core::task::TaskState::decl(&cfg),
        strata_core::layer::Compression::decl(&cfg),
        strata_core::transfer::LayersCompressed::decl(&cfg),
        tasks::TaskInfo::decl(&cfg),
        tasks::TaskEvent::decl(&cfg),
        // pull and push (commands/transfers.rs; the Push dialog's targets come from catalog)
        suggest::PushTarget::decl(&cfg),
        // the Registries screen (commands/registries.rs; the types live in strata-core)
        catalog::Provider::decl(&cfg),
        catalog::ApiField::decl(&cfg),
        catalog::Preset::decl(&cfg),
        manage::ApiSettings::decl(&cfg),
        catalog::SavedRegistry::decl(&cfg),
        credentials::SecretKind::decl(&cfg),
        credentials::Account::decl(&cfg),
        catalog::RegistryView::decl(&cfg),
        manage::CloudProvider::decl(&cfg),
        manage::CloudAccount::decl(&cfg),
        manage::CloudAccountView::decl(&cfg),
        manage::InstanceInfo::decl(&cfg),
        registries::ApiForm::decl(&cfg),
        registries::NewRegistryForm::decl(&cfg),
        manage::Capabilities::decl(&cfg),
        manage::Namespace::decl(&cfg),
        manage::Repository::decl(&cfg),
        registries::NewRepositoryForm::decl(&cfg),
        registries::MissingRepository::decl(&cfg),
        browse::Source::decl(&cfg),
        browse::RepositoryEntry::decl(&cfg),
        browse::Namespace::decl(&cfg),
        browse::CatalogState::decl(&cfg),
        browse::RepositoryTree::decl(&cfg),
        tags::TagDetails::decl(&cfg),
        tags::TagPage::decl(&cfg),
        remote::Retagged::decl(&cfg),
        remote::DeletePlan::decl(&cfg),
        script::Tool::decl(&cfg),
        script::ScriptStep::decl(&cfg),
        script::PushScript::decl(&cfg),
        // the Containers screen (commands/containers.rs)
        containers::ContainerRow::decl(&cfg),
        containers::tree::FileRow::decl(&cfg),
        containers::ContainerListing::decl(&cfg),
        containers::DiffRow::decl(&cfg),
        containers::TextFile::decl(&cfg),
        containers::CommitPreview::decl(&cfg),
        containers::CommitRequest::decl(&cfg),
        containers::TerminalEvent::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test -p strata-app \
         bindings`.\n// Do not edit: change the Rust type and regenerate.\n",
    );
    for decl in decls {
        out.push('\n');
        out.push_str("export ");
        out.push_str(decl.trim_end());
        out.push('\n');
    }
    out
}

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.gen.ts")
}

#[test]
fn bindings_gen_ts_matches_the_rust_types() {
    let want = generate();
    let path = checked_in();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).expect("write ui/src/lib/bindings.gen.ts");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "ui/src/lib/bindings.gen.ts is out of date with the Rust types; regenerate it with \
         `UPDATE_BINDINGS=1 cargo test -p strata-app bindings` and commit the result.\n\
         --- expected ---\n{want}"
    );
}

//! Every problem code the engine reports, in one list: `namespace.kind`, where the namespace
//! is the engine's word for what failed (`store`, `registry`, …) or for the kind of name that
//! was refused (`reference`, `digest`, `platform`).
//!
//! One spelling per meaning: every cancelled task is `task.cancelled`, content that does not
//! hash to what it should is `digest.mismatch`, and each kind of name has one `invalid` code.
//! The shells never report a code in these namespaces of their own accord: theirs are `app.*`
//! and `path.*` (the desktop app) and `cli.*` (the command line).

crate::vocabulary! {
    code
    /// A stable problem code. Part of the API: the UI translates by it, scripts match on it.
    #[non_exhaustive]
    pub enum Code {
        // The saved registry list, browsing and remote tag operations.
        CatalogCaFile = "catalog.ca_file",
        CatalogCrossRepository = "catalog.cross_repository",
        CatalogDeleteUnsupported = "catalog.delete_unsupported",
        CatalogDuplicate = "catalog.duplicate",
        CatalogFile = "catalog.file",
        CatalogNoCatalog = "catalog.no_catalog",
        CatalogNoConfigDir = "catalog.no_config_dir",
        CatalogNoTag = "catalog.no_tag",
        CatalogSharedDigest = "catalog.shared_digest",
        CatalogUnknownProvider = "catalog.unknown_provider",
        CatalogUnknownRegistry = "catalog.unknown_registry",

        // Containers.
        ContainerAmbiguous = "container.ambiguous",
        /// A file that is not UTF-8 text, for the text editor.
        ContainerBinary = "container.binary",
        ContainerCorrupt = "container.corrupt",
        ContainerInvalidMode = "container.invalid_mode",
        ContainerInvalidName = "container.invalid_name",
        ContainerInvalidOption = "container.invalid_option",
        ContainerInvalidPath = "container.invalid_path",
        ContainerIo = "container.io",
        ContainerLayerCount = "container.layer_count",
        ContainerMount = "container.mount",
        ContainerNameInUse = "container.name_in_use",
        ContainerNeedsRoot = "container.needs_root",
        ContainerNetwork = "container.network",
        /// A commit that would change nothing: no file and no config change.
        ContainerNoChanges = "container.no_changes",
        ContainerNoRuntime = "container.no_runtime",
        ContainerNoSlirp4netns = "container.no_slirp4netns",
        ContainerNotFound = "container.not_found",
        ContainerNotRegularFile = "container.not_regular_file",
        ContainerRuntime = "container.runtime",
        /// A file too large for the text editor.
        ContainerTooLarge = "container.too_large",
        ContainerUnknownUser = "container.unknown_user",
        ContainerUnsupported = "container.unsupported",

        // Logins and the keychain.
        CredentialsAccountsFile = "credentials.accounts_file",
        CredentialsAmbiguous = "credentials.ambiguous",
        CredentialsCheck = "credentials.check",
        CredentialsCorrupt = "credentials.corrupt",
        CredentialsEmptySecret = "credentials.empty_secret",
        CredentialsHelper = "credentials.helper",
        CredentialsImportFile = "credentials.import_file",
        CredentialsInvalidUsername = "credentials.invalid_username",
        CredentialsKeychain = "credentials.keychain",
        CredentialsLocked = "credentials.locked",
        CredentialsNoConfigDir = "credentials.no_config_dir",
        CredentialsNoKeychain = "credentials.no_keychain",
        CredentialsNotLoggedIn = "credentials.not_logged_in",
        CredentialsRefused = "credentials.refused",

        // Digests: every check of content against its digest or size.
        DigestInvalid = "digest.invalid",
        DigestMismatch = "digest.mismatch",

        // Container engines beside Strata (Podman, Docker).
        /// Podman's answer is not the JSON or archive it should be.
        EngineBadAnswer = "engine.bad_answer",
        /// The engine ran and failed.
        EngineFailed = "engine.failed",
        /// An image name or ID refused before it reached the engine.
        EngineInvalidName = "engine.invalid_name",
        EngineIo = "engine.io",
        /// No engine of that kind (or none at all) on this machine.
        EngineNotFound = "engine.not_found",
        EngineTooLarge = "engine.too_large",
        EngineUnknown = "engine.unknown",
        /// Found, but Strata cannot drive it (Docker Engine).
        EngineUnsupported = "engine.unsupported",

        HomeUnknown = "home.unknown",

        // Images: import, export, inspect, files.
        ImageCorrupt = "image.corrupt",
        ImageExists = "image.exists",
        /// JSON that is not the manifest, index or config it should be.
        ImageInvalid = "image.invalid",
        ImageInvalidChange = "image.invalid_change",
        ImageIo = "image.io",
        ImageLayerOutOfRange = "image.layer_out_of_range",
        ImageMediaType = "image.media_type",
        ImageMissing = "image.missing",
        ImageNeedsName = "image.needs_name",
        ImageNotAnArchive = "image.not_an_archive",
        ImageSchema1 = "image.schema1",
        ImageTooLarge = "image.too_large",
        ImageWouldOverwrite = "image.would_overwrite",

        // Layers (tar streams) and the files in them.
        LayerCorrupt = "layer.corrupt",
        LayerExists = "layer.exists",
        LayerIo = "layer.io",
        LayerNotAFile = "layer.not_a_file",
        LayerNotAFolder = "layer.not_a_folder",
        LayerNotFound = "layer.not_found",
        LayerTooLarge = "layer.too_large",
        LayerUnsafeEntry = "layer.unsafe_entry",

        // Registries' management APIs (ACR, Harbor, Docker Hub): the API's refusals by kind,
        // then Strata's own.
        ManageAccountExists = "manage.account_exists",
        ManageAccountInUse = "manage.account_in_use",
        ManageBadAnswer = "manage.bad_answer",
        ManageClock = "manage.clock",
        ManageForbidden = "manage.forbidden",
        ManageInsecureApi = "manage.insecure_api",
        ManageInvalidAccountName = "manage.invalid_account_name",
        ManageInvalidName = "manage.invalid_name",
        ManageLoginElsewhere = "manage.login_elsewhere",
        ManageNameTaken = "manage.name_taken",
        ManageNeedsSetting = "manage.needs_setting",
        ManageNoAccessKey = "manage.no_access_key",
        ManageNoApi = "manage.no_api",
        ManageNotFound = "manage.not_found",
        ManageRefused = "manage.refused",
        ManageRegionMismatch = "manage.region_mismatch",
        ManageSignatureMismatch = "manage.signature_mismatch",
        ManageThrottled = "manage.throttled",
        ManageUnauthorized = "manage.unauthorized",
        ManageUnknownAccount = "manage.unknown_account",
        ManageUnreachable = "manage.unreachable",
        ManageUnsupported = "manage.unsupported",
        ManageWrongKey = "manage.wrong_key",

        // Platforms (`os/arch[/variant]`).
        PlatformInvalid = "platform.invalid",
        PlatformNotFound = "platform.not_found",

        ReferenceInvalid = "reference.invalid",

        // Registries: connection, login and the distribution protocol.
        RegistryConnect = "registry.connect",
        RegistryDenied = "registry.denied",
        /// A registry host (endpoint) that is not a host name with an optional port.
        RegistryInvalidName = "registry.invalid_name",
        RegistryInvalidRepository = "registry.invalid_repository",
        RegistryMediaType = "registry.media_type",
        RegistryMissingBlob = "registry.missing_blob",
        RegistryNotFound = "registry.not_found",
        RegistryProtocol = "registry.protocol",
        RegistrySchema1 = "registry.schema1",
        RegistrySettings = "registry.settings",
        RegistryStatus = "registry.status",
        RegistryTls = "registry.tls",
        RegistryToken = "registry.token",
        RegistryUnauthorized = "registry.unauthorized",

        // Settings.
        SettingsInvalid = "settings.invalid",
        SettingsNoConfigDir = "settings.no_config_dir",
        SettingsRead = "settings.read",
        /// A mirror, proxy or imported file the settings refuse.
        SettingsValue = "settings.value",
        SettingsWrite = "settings.write",

        // The local store.
        StoreAmbiguous = "store.ambiguous",
        StoreBlobNotFound = "store.blob_not_found",
        StoreInUse = "store.in_use",
        StoreInvalidJson = "store.invalid_json",
        StoreIo = "store.io",
        StoreLayout = "store.layout",
        StoreNotFound = "store.not_found",
        StorePinnedDigest = "store.pinned_digest",
        StoreSeveralNames = "store.several_names",
        StoreTooLarge = "store.too_large",

        /// Any long work the person cancelled; nothing visible was left behind.
        TaskCancelled = "task.cancelled",
        /// No task has the id asked for (the list was cleared).
        TaskNotFound = "task.not_found",
        /// The task's thread could not be started.
        TaskSpawn = "task.spawn",
    }
}

impl Code {
    /// The namespace: `store` for `store.not_found`.
    pub fn namespace(self) -> &'static str {
        self.as_str().split('.').next().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_dotted_lowercase() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} is listed twice");
            let (ns, kind) = text.split_once('.').expect("namespace.kind");
            let word = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            };
            assert!(word(ns) && word(kind), "{text}");
            assert!(code.params().is_empty(), "{text} carries no arguments");
        }
        // One spelling for each meaning that used to have several.
        for gone in [
            "registry.cancelled",
            "store.digest_mismatch",
            "registry.digest_mismatch",
            "container.diff_id_mismatch",
            "registry.bad_platform",
            "image.platform_invalid",
        ] {
            assert_eq!(Code::parse(gone), None, "{gone}");
        }
    }
}

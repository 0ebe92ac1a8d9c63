//! What a person can do about a problem, as a key with arguments rather than a sentence.
//!
//! The same advice reads differently on each surface: the command line says
//! `strata login r.example`, the app says "Log in… on the Registries screen", in English or
//! in Chinese. So the engine only says *which* advice applies ([`HintKey`]) and with what
//! (`registry`, `path`, …); the CLI and the UI each hold the words. The arguments are plain
//! strings named by [`HintKey::params`], never secrets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A hint key of any surface (the engine's [`HintKey`], a shell's own): its spelling and the
/// names of its arguments. Implemented by [`vocabulary!`](crate::vocabulary) enums.
pub trait HintName {
    fn as_str(&self) -> &'static str;
    fn params(&self) -> &'static [&'static str];

    /// The hint with one argument; further ones with [`Hint::arg`].
    fn with(&self, name: &'static str, value: impl std::fmt::Display) -> Hint
    where
        Self: Sized,
    {
        debug_assert!(
            self.params().contains(&name),
            "{} takes no argument `{name}`",
            self.as_str()
        );
        Hint::new(self).arg(name, value)
    }
}

/// A hint as it crosses IPC: `{key, args}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Hint {
    /// A hint key: `credentials.log_in`, `path.choose_again`, …
    pub key: String,
    /// The values the advice names, by the key's parameter names: `{"registry": "r.io"}`.
    #[serde(default)]
    pub args: BTreeMap<String, String>,
}

impl Hint {
    /// The hint `key`, with no arguments yet.
    pub fn new(key: &impl HintName) -> Hint {
        Hint {
            key: key.as_str().to_string(),
            args: BTreeMap::new(),
        }
    }

    /// Adds the argument `name`.
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> Hint {
        self.args.insert(name.to_string(), value.to_string());
        self
    }

    /// The argument `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.args.get(name).map(String::as_str)
    }

    /// Whether this is the hint `key`.
    pub fn is(&self, key: &impl HintName) -> bool {
        self.key == key.as_str()
    }
}

impl<K: HintName> From<K> for Hint {
    fn from(key: K) -> Hint {
        Hint::new(&key)
    }
}

crate::vocabulary! {
    hint
    /// The advice the engine gives with its problems. The CLI words each key as commands and
    /// flags, the app as buttons and screens. Exhaustive on purpose: a new key is not done
    /// until every surface words it, and a surface's `match` says where.
    pub enum HintKey {
        CatalogAddRepositoriesByHand = "catalog.add_repositories_by_hand" ["registry"],
        CatalogAddTag = "catalog.add_tag",
        CatalogConfirmSharedDelete = "catalog.confirm_shared_delete",
        CatalogDeletePermission = "catalog.delete_permission",
        CatalogFixCaFile = "catalog.fix_ca_file",
        CatalogFixRegistryList = "catalog.fix_registry_list" ["path"],
        CatalogListRegistries = "catalog.list_registries",
        CatalogProviders = "catalog.providers" ["list"],
        CatalogRemoveDuplicate = "catalog.remove_duplicate",
        CatalogUseCopy = "catalog.use_copy",

        ContainerChangeFirst = "container.change_first",
        ContainerCheckNetwork = "container.check_network",
        ContainerCheckRuntime = "container.check_runtime",
        ContainerChooseOtherName = "container.choose_other_name",
        ContainerInstallRunc = "container.install_runc",
        ContainerInstallSlirp4netns = "container.install_slirp4netns",
        ContainerList = "container.list",
        ContainerModes = "container.modes",
        ContainerMoreDigits = "container.more_digits",
        ContainerNameGrammar = "container.name_grammar",
        ContainerNeedsLinux = "container.needs_linux",
        ContainerPullAgain = "container.pull_again",
        ContainerRecreate = "container.recreate",
        ContainerRegularFilesOnly = "container.regular_files_only",
        ContainerRunAsRoot = "container.run_as_root",
        ContainerTextOnly = "container.text_only",
        ContainerTooLargeToEdit = "container.too_large_to_edit",
        ContainerUseBaseline = "container.use_baseline",

        CredentialsCheckHelper = "credentials.check_helper" ["helper"],
        CredentialsCheckKeychain = "credentials.check_keychain",
        CredentialsCheckPassword = "credentials.check_password",
        CredentialsFixAccountsFile = "credentials.fix_accounts_file" ["path"],
        CredentialsFixImportFile = "credentials.fix_import_file",
        CredentialsGivePassword = "credentials.give_password",
        CredentialsGiveUsername = "credentials.give_username",
        /// No Secret Service on Linux and the BSDs: what to install and start.
        CredentialsInstallKeychain = "credentials.install_keychain",
        /// No keychain on other systems.
        CredentialsKeychainUnavailable = "credentials.keychain_unavailable",
        CredentialsLogIn = "credentials.log_in" ["registry"],
        CredentialsLogInAgain = "credentials.log_in_again" ["registry"],
        CredentialsNameAccount = "credentials.name_account",
        CredentialsRegistryExample = "credentials.registry_example",
        CredentialsUnlock = "credentials.unlock",
        CredentialsUsernameOnly = "credentials.username_only",

        DigestNothingStored = "digest.nothing_stored",

        /// Point `STRATA_HOME` at a usable folder.
        HomeSetEnv = "home.set_env",

        ImageChangeSyntax = "image.change_syntax",
        ImageChooseOtherPath = "image.choose_other_path",
        ImageConvertSchema1 = "image.convert_schema1",
        ImageGiveName = "image.give_name",
        ImageListLayers = "image.list_layers",
        ImageReplaceOrRename = "image.replace_or_rename",
        ImageWriteArchiveAgain = "image.write_archive_again",

        LayerCheckSpace = "layer.check_space",
        LayerChooseOtherFolder = "layer.choose_other_folder",
        LayerDevicesNeedRoot = "layer.devices_need_root",
        LayerFetchAgain = "layer.fetch_again",
        LayerListInstead = "layer.list_instead",
        LayerListParent = "layer.list_parent",
        /// A layer over a size or count limit: maybe a decompression bomb.
        LayerMaybeBomb = "layer.maybe_bomb",
        LayerRefused = "layer.refused",

        ManageAccountUsers = "manage.account_users" ["account"],
        ManageAddSetting = "manage.add_setting" ["registry", "setting"],
        ManageCheckAccessKey = "manage.check_access_key" ["registry"],
        ManageCheckClock = "manage.check_clock",
        ManageCheckEndpoint = "manage.check_endpoint",
        ManageCheckRegion = "manage.check_region" ["registry"],
        ManageCheckSecret = "manage.check_secret" ["registry"],
        ManageChooseOtherName = "manage.choose_other_name",
        ManageCloudLogin = "manage.cloud_login" ["registry"],
        ManageGrantPolicy = "manage.grant_policy",
        ManageListAccounts = "manage.list_accounts",
        ManageListFirst = "manage.list_first" ["registry"],
        ManageNameGrammar = "manage.name_grammar",
        ManagePushCreates = "manage.push_creates",
        ManageRetryLater = "manage.retry_later",
        ManageUseHttps = "manage.use_https",

        PlatformChoose = "platform.choose",

        ReferenceGrammar = "reference.grammar",

        RegistryBlobMissing = "registry.blob_missing",
        RegistryCheckAddress = "registry.check_address",
        RegistryCheckCredentials = "registry.check_credentials",
        RegistryCheckName = "registry.check_name",
        RegistryCheckProxy = "registry.check_proxy",
        RegistryCheckPermission = "registry.check_permission",
        RegistryCheckTokenServer = "registry.check_token_server",
        RegistryConvertSchema1 = "registry.convert_schema1",
        RegistryCorruptInTransit = "registry.corrupt_in_transit",
        RegistryEndpointExample = "registry.endpoint_example",
        RegistryLogIn = "registry.log_in",
        RegistryManifestRefused = "registry.manifest_refused",
        RegistryRateLimited = "registry.rate_limited",
        RegistryRepositoryGrammar = "registry.repository_grammar",
        RegistryServerFailed = "registry.server_failed",
        RegistryTrustCertificate = "registry.trust_certificate",
        RegistryUnsafeRealm = "registry.unsafe_realm",

        SettingsCheckFolder = "settings.check_folder",
        SettingsFixOrDelete = "settings.fix_or_delete" ["path"],

        StoreChooseHome = "store.choose_home",
        StoreForceAllNames = "store.force_all_names",
        StoreListImages = "store.list_images",
        StoreMoreDigits = "store.more_digits",
        StoreRemoveContainersFirst = "store.remove_containers_first",
        /// The store may be damaged: check it, fetch again what is broken.
        StoreRepair = "store.repair",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn a_hint_serialises_as_key_and_named_arguments() {
        let hint = HintKey::CredentialsLogIn.with("registry", "r.example");
        assert!(hint.is(&HintKey::CredentialsLogIn));
        assert_eq!(hint.get("registry"), Some("r.example"));
        assert_eq!(
            serde_json::to_value(&hint).unwrap(),
            serde_json::json!({"key": "credentials.log_in", "args": {"registry": "r.example"}})
        );
        let bare: Hint = HintKey::StoreRepair.into();
        assert_eq!(
            serde_json::to_value(&bare).unwrap(),
            serde_json::json!({"key": "store.repair", "args": {}})
        );
    }

    #[test]
    fn keys_are_unique_spelled_unlike_any_code_and_parameters_are_words() {
        let mut seen = HashSet::new();
        for key in HintKey::ALL {
            assert!(seen.insert(key.as_str()), "{key} is listed twice");
            assert_eq!(
                crate::problem::Code::parse(key.as_str()),
                None,
                "{key} is also a code"
            );
            assert_eq!(HintKey::parse(key.as_str()), Some(*key));
            for param in key.params() {
                assert!(
                    param.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                    "{key}: {param}"
                );
            }
        }
    }
}

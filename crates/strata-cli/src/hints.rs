//! The command line's words for every hint: the engine's advice ([`HintKey`]) and the CLI's
//! own ([`CliHint`]), said as the commands and flags of `strata`. The app words the same
//! keys as its buttons and screens (ui/src/lib/i18n/problems.ts).
//!
//! The match over [`HintKey`] is exhaustive: a key the engine adds does not build until it
//! has a sentence here.

use strata_core::home::HOME_ENV;
use strata_core::problem::{Hint, HintKey};

use crate::vocabulary::CliHint;

/// The hint as the `hint:` line says it. An argument the hint lacks reads as its name in
/// capitals (`strata login REGISTRY`); a key from no list (a newer engine) as the key.
pub fn text(hint: &Hint) -> String {
    if let Some(key) = HintKey::parse(&hint.key) {
        return engine(key, &|name| arg(hint, name));
    }
    if let Some(key) = CliHint::parse(&hint.key) {
        return cli(key).to_string();
    }
    hint.key.clone()
}

fn arg(hint: &Hint, name: &str) -> String {
    hint.get(name)
        .map(str::to_string)
        .unwrap_or_else(|| name.to_uppercase())
}

fn engine(key: HintKey, arg: &dyn Fn(&str) -> String) -> String {
    use HintKey as K;
    let text = match key {
        K::CatalogAddRepositoriesByHand => {
            return format!(
                "this registry does not list its repositories; add them by hand: \
                 `strata repos {} --add NAMESPACE/REPOSITORY`",
                arg("registry")
            )
        }
        K::CatalogAddTag => "add :TAG to the reference",
        K::CatalogConfirmSharedDelete => {
            "deleting by digest removes every tag that names it (the registry cannot \
             delete one tag alone); pass --yes to delete them all"
        }
        K::CatalogDeletePermission => {
            "deleting needs the registry's delete permission (`storage.delete.enabled` on \
             registry:2); Docker Hub and GHCR delete only in their web UI"
        }
        K::CatalogFixCaFile => "fix the path with `strata registries remove` then `add --ca-file`",
        K::CatalogFixRegistryList => {
            return format!(
                "check that the folder exists and that you may write to it; a damaged file \
                 can be deleted (only saved registries are lost): {}",
                arg("path")
            )
        }
        K::CatalogListRegistries => "`strata registries` lists them",
        K::CatalogProviders => return format!("one of: {}", arg("list")),
        K::CatalogRemoveDuplicate => {
            "remove it first with `strata registries remove NAME`, or use it as it is"
        }
        K::CatalogUseCopy => {
            "`strata copy SRC DST` copies an image to another repository or registry"
        }

        K::ContainerChangeFirst => {
            "change a file first: the new image would be the same as its base"
        }
        K::ContainerCheckNetwork => {
            "check that network namespaces are available, or run with --network host"
        }
        K::ContainerCheckRuntime => {
            "run as root, or check that cgroups and namespaces are available"
        }
        K::ContainerChooseOtherName => {
            "choose another --name, or remove the other container with `strata rm`"
        }
        K::ContainerInstallRunc => {
            "install runc (Debian/Ubuntu: apt install runc), or put it on $PATH"
        }
        K::ContainerInstallSlirp4netns => {
            "install slirp4netns (Debian/Ubuntu: apt install slirp4netns), or choose another \
             network (--network host or none)"
        }
        K::ContainerList => "`strata ps` lists the containers",
        K::ContainerModes => "use overlay or baseline",
        K::ContainerMoreDigits => "give more digits of the ID, or the container's name",
        K::ContainerNameGrammar => {
            "a name starts with a letter or digit, then letters, digits, '_', '.' or '-'"
        }
        K::ContainerNeedsLinux => {
            "containers are made, changed and run on a Linux host; images, registries and logins work here"
        }
        K::ContainerPullAgain => "`strata fsck` checks the store; pull the image again",
        K::ContainerRecreate => "remove the container with `strata rm -f` and create it again",
        K::ContainerRegularFilesOnly => {
            "only regular files are read, edited or saved; device nodes, FIFOs and sockets \
             are listed but never opened"
        }
        K::ContainerRunAsRoot => {
            "run strata as root (sudo) to run commands; files, diff and commit work without root"
        }
        K::ContainerTextOnly => "only UTF-8 text files open in the editor",
        K::ContainerTooLargeToEdit => {
            "files up to 1 MiB open in the editor; copy larger ones out with `strata cp`"
        }
        K::ContainerUseBaseline => {
            "overlayfs needs root (or a user namespace) on Linux; create the container with \
             STRATA_CONTAINER_MODE=baseline to use a copy instead"
        }

        K::CredentialsCheckHelper => {
            let helper = arg("helper");
            return format!(
                "check that docker-credential-{helper} is on PATH and works \
                 (`docker-credential-{helper} list`)"
            );
        }
        K::CredentialsCheckKeychain => {
            "check that the keychain works, e.g. with `secret-tool` on Linux"
        }
        K::CredentialsCheckPassword => {
            "check the username and password (or access token); ACR's username is the \
             full account name, and a RAM user may be limited to some namespaces"
        }
        K::CredentialsFixAccountsFile => {
            return format!(
                "check that you may write to {}; delete the file to start from no accounts \
                 (the secrets stay in the keychain)",
                arg("path")
            )
        }
        K::CredentialsFixImportFile => "fix the file, or name another one with --config PATH",
        K::CredentialsGivePassword => {
            "pipe the password or token into --password-stdin, e.g. \
             `printf %s \"$TOKEN\" | strata login REGISTRY -u USER --password-stdin`"
        }
        K::CredentialsGiveUsername => "pass the account's name with -u USER",
        K::CredentialsInstallKeychain => {
            "Strata keeps secrets only in a Secret Service keychain and never in a plain file: \
             install and start one, e.g. gnome-keyring (Debian: `apt install gnome-keyring`, \
             then `gnome-keyring-daemon --start --components=secrets`) or KeePassXC with \
             \"Secret Service integration\" enabled; on a headless machine run Strata inside \
             `dbus-run-session` with an unlocked gnome-keyring (`echo PASSWORD | \
             gnome-keyring-daemon --unlock`). Until then, pass --creds USER:PASS per command"
        }
        K::CredentialsKeychainUnavailable => {
            "Strata keeps secrets only in the operating system's keychain; check that it is \
             available to this user, or pass --creds USER:PASS per command"
        }
        K::CredentialsLogIn => {
            return format!(
                "`strata accounts` lists the saved logins; `strata login {} -u USER \
                 --password-stdin` adds one",
                arg("registry")
            )
        }
        K::CredentialsLogInAgain => {
            return format!("log in again with `strata login {}`", arg("registry"))
        }
        K::CredentialsNameAccount => {
            "name the account with -u USER (or use --all to log out of every one)"
        }
        K::CredentialsRegistryExample => {
            "give a host with an optional port and namespace, e.g. \
             registry.cn-hangzhou.aliyuncs.com/my-namespace or 127.0.0.1:5000"
        }
        K::CredentialsUnlock => {
            "unlock the keychain (on Linux: the \"login\" collection of your Secret \
             Service) and try again"
        }
        K::CredentialsUsernameOnly => "give the account's name without a password",

        K::DigestNothingStored => {
            "the data was corrupted or changed in transit; nothing was stored"
        }

        K::HomeSetEnv => return format!("set {HOME_ENV} to a folder Strata may use"),

        K::ImageChangeSyntax => {
            "a change is a Dockerfile instruction such as CMD [\"/app\"] or ENV KEY=VALUE"
        }
        K::ImageChooseOtherPath => "choose another path, or remove the old one first",
        K::ImageConvertSchema1 => {
            "copy it once with `skopeo copy`, which converts schema 1 to a current format"
        }
        K::ImageGiveName => "name the image with --tag REF",
        K::ImageListLayers => "`strata inspect` lists the layers, bottom (0) first",
        K::ImageReplaceOrRename => "choose another file, or replace it: `strata export --force`",
        K::ImageWriteArchiveAgain => {
            "nothing was imported; write the archive again from its source"
        }

        K::LayerCheckSpace => "check free space and the folder's permissions",
        K::LayerChooseOtherFolder => "remove it first or choose another folder",
        K::LayerDevicesNeedRoot => "device nodes are only created when allowed and running as root",
        K::LayerFetchAgain => {
            "the blob may be truncated or not a layer at all; fetch or import it again"
        }
        K::LayerListInstead => "list it instead of reading it",
        K::LayerListParent => "list the folder above it to see what is there",
        K::LayerRefused => {
            "the layer was refused and nothing outside the target was touched; it may be \
             malicious or made by a broken tool"
        }
        K::LayerMaybeBomb => {
            "the layer may be a decompression bomb; if it is genuinely this large, raise the \
             limit"
        }

        K::ManageAccountUsers => {
            return format!(
                "remove those registries first, or pass --force to leave them without an \
                 AccessKey: `strata cloud-accounts rm {} --force`",
                arg("account")
            )
        }
        K::ManageAddSetting => {
            return format!(
                "save it with the registry: `strata registries remove {0}` then `strata \
                 registries add {0} --provider … --{1} …`",
                arg("registry"),
                arg("setting")
            )
        }
        K::ManageCheckAccessKey => {
            return format!(
                "the AccessKey ID is unknown, disabled or expired; create one in the RAM \
                 console and save it with `strata cloud-login {} --access-key-id ID \
                 --access-key-secret-stdin`",
                arg("registry")
            )
        }
        K::ManageCheckClock => {
            "the request's time was refused: set this machine's clock (NTP) and try again"
        }
        K::ManageCheckEndpoint => {
            "check the network and the API endpoint (`--api-endpoint` of `strata registries add`)"
        }
        K::ManageCheckRegion => {
            return format!(
                "the API's region is not the registry's: add {} again with the region in \
                 its endpoint (`--region`)",
                arg("registry")
            )
        }
        K::ManageCheckSecret => {
            return format!(
                "the signature did not match: the AccessKey secret is wrong; save the right \
                 one with `strata cloud-login {} --access-key-id ID --access-key-secret-stdin`",
                arg("registry")
            )
        }
        K::ManageChooseOtherName => "that name is taken: choose another one",
        K::ManageCloudLogin => {
            return format!(
                "save an AccessKey first: `strata cloud-login {} --access-key-id ID \
                 --access-key-secret-stdin`",
                arg("registry")
            )
        }
        K::ManageGrantPolicy => {
            "the RAM user may not do this: grant it a policy for Container Registry (e.g. \
             AliyunContainerRegistryFullAccess) or ask the account owner"
        }
        K::ManageListAccounts => "`strata cloud-accounts ls` lists the saved cloud accounts",
        K::ManageListFirst => {
            return format!(
                "`strata ns ls {0}` and `strata repo ls {0}/NAMESPACE` list what exists",
                arg("registry")
            )
        }
        K::ManageNameGrammar => {
            "names are 2 to 64 of lowercase letters, digits, `-`, `_` or `.`, starting with a \
             letter or a digit"
        }
        K::ManagePushCreates => "this provider creates repositories on the first push: push to it",
        K::ManageRetryLater => "the API is throttling requests: wait a moment and try again",
        K::ManageUseHttps => {
            "use an https:// API endpoint; plain http is allowed only on this machine"
        }

        K::PlatformChoose => "choose one of them with --platform",

        K::ReferenceGrammar => {
            "a reference looks like [registry[:port]/]repository[:tag][@sha256:digest], \
             e.g. ubuntu:24.04 or ghcr.io/owner/app@sha256:…"
        }

        K::RegistryBlobMissing => {
            "a layer or config the manifest lists is missing in the repository: push the \
             image again; for a pull, the image on the registry is incomplete"
        }
        K::RegistryCheckAddress => {
            "check the registry's address and your network; a registry on plain HTTP \
             outside this machine needs --insecure"
        }
        K::RegistryCheckCredentials => {
            "check the username and password (--creds USER:PASS or `strata login`); \
             ACR's username is the full account name"
        }
        K::RegistryCheckProxy => {
            "check that the proxy is running and this machine reaches it, or change it \
             (`strata proxy show`, `strata proxy set`); hosts in NO_PROXY (or `--no-proxy`) \
             are reached directly"
        }
        K::RegistryCheckName => {
            "check the repository name and the tag; `strata tags REPO` lists the tags"
        }
        K::RegistryCheckPermission => {
            "the account lacks this permission: check that the repository exists (some \
             registries do not create it on push) and that the account may write to the \
             namespace"
        }
        K::RegistryCheckTokenServer => "check the registry's address and credentials",
        K::RegistryConvertSchema1 => {
            "push the image again with a current docker or skopeo, which converts it"
        }
        K::RegistryCorruptInTransit => {
            "the data was corrupted in transit or the registry is inconsistent; nothing \
             was stored. Try again"
        }
        K::RegistryEndpointExample => {
            "for example registry.cn-hangzhou.aliyuncs.com or 127.0.0.1:5000"
        }
        K::RegistryLogIn => "log in first with `strata login REGISTRY`, or pass --creds USER:PASS",
        K::RegistryManifestRefused => {
            "the registry refused the manifest: check that it accepts this media type \
             (some registries refuse OCI or Docker formats) and that every layer was pushed"
        }
        K::RegistryRateLimited => {
            "the registry is rate limiting; wait a while, or log in for a higher limit"
        }
        K::RegistryRepositoryGrammar => "a repository is lowercase path components: team/app",
        K::RegistryServerFailed => "the registry failed on its side; try again later",
        K::RegistryTrustCertificate => {
            "add the registry's CA certificate to its settings, or use --insecure for a \
             registry you trust"
        }
        K::RegistryUnsafeRealm => {
            "the registry's token server must be reached over https (plain http only on \
             this machine); ask its operator to fix the registry's auth settings"
        }

        K::SettingsCheckFolder => "check that the folder exists and that you may write to it",
        K::SettingsFixOrDelete => {
            return format!(
                "fix the file or delete it to start from the defaults: {}",
                arg("path")
            )
        }

        K::StoreChooseHome => "pass --home with an empty folder or an existing Strata store",
        K::StoreForceAllNames => "pass --force to remove every name",
        K::StoreListImages => "`strata images` lists the images in the store",
        K::StoreMoreDigits => "give more digits of the ID, or the image's name",
        K::StoreRemoveContainersFirst => "remove the containers first, or pass --force",
        K::StoreRepair => "`strata fsck` checks the whole store",
    };
    text.to_string()
}

fn cli(key: CliHint) -> &'static str {
    match key {
        CliHint::AddUser => "add -u USER",
        CliHint::AnswerOrYes => "run it on a terminal to answer, or pass --yes",
        CliHint::CompressionNames => "use gzip or zstd",
        CliHint::CpExample => {
            "strata cp ./file.txt web:/tmp/   or   strata cp web:/etc/hosts ./hosts"
        }
        CliHint::CredsExample => "for example --creds ann:s3cret; the password may contain `:`",
        CliHint::FsckRepair => "`strata rmi` the broken images and pull or import them again",
        CliHint::NamespaceOnce => {
            "give the namespace once, either as REGISTRY/NAMESPACE or with --namespace"
        }
        CliHint::NoTty => "leave out -t when piping into `strata run`",
        CliHint::PushRemoteName => {
            "give the remote name: strata push LOCAL REGISTRY/REPOSITORY[:TAG]"
        }
        CliHint::SecurityOpt => "seccomp=unconfined is the one security option strata run takes",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_core::problem::HintName;

    #[test]
    fn every_engine_hint_has_its_own_sentence_naming_its_arguments() {
        for key in HintKey::ALL {
            let mut hint = Hint::new(key);
            for param in key.params() {
                hint = hint.arg(param, format!("<{param}>"));
            }
            let said = text(&hint);
            assert_ne!(said, key.as_str(), "{key} has no CLI sentence");
            for param in key.params() {
                assert!(said.contains(&format!("<{param}>")), "{key}: {said}");
            }
        }
    }

    #[test]
    fn hints_say_the_commands_and_flags_of_strata() {
        for (hint, want) in [
            (
                HintKey::CredentialsLogIn.with("registry", "r.example"),
                "`strata accounts` lists the saved logins; `strata login r.example -u USER \
                 --password-stdin` adds one",
            ),
            (
                HintKey::CredentialsLogInAgain.with("registry", "ghcr.io"),
                "log in again with `strata login ghcr.io`",
            ),
            (
                HintKey::CatalogAddRepositoriesByHand.with("registry", "127.0.0.1:5000"),
                "this registry does not list its repositories; add them by hand: \
                 `strata repos 127.0.0.1:5000 --add NAMESPACE/REPOSITORY`",
            ),
            (
                HintKey::StoreListImages.into(),
                "`strata images` lists the images in the store",
            ),
            (
                HintKey::ImageReplaceOrRename.into(),
                "choose another file, or replace it: `strata export --force`",
            ),
            (
                HintKey::HomeSetEnv.into(),
                "set STRATA_HOME to a folder Strata may use",
            ),
            (CliHint::AddUser.into(), "add -u USER"),
        ] {
            assert_eq!(text(&hint), want);
        }
    }

    #[test]
    fn a_missing_argument_reads_as_its_name_and_an_unknown_key_as_itself() {
        let bare = Hint::new(&HintKey::CredentialsLogInAgain);
        assert_eq!(text(&bare), "log in again with `strata login REGISTRY`");
        let unknown = Hint {
            key: "registry.brand_new".into(),
            args: Default::default(),
        };
        assert_eq!(text(&unknown), "registry.brand_new");
    }

    #[test]
    fn no_keychain_says_what_to_install() {
        let said = text(&HintKey::CredentialsInstallKeychain.into());
        for words in [
            "gnome-keyring",
            "KeePassXC",
            "dbus-run-session",
            "--creds USER:PASS",
        ] {
            assert!(said.contains(words), "{said}");
        }
    }
}

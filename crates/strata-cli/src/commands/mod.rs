//! One function per command; each resolves its inputs, calls the engine once and renders.
//! [`run`] sends each command to its group's dispatcher.

use strata_core::home::Home;
use strata_core::problem::{Explain, Problem};

use crate::cli::{Cli, Command, RegistriesAction};
use crate::render;
use crate::vocabulary::CliCode;

mod access;
mod auth;
mod container;
mod engines;
mod files;
mod image;
mod insight;
mod manage;
mod network;
mod remote;
mod runtime;
mod store;
mod transfer;

pub fn run(cli: Cli) -> Result<(), Problem> {
    let home = || Home::resolve(cli.home.as_deref()).map_err(|e| e.problem());
    match cli.command {
        Command::Home { json } => {
            let home = home()?;
            if json {
                render::json(&home)
            } else {
                println!("{}", home.path.display());
                Ok(())
            }
        }
        Command::Send { image, to, json } => engines::send(&home()?, &image, to.as_deref(), json),
        Command::Engines { json } => engines::list(json),
        Command::Manpages { dir } => manpages(&dir),
        Command::Import {
            path,
            from: Some(engine),
            tag,
            json,
        } => engines::import(&home()?, &engine, &path, tag.as_deref(), json),
        command @ (Command::Images { .. }
        | Command::Tag { .. }
        | Command::Rmi { .. }
        | Command::Prune { .. }
        | Command::Df { .. }
        | Command::Fsck { .. }
        | Command::Inspect { .. }
        | Command::History { .. }
        | Command::Files { .. }
        | Command::Analyze { .. }
        | Command::Compare { .. }
        | Command::Packages { .. }
        | Command::Import { .. }
        | Command::ImportRootfs { .. }
        | Command::Export { .. }) => images(command, &home()?),
        command @ (Command::Create { .. }
        | Command::Ps { .. }
        | Command::Run { .. }
        | Command::Cp { .. }
        | Command::Diff { .. }
        | Command::Commit { .. }
        | Command::Rm { .. }) => containers(command, &home()?),
        Command::Mirrors { action, json } => network::mirrors(&home()?, action, json),
        Command::Proxy { action, json } => network::proxy(&home()?, action, json),
        command @ (Command::Pull { .. }
        | Command::Push { .. }
        | Command::Login { .. }
        | Command::Logout { .. }
        | Command::Accounts { .. }
        | Command::Registries { .. }) => logins(command, &home()?),
        command @ (Command::Repos { .. }
        | Command::Tags { .. }
        | Command::Rtag { .. }
        | Command::Rdelete { .. }
        | Command::Copy { .. }
        | Command::PushScript { .. }) => catalog(command, &home()?),
        Command::CloudLogin {
            registry,
            access_key_id,
            access_key_secret_stdin: _,
            sts_token,
            account,
            json,
        } => manage::cloud_login(
            &home()?,
            &registry,
            access_key_id.as_deref(),
            sts_token,
            account.as_deref(),
            json,
        ),
        Command::CloudAccounts { action, json } => manage::cloud_accounts(&home()?, action, json),
        Command::Outdated { json } => insight::outdated(&home()?, json),
        Command::Ns { action } => manage::ns(&home()?, action),
        Command::Repo { action } => manage::repo(&home()?, action),
    }
}

/// The local store and its images: `images`, `tag`, `rmi`, `prune`, `df`, `fsck`, `inspect`,
/// `history`, `files`, `analyze`, `compare`, `packages`, `import`, `import-rootfs`, `export`.
fn images(command: Command, home: &Home) -> Result<(), Problem> {
    match command {
        Command::Images { json } => store::images(home, json),
        Command::Tag { source, target } => store::tag(home, &source, &target),
        Command::Rmi {
            images,
            force,
            json,
        } => store::rmi(home, &images, force, json),
        Command::Prune { json } => store::prune(home, json),
        Command::Df { verbose, json } => store::df(home, verbose, json),
        Command::Fsck { json } => store::fsck(home, json),
        Command::Inspect {
            image,
            platform,
            json,
        } => image::inspect(home, &image, platform.as_deref(), json),
        Command::History {
            image,
            platform,
            no_trunc,
            json,
        } => image::history(home, &image, platform.as_deref(), no_trunc, json),
        Command::Files {
            image,
            path,
            layer,
            recursive,
            deleted,
            changes,
            cat,
            platform,
            json,
        } => files::files(
            home,
            files::FilesArgs {
                image: &image,
                path: &path,
                layer,
                recursive,
                deleted,
                changes,
                cat: cat.as_deref(),
                platform: platform.as_deref(),
                json,
            },
        ),
        Command::Analyze {
            image,
            fail_below,
            top,
            platform,
            json,
        } => insight::analyze(
            home,
            insight::AnalyzeArgs {
                image: &image,
                fail_below,
                top,
                platform: platform.as_deref(),
                json,
            },
        ),
        Command::Compare {
            a,
            b,
            platform,
            json,
        } => insight::compare(home, &a, &b, platform.as_deref(), json),
        Command::Packages {
            image,
            sbom,
            platform,
            json,
        } => insight::packages(
            home,
            &image,
            sbom.map(Into::into),
            platform.as_deref(),
            json,
        ),
        Command::Import {
            path,
            from: None,
            tag,
            json,
        } => image::import(home, &path, tag.as_deref(), json),
        Command::ImportRootfs {
            path,
            tag,
            message,
            changes,
            platform,
            json,
        } => image::import_rootfs(
            home,
            image::RootfsArgs {
                path: &path,
                tag: &tag,
                message,
                changes,
                platform: platform.as_deref(),
                json,
            },
        ),
        Command::Export {
            image,
            path,
            format,
            platform,
            force,
            json,
        } => image::export(
            home,
            &image,
            &path,
            &format,
            platform.as_deref(),
            force,
            json,
        ),
        other => unreachable!("run() sends images commands only, not {other:?}"),
    }
}

/// Containers: `create`, `ps`, `run`, `cp`, `diff`, `commit`, `rm`.
fn containers(command: Command, home: &Home) -> Result<(), Problem> {
    match command {
        Command::Create {
            image,
            name,
            mode,
            json,
        } => container::create(home, &image, name.as_deref(), mode.as_deref(), json),
        Command::Ps { json } => container::ps(home, json),
        Command::Run {
            name,
            tty,
            interactive: _,
            env,
            workdir,
            user,
            network,
            security_opt,
            command,
        } => container::run(
            home,
            &name,
            container::run_options(command, env, workdir, user, tty, &network, &security_opt)?,
        ),
        Command::Cp { src, dest } => container::cp(home, &src, &dest),
        Command::Diff { name, json } => container::diff(home, &name, json),
        Command::Commit {
            name,
            reference,
            message,
            author,
            changes,
            compression,
            level,
            reproducible,
            json,
        } => container::commit(
            home,
            container::CommitArgs {
                name: &name,
                reference: &reference,
                message,
                author,
                changes,
                compression: &compression,
                level,
                reproducible,
                json,
            },
        ),
        Command::Rm { names, json } => container::rm(home, &names, json),
        other => unreachable!("run() sends containers commands only, not {other:?}"),
    }
}

/// Moving images and the logins they use: `pull`, `push`, `login`, `logout`, `accounts`,
/// `registries`.
fn logins(command: Command, home: &Home) -> Result<(), Problem> {
    match command {
        Command::Pull {
            reference,
            platform,
            access,
            json,
        } => transfer::pull(
            home,
            &reference,
            platform.as_deref(),
            (&access).into(),
            json,
        ),
        Command::Push {
            local,
            remote,
            compression,
            compression_level,
            access,
            json,
        } => {
            let compression = transfer::Compress {
                how: compression.map(Into::into),
                level: compression_level,
            };
            transfer::push(
                home,
                &local,
                remote.as_deref(),
                compression,
                (&access).into(),
                json,
            )
        }
        Command::Login {
            registry,
            username,
            password_stdin,
            namespace,
            default,
            insecure,
            import_docker,
            config,
            yes,
            json,
        } => match registry {
            Some(registry) if !import_docker => auth::login(
                home,
                auth::LoginArgs {
                    registry: &registry,
                    username: username.as_deref(),
                    password_stdin,
                    namespace: namespace.as_deref(),
                    default,
                    insecure,
                    json,
                },
            ),
            _ => auth::import(home, config, yes, json),
        },
        Command::Logout {
            registry,
            username,
            all,
        } => auth::logout(home, &registry, username.as_deref(), all),
        Command::Accounts { json } => auth::accounts(home, json),
        Command::Registries { action, json } => match action {
            None | Some(RegistriesAction::List) => remote::registries_list(home, json),
            Some(RegistriesAction::Add {
                endpoint,
                provider,
                name,
                username,
                insecure,
                ca_file,
                region,
                instance,
                api_endpoint,
                account,
            }) => remote::registries_add(
                home,
                remote::AddArgs {
                    endpoint,
                    provider,
                    name,
                    username,
                    insecure,
                    ca_file,
                    account,
                    api: strata_core::catalog::manage::ApiSettings {
                        region,
                        instance,
                        endpoint: api_endpoint,
                        ..Default::default()
                    },
                },
                json,
            ),
            Some(RegistriesAction::Remove { name }) => remote::registries_remove(home, &name, json),
            Some(RegistriesAction::Instances { name }) => manage::instances(home, &name, json),
        },
        other => unreachable!("run() sends logins commands only, not {other:?}"),
    }
}

/// The catalog on registries: `repos`, `tags`, `rtag`, `rdelete`, `copy`, `push-script`.
fn catalog(command: Command, home: &Home) -> Result<(), Problem> {
    match command {
        Command::Repos {
            registry,
            add,
            forget,
            no_catalog,
            page_size,
            access,
            json,
        } => remote::repos(
            home,
            remote::ReposArgs {
                target: &registry,
                add,
                forget,
                no_catalog,
                page_size,
                access: (&access).into(),
                json,
            },
        ),
        Command::Tags {
            repository,
            details,
            page_size,
            access,
            json,
        } => remote::tags(
            home,
            &repository,
            details,
            page_size,
            (&access).into(),
            json,
        ),
        Command::Rtag {
            source,
            target,
            access,
            json,
        } => remote::rtag(home, &source, &target, (&access).into(), json),
        Command::Rdelete {
            reference,
            yes,
            access,
            json,
        } => remote::rdelete(home, &reference, yes, (&access).into(), json),
        Command::Copy {
            source,
            target,
            creds,
            src_creds,
            dest_creds,
            insecure,
            json,
        } => remote::copy(
            home,
            remote::CopyArgs {
                source: &source,
                target: &target,
                creds: creds.as_deref(),
                src_creds: src_creds.as_deref(),
                dest_creds: dest_creds.as_deref(),
                insecure,
                json,
            },
        ),
        Command::PushScript {
            repository,
            docker: _,
            strata,
            vpc,
            username,
            json,
        } => remote::push_script(home, &repository, strata, vpc, username.as_deref(), json),
        other => unreachable!("run() sends catalog commands only, not {other:?}"),
    }
}

/// `strata manpages DIR`: strata.1 and a strata-COMMAND.1 for every command (hidden ones
/// left out), from the same clap grammar `strata help` prints.
fn manpages(dir: &std::path::Path) -> Result<(), Problem> {
    use clap::CommandFactory;
    let failed = |e: std::io::Error| {
        Problem::new(
            CliCode::Io,
            format!("cannot write man pages into {}: {e}", dir.display()),
        )
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(failed)?;
    println!("{}", dir.display());
    Ok(())
}

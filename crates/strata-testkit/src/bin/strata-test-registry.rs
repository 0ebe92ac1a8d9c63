//! `strata-test-registry`: one real test registry for tests that are not written in Rust
//! (the GUI tests in `tests/e2e/`). It starts Debian's `docker-registry` on 127.0.0.1 in
//! the asked auth mode, prints one JSON line describing it, and stops it (by its own PID,
//! removing its storage) when standard input closes or the process is told to stop.
//!
//! ```text
//! strata-test-registry [none|htpasswd|token] [--user NAME:PASSWORD]... [--tls]
//! {"url":"http://127.0.0.1:PORT","host":"127.0.0.1:PORT","pid":123,"mode":"htpasswd",
//!  "users":[{"name":"alice","password":"…"}],"ca_pem":null}
//! ```
//!
//! With `--tls` the registry serves HTTPS (`"url":"https://…"`) with a certificate signed
//! by a throw-away CA, whose PEM is `ca_pem`.
//!
//! With `--acr-personal KEY_ID:SECRET` it also starts the testkit's ACR Personal Edition
//! API server (every request's ACS3 signature checked against that AccessKey) and the
//! registry accepts the server's temporary login (`cr_temp_user`) as its only user:
//! `"acr":{"url":"http://127.0.0.1:PORT","region":"cn-hangzhou"}`, what the app's
//! "Add registry" form takes as the API endpoint.

use std::io::{Read, Write};
use std::process::ExitCode;

use strata_testkit::acr::{AcrConfig, AcrServer};
use strata_testkit::registry::{Auth, Registry};
use strata_testkit::user::User;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut mode = "none".to_string();
    let mut users = Vec::new();
    let mut tls = false;
    let mut acr_key: Option<(String, String)> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--user" => {
                let spec = args.next().ok_or("--user needs NAME:PASSWORD")?;
                let (name, password) = spec
                    .split_once(':')
                    .ok_or_else(|| format!("--user {spec}: expected NAME:PASSWORD"))?;
                users.push(User::new(name, password));
            }
            "--tls" => tls = true,
            "--acr-personal" => {
                let spec = args.next().ok_or("--acr-personal needs KEY_ID:SECRET")?;
                let (id, secret) = spec
                    .split_once(':')
                    .ok_or_else(|| format!("--acr-personal {spec}: expected KEY_ID:SECRET"))?;
                acr_key = Some((id.to_string(), secret.to_string()));
            }
            "none" | "htpasswd" | "token" => mode = arg,
            "-h" | "--help" => {
                println!(
                    "usage: strata-test-registry [none|htpasswd|token] [--user NAME:PASSWORD]... [--tls] \
                     [--acr-personal KEY_ID:SECRET]"
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    let acr = acr_key
        .map(|(id, secret)| AcrServer::start(AcrConfig::new(&id, &secret)))
        .transpose()
        .map_err(|e| e.to_string())?;
    if let Some(acr) = &acr {
        if mode == "none" {
            return Err("--acr-personal needs htpasswd or token mode".into());
        }
        users = vec![acr.temporary_login()];
    }
    if mode != "none" && users.is_empty() {
        users.push(User::new("tester", "correct horse battery staple"));
    }
    let auth = match mode.as_str() {
        "htpasswd" => Auth::Htpasswd { users },
        "token" => Auth::Token { users },
        _ => Auth::None,
    };
    let mut builder = Registry::builder(auth);
    if tls {
        builder = builder.tls();
    }
    let registry = builder.start().map_err(|e| e.to_string())?;
    let described = serde_json::json!({
        "url": registry.url(),
        "host": registry.host(),
        "pid": registry.pid(),
        "mode": mode,
        "users": registry.users.iter().map(|u| serde_json::json!({
            "name": u.name, "password": u.password,
        })).collect::<Vec<_>>(),
        "ca_pem": registry.ca_pem(),
        "acr": acr.as_ref().map(|a| serde_json::json!({"url": a.url(), "region": "cn-hangzhou"})),
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{described}").map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    drop(out);
    // Runs until the parent closes our stdin (or dies, which closes it too): the registry
    // then goes with us instead of outliving the test that started it.
    let mut sink = Vec::new();
    let _ = std::io::stdin().lock().read_to_end(&mut sink);
    registry.stop();
    drop(acr);
    Ok(())
}

//! Debian's `docker-registry` (CNCF distribution 2.8) on a free loopback port, started and
//! stopped by the tests (configuration reference:
//! <https://distribution.github.io/distribution/about/configuration/>).
//!
//! Each [`Registry`] gets its own temporary directory holding the generated
//! `config.yml`, the blob storage, the htpasswd file or the token certificate, the TLS
//! certificates (with [`RegistryBuilder::tls`]), and the registry's log. Dropping the handle kills the process by its PID and waits for it.

use std::fs::{self, File};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rand::distributions::{Alphanumeric, DistString};

use crate::process::{self, free_port, http_status, poll_until};
use crate::token::{IssuerConfig, TokenError, TokenIssuer, TokenRequest};
use crate::user::User;

/// Where Debian installs distribution's registry.
pub const REGISTRY_BINARY: &str = "/usr/bin/docker-registry";
/// The `service` of the token challenge and the tokens' audience.
pub const TOKEN_SERVICE: &str = "strata-testkit-registry";
/// The tokens' issuer, which the registry checks.
pub const TOKEN_ISSUER: &str = "strata-testkit-issuer";
/// The Basic realm of htpasswd mode.
pub const BASIC_REALM: &str = "strata-testkit";

/// Why a registry could not be started.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{REGISTRY_BINARY} is not installed; run `make deps` or `sudo apt-get install docker-registry`")]
    NotInstalled,
    #[error("could not prepare the registry's directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("could not hash a password for the htpasswd file: {0}")]
    Htpasswd(#[from] bcrypt::BcryptError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("could not create the registry's TLS certificates: {0}")]
    Tls(#[from] rcgen::Error),
    #[error("docker-registry did not answer on {addr} ({reason}); its log says:\n{log}")]
    NotReady {
        addr: SocketAddr,
        reason: String,
        log: String,
    },
}

/// How clients authenticate.
#[derive(Debug, Clone)]
pub enum Auth {
    /// Anyone may do anything.
    None,
    /// HTTP Basic against an htpasswd file of bcrypt hashes; every user may do everything.
    Htpasswd { users: Vec<User> },
    /// Bearer tokens from a [`TokenIssuer`] that enforces each user's grants.
    Token { users: Vec<User> },
}

/// Which of the [`Auth`] modes a registry runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    None,
    Htpasswd,
    Token,
}

/// Options beyond the auth mode.
#[derive(Debug, Clone)]
pub struct RegistryBuilder {
    auth: Auth,
    token_ttl: Duration,
    start_timeout: Duration,
    tls: bool,
}

impl RegistryBuilder {
    /// `expires_in` of issued tokens (default 300 s). distribution accepts a token up to 60 s
    /// after its `exp` (its clock-skew leeway), so a short TTL tests a client's refresh
    /// logic, not the registry's refusal.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// How long to wait for `/v2/` to answer (default 20 s).
    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }

    /// Serves HTTPS with a server certificate for `127.0.0.1` and `localhost`, signed by a
    /// throw-away CA made for this registry alone ([`Registry::ca_pem`]); [`Registry::url`]
    /// then starts with `https://`. The token issuer, in token mode, stays on plain HTTP.
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Starts the issuer (token mode) and the registry, and waits until `/v2/` answers.
    pub fn start(self) -> Result<Registry, RegistryError> {
        if !Path::new(REGISTRY_BINARY).exists() {
            return Err(RegistryError::NotInstalled);
        }
        let dir = tempfile::Builder::new()
            .prefix("strata-registry-")
            .tempdir()?;
        let (mode, users) = match &self.auth {
            Auth::None => (AuthMode::None, Vec::new()),
            Auth::Htpasswd { users } => (AuthMode::Htpasswd, users.clone()),
            Auth::Token { users } => (AuthMode::Token, users.clone()),
        };
        let auth_yaml = match mode {
            AuthMode::None => String::new(),
            AuthMode::Htpasswd => {
                let path = dir.path().join("htpasswd");
                write_htpasswd(&path, &users)?;
                format!(
                    "auth:\n  htpasswd:\n    realm: {}\n    path: {}\n",
                    yaml_str(BASIC_REALM),
                    yaml_path(&path)
                )
            }
            AuthMode::Token => String::new(),
        };
        let issuer = match mode {
            AuthMode::Token => Some(TokenIssuer::start(IssuerConfig {
                service: TOKEN_SERVICE.to_string(),
                issuer: TOKEN_ISSUER.to_string(),
                ttl: self.token_ttl,
                users: users.clone(),
            })?),
            _ => None,
        };
        let auth_yaml = match &issuer {
            Some(issuer) => {
                let bundle = dir.path().join("token-root.pem");
                fs::write(
                    &bundle,
                    &crate::jwt::identity().map_err(TokenError::from)?.cert_pem,
                )?;
                format!(
                    "auth:\n  token:\n    realm: {}\n    service: {}\n    issuer: {}\n    rootcertbundle: {}\n",
                    yaml_str(&issuer.realm()),
                    yaml_str(TOKEN_SERVICE),
                    yaml_str(TOKEN_ISSUER),
                    yaml_path(&bundle)
                )
            }
            None => auth_yaml,
        };
        let (tls_yaml, ca_pem) = if self.tls {
            let identity = crate::tls::server_identity()?;
            let cert = dir.path().join("server.crt");
            let key = dir.path().join("server.key");
            fs::write(&cert, &identity.cert_pem)?;
            fs::write(&key, &identity.key_pem)?;
            fs::write(dir.path().join("ca.crt"), &identity.ca_pem)?;
            let yaml = format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                yaml_path(&cert),
                yaml_path(&key)
            );
            (yaml, Some(identity.ca_pem))
        } else {
            (String::new(), None)
        };

        // A port taken between our probe and the registry's bind shows up as an early
        // exit with "address already in use"; another free port then does the job.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()?));
            let config = dir.path().join("config.yml");
            fs::write(
                &config,
                config_yaml(dir.path(), addr, &tls_yaml, &auth_yaml),
            )?;
            let log_path = dir.path().join("registry.log");
            let mut child = spawn(&config, &log_path, dir.path())?;
            // The probe speaks plain HTTP in both modes: Go's TLS server answers a
            // plain request with `400 Bad Request` ("Client sent an HTTP request to an
            // HTTPS server"), which proves it is up without a TLS client here.
            let ready = poll_until(
                self.start_timeout,
                || http_status(addr, "/v2/"),
                || match child.try_wait() {
                    Ok(Some(status)) => Some(format!("it exited with {status}")),
                    Ok(None) => None,
                    Err(e) => Some(format!("waiting for it failed: {e}")),
                },
            );
            match ready {
                Ok(_) => {
                    return Ok(Registry {
                        addr,
                        users,
                        mode,
                        ca_pem,
                        child,
                        issuer,
                        log_path,
                        dir,
                    })
                }
                Err(reason) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let log = fs::read_to_string(&log_path).unwrap_or_default();
                    if attempt < 3 && log.contains("address already in use") {
                        continue;
                    }
                    return Err(RegistryError::NotReady { addr, reason, log });
                }
            }
        }
    }
}

/// A running registry. Dropping it stops the process and removes its storage.
#[derive(Debug)]
pub struct Registry {
    /// `127.0.0.1:PORT`.
    pub addr: SocketAddr,
    /// The accounts (empty without auth).
    pub users: Vec<User>,
    mode: AuthMode,
    ca_pem: Option<String>,
    child: Child,
    issuer: Option<TokenIssuer>,
    log_path: PathBuf,
    // Last: removed after the process is gone (fields drop in order, after `Drop::drop`).
    dir: tempfile::TempDir,
}

impl Registry {
    /// Starts a registry with default options.
    pub fn start(auth: Auth) -> Result<Self, RegistryError> {
        Self::builder(auth).start()
    }

    /// A registry with options (token TTL, start timeout).
    pub fn builder(auth: Auth) -> RegistryBuilder {
        RegistryBuilder {
            auth,
            token_ttl: Duration::from_secs(300),
            start_timeout: Duration::from_secs(20),
            tls: false,
        }
    }

    /// `http://127.0.0.1:PORT`, or `https://127.0.0.1:PORT` with [`RegistryBuilder::tls`].
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// The PEM certificate of the CA that signed the registry's server certificate
    /// (`None` without [`RegistryBuilder::tls`]). Also saved as `ca.crt` in the registry's
    /// directory.
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// `127.0.0.1:PORT`, the registry part of an image reference.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// The auth mode.
    pub fn auth_mode(&self) -> AuthMode {
        self.mode
    }

    /// The account called `name`.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// The registry process's PID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Where blobs and manifests are stored (distribution's filesystem layout).
    pub fn storage_dir(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    /// What the registry logged so far (level warn and above).
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The token issuer (token mode only).
    pub fn token_issuer(&self) -> Option<&TokenIssuer> {
        self.issuer.as_ref()
    }

    /// The challenge's `realm` (token mode only).
    pub fn token_realm(&self) -> Option<String> {
        self.issuer.as_ref().map(TokenIssuer::realm)
    }

    /// The challenge's `service` (token mode only).
    pub fn token_service(&self) -> Option<&'static str> {
        self.issuer.as_ref().map(|_| TOKEN_SERVICE)
    }

    /// Tokens issued so far (0 outside token mode).
    pub fn tokens_issued(&self) -> usize {
        self.issuer.as_ref().map_or(0, TokenIssuer::tokens_issued)
    }

    /// The issuer's request log (empty outside token mode).
    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.issuer
            .as_ref()
            .map(TokenIssuer::requests)
            .unwrap_or_default()
    }

    /// Stops now rather than at the end of scope.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        // By PID, through the handle we spawned: never by name, which could hit a registry
        // that another test or the user runs.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(config: &Path, log_path: &Path, dir: &Path) -> Result<Child, RegistryError> {
    let log = File::create(log_path)?;
    let mut command = Command::new(REGISTRY_BINARY);
    command
        .arg("serve")
        .arg(config)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    // REGISTRY_* variables override the config file; one left in the caller's
    // environment must not change what the tests run against.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("REGISTRY_") {
            command.env_remove(key);
        }
    }
    process::spawn_supervised(command).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => RegistryError::NotInstalled,
        _ => RegistryError::Io(e),
    })
}

/// The generated configuration. No `cache` section: distribution's in-memory blob
/// descriptor cache keeps answering for deleted blobs, which would hide delete bugs. No
/// `debug` section, so no second port to clash with.
fn config_yaml(dir: &Path, addr: SocketAddr, tls_yaml: &str, auth_yaml: &str) -> String {
    let secret = Alphanumeric.sample_string(&mut rand::thread_rng(), 32);
    format!(
        "version: 0.1\n\
         log:\n  level: warn\n  accesslog:\n    disabled: true\n\
         storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n  \
         maintenance:\n    uploadpurging:\n      enabled: false\n\
         http:\n  addr: {addr}\n  secret: {secret}\n\
         {tls_yaml}\
         {auth_yaml}",
        storage = yaml_path(&dir.join("storage")),
        addr = yaml_str(&addr.to_string()),
        secret = yaml_str(&secret),
    )
}

/// One `name:bcrypt-hash` line per user. Cost 4 (the minimum) keeps each login check in
/// the registry fast; these passwords protect nothing.
fn write_htpasswd(path: &Path, users: &[User]) -> Result<(), RegistryError> {
    let mut text = String::new();
    for user in users {
        let hash = bcrypt::hash(&user.password, 4)?;
        text.push_str(&format!("{}:{}\n", user.name, hash));
    }
    fs::write(path, text)?;
    Ok(())
}

/// A JSON string is a valid YAML double-quoted scalar.
fn yaml_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

fn yaml_path(p: &Path) -> String {
    yaml_str(&p.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_mode_serves_https_with_its_own_ca() {
        let registry = Registry::builder(Auth::None)
            .tls()
            .start()
            .expect("TLS registry starts");
        assert_eq!(registry.url(), format!("https://{}", registry.addr));
        let ca = registry.ca_pem().expect("a CA in TLS mode");
        assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");
        // Plain HTTP to the TLS port is what Go refuses with 400: the port speaks TLS.
        assert_eq!(http_status(registry.addr, "/v2/"), Some(400));
        let other = Registry::builder(Auth::None).tls().start().unwrap();
        assert_ne!(
            other.ca_pem(),
            Some(ca),
            "each registry has a CA of its own"
        );

        let plain = Registry::start(Auth::None).unwrap();
        assert_eq!(plain.url(), format!("http://{}", plain.addr));
        assert_eq!(plain.ca_pem(), None);
        assert_eq!(http_status(plain.addr, "/v2/"), Some(200));
    }
}

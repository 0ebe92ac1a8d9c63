//! Checks a login before it is saved, the way `docker login` does: `GET /v2/` with the
//! credentials ([OCI distribution spec § determining support]); on a Bearer challenge a
//! token is fetched from the realm with them (no scope), and `/v2/` asked again. 200 means
//! the registry accepts them.
//!
//! The request goes through the registry client ([`crate::registry::Client`]), so that
//! the login check reaches the registry exactly as pulls and pushes will: same scheme
//! choice (HTTP only for loopback or `insecure`), Docker Hub's API host, token flow.
//!
//! [OCI distribution spec § determining support]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#determining-support

use reqwest::{Method, StatusCode};

use super::CredentialsError;
use crate::registry::client::Req;
use crate::registry::{Client, Credentials, RegistryError, RegistryOptions};

/// `Ok` when `registry` accepts `credentials`; [`CredentialsError::Refused`] when it says
/// 401 (or its token server does); [`CredentialsError::Check`] when it cannot be asked.
/// `transport` says how to reach the registry (insecure flag, extra CA); its credentials
/// are ignored.
pub async fn check(
    registry: &str,
    username: &str,
    credentials: &Credentials,
    transport: &RegistryOptions,
) -> Result<(), CredentialsError> {
    let refused = || CredentialsError::Refused {
        registry: registry.to_string(),
        username: username.to_string(),
    };
    let other = |source: RegistryError| match source {
        RegistryError::Unauthorized { .. } | RegistryError::Denied { .. } => refused(),
        source => CredentialsError::Check {
            registry: registry.to_string(),
            source,
        },
    };
    let options = RegistryOptions {
        credentials: credentials.clone(),
        // A login is interactive: fail fast rather than retry for a minute.
        retries: Some(1),
        ..transport.clone()
    };
    let client = Client::connect(registry, &options).await.map_err(other)?;
    let mut url = client.base_url().clone();
    url.set_path("/v2/");
    let action = "check the login";
    let resp = client
        .send(Req::new(Method::GET, url, &[], action))
        .await
        .map_err(other)?;
    match resp.status() {
        StatusCode::OK => Ok(()),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(refused()),
        _ => client
            .expect(resp, &[StatusCode::OK], action, None)
            .await
            .map(|_| ())
            .map_err(other),
    }
}

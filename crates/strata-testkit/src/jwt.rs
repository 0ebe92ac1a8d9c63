//! RS256 JSON Web Tokens the way distribution verifies them
//! (<https://distribution.github.io/distribution/spec/auth/jwt/>).
//!
//! The signing key's certificate travels in the header's `x5c`. distribution 2.8 checks
//! that chain against `auth.token.rootcertbundle` before it looks at `jwk` or `kid`, so a
//! self-signed certificate that is also the whole bundle is enough; no key id is needed.

use std::sync::OnceLock;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use sha2::Sha256;

/// Why the signing identity could not be made.
#[derive(Debug, thiserror::Error)]
#[error("could not create the token issuer's signing key and certificate: {0}")]
pub struct JwtError(String);

/// A key pair and the self-signed certificate of its public half.
pub(crate) struct SigningIdentity {
    key: SigningKey<Sha256>,
    /// PEM, written as the registry's `rootcertbundle`.
    pub(crate) cert_pem: String,
    /// Standard base64 of the DER certificate, as `x5c` wants it (RFC 7515 §4.1.6).
    cert_der_b64: String,
}

/// One identity per test process: RSA key generation takes a noticeable fraction of a
/// second, and nothing is gained by having a different key per registry.
pub(crate) fn identity() -> Result<&'static SigningIdentity, JwtError> {
    static IDENTITY: OnceLock<Result<SigningIdentity, String>> = OnceLock::new();
    IDENTITY
        .get_or_init(generate)
        .as_ref()
        .map_err(|e| JwtError(e.clone()))
}

fn generate() -> Result<SigningIdentity, String> {
    let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).map_err(|e| e.to_string())?;
    let pkcs8 = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| e.to_string())?;
    let key_pair = rcgen::KeyPair::from_pem(&pkcs8).map_err(|e| e.to_string())?;
    let params = rcgen::CertificateParams::new(vec!["strata-testkit-token-issuer".to_string()])
        .map_err(|e| e.to_string())?;
    let cert = params.self_signed(&key_pair).map_err(|e| e.to_string())?;
    Ok(SigningIdentity {
        key: SigningKey::<Sha256>::new(key),
        cert_pem: cert.pem(),
        cert_der_b64: STANDARD.encode(cert.der()),
    })
}

impl SigningIdentity {
    /// `header.claims.signature`, each part base64url without padding.
    pub(crate) fn sign(&self, claims: &serde_json::Value) -> String {
        let header = serde_json::json!({
            "typ": "JWT",
            "alg": "RS256",
            "x5c": [self.cert_der_b64],
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.key.sign(signing_input.as_bytes()).to_bytes();
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1v15::VerifyingKey;
    use rsa::signature::Verifier;

    #[test]
    fn token_has_x5c_header_and_verifies_with_the_public_key() {
        let id = identity().expect("identity");
        let token = id.sign(&serde_json::json!({"sub": "alice"}));
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).expect("b64")).expect("json");
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["x5c"][0], id.cert_der_b64.as_str());

        let verifying = VerifyingKey::<Sha256>::new(id.key.as_ref().to_public_key());
        let sig_bytes = URL_SAFE_NO_PAD.decode(parts[2]).expect("b64");
        let sig = rsa::pkcs1v15::Signature::try_from(sig_bytes.as_slice()).expect("sig");
        let input = format!("{}.{}", parts[0], parts[1]);
        verifying.verify(input.as_bytes(), &sig).expect("valid");
        let tampered = format!("{}.{}x", parts[0], parts[1]);
        assert!(verifying.verify(tampered.as_bytes(), &sig).is_err());
    }
}

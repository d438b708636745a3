//! The one secret key, and the purpose-bound keys derived from it.
//!
//! A single 32-byte master key is configured (or generated on first run); HKDF derives a
//! separate key per purpose so that the cookie-signing key and the credential-encryption key
//! are never the same bytes.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use hkdf::Hkdf;
use sha2::Sha256;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("LANYARD_SECRET_KEY must be base64 of exactly 32 bytes")]
    Malformed,
    #[error("could not read or create the secret key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

#[derive(Clone)]
pub struct MasterKey([u8; 32]);

// Never print key material, not even in a debug dump of the app state.
impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    pub fn from_base64(text: &str) -> Result<MasterKey, SecretError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| SecretError::Malformed)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| SecretError::Malformed)?;
        Ok(MasterKey(bytes))
    }

    pub fn generate() -> MasterKey {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        MasterKey(bytes)
    }

    /// The configured key, or the one in `data_dir/secret.key`, created there on first run.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> Result<MasterKey, SecretError> {
        if let Some(text) = configured {
            return MasterKey::from_base64(text);
        }
        let path = data_dir.join("secret.key");
        let io = |source| SecretError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => MasterKey::from_base64(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir).map_err(io)?;
                let key = MasterKey::generate();
                write_private(&path, STANDARD.encode(key.0).as_bytes()).map_err(io)?;
                tracing::info!(path = %path.display(), "generated a new secret key");
                Ok(key)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// A key for one purpose, e.g. `derive::<64>(b"session-cookie")`.
    pub fn derive<const N: usize>(&self, purpose: &[u8]) -> [u8; N] {
        let mut out = [0u8; N];
        Hkdf::<Sha256>::new(Some(b"lanyard"), &self.0)
            .expand(purpose, &mut out)
            .expect("HKDF output length is within limits");
        out
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_is_persisted_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let first = MasterKey::load(None, dir.path()).unwrap();
        let second = MasterKey::load(None, dir.path()).unwrap();
        assert_eq!(first.0, second.0);
    }

    #[test]
    fn purposes_get_different_keys() {
        let key = MasterKey::generate();
        assert_ne!(key.derive::<32>(b"a"), key.derive::<32>(b"b"));
        assert_eq!(key.derive::<32>(b"a"), key.derive::<32>(b"a"));
    }

    #[test]
    fn malformed_keys_are_refused_and_debug_hides_the_bytes() {
        assert!(MasterKey::from_base64("c2hvcnQ=").is_err());
        assert!(MasterKey::from_base64("not base64!").is_err());
        let key = MasterKey::generate();
        assert_eq!(format!("{key:?}"), "MasterKey(<redacted>)");
    }
}

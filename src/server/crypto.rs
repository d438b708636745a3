//! Provider credentials at rest: AES-256-GCM (RustCrypto's `aes-gcm`) with a key derived from
//! the master key. The row id is bound in as associated data, so a ciphertext copied onto
//! another integration's row does not decrypt.

use super::secrets::MasterKey;
use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use serde::{de::DeserializeOwned, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("stored credentials could not be decrypted (wrong key or tampered row)")]
    Decrypt,
    #[error("stored credentials are malformed")]
    Malformed,
}

#[derive(Clone)]
pub struct CredentialCipher(Aes256Gcm);

impl CredentialCipher {
    pub fn new(master: &MasterKey) -> CredentialCipher {
        let key = master.derive::<32>(b"integration-credentials");
        CredentialCipher(Aes256Gcm::new(&key.into()))
    }

    /// `base64(nonce || ciphertext)` of the value's JSON.
    pub fn seal<T: Serialize>(&self, row_id: &str, value: &T) -> String {
        let plain = serde_json::to_vec(value).expect("credentials serialise");
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .0
            .encrypt(
                &nonce,
                Payload {
                    msg: &plain,
                    aad: row_id.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of a small buffer cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        STANDARD.encode(out)
    }

    pub fn open<T: DeserializeOwned>(&self, row_id: &str, stored: &str) -> Result<T, CryptoError> {
        let bytes = STANDARD
            .decode(stored)
            .map_err(|_| CryptoError::Malformed)?;
        if bytes.len() < 12 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = self
            .0
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: row_id.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Decrypt)?;
        serde_json::from_slice(&plain).map_err(|_| CryptoError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_credentials_round_trip_and_hide_the_plaintext() {
        let cipher = CredentialCipher::new(&MasterKey::generate());
        let token = "eb-token-SECRET-1234567890".to_string();
        let sealed = cipher.seal("row-1", &token);
        assert!(!sealed.contains("SECRET"));
        assert!(!String::from_utf8_lossy(&STANDARD.decode(&sealed).unwrap()).contains("SECRET"));
        assert_eq!(cipher.open::<String>("row-1", &sealed).unwrap(), token);
        assert_ne!(
            cipher.seal("row-1", &token),
            sealed,
            "a fresh nonce every time"
        );
    }

    #[test]
    fn a_wrong_key_row_or_tampered_value_is_refused() {
        let cipher = CredentialCipher::new(&MasterKey::generate());
        let sealed = cipher.seal("row-1", &"token");
        assert!(matches!(
            cipher.open::<String>("row-2", &sealed),
            Err(CryptoError::Decrypt)
        ));
        let other = CredentialCipher::new(&MasterKey::generate());
        assert!(matches!(
            other.open::<String>("row-1", &sealed),
            Err(CryptoError::Decrypt)
        ));
        let mut bytes = STANDARD.decode(&sealed).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        assert!(matches!(
            cipher.open::<String>("row-1", &STANDARD.encode(bytes)),
            Err(CryptoError::Decrypt)
        ));
        assert!(matches!(
            cipher.open::<String>("row-1", "AAAA"),
            Err(CryptoError::Malformed)
        ));
    }
}

//! Argon2id password hashes (the argon2 crate's defaults, OWASP's recommended parameters).

use super::AuthError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::sync::OnceLock;
use tokio::sync::Semaphore;

pub const MIN_LENGTH: usize = 8;

/// Hashing takes tens of milliseconds of CPU and 19 MiB of memory: keep it off the async
/// workers, and run at most one per core at once. Without the bound, a flood of sign-ins
/// fills Tokio's blocking pool (512 threads, each hash slower as they share the cores, about
/// 10 GB of argon2 memory) and starves everything else that needs a blocking thread; with it,
/// the flood waits its turn here and each check takes its usual time.
async fn bounded<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AuthError> + Send + 'static,
) -> Result<T, AuthError> {
    let _permit = permits()
        .acquire()
        .await
        .map_err(|e| AuthError::Hash(e.to_string()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AuthError::Hash(e.to_string()))?
}

/// One process-wide bound, since the cores are shared by everything in the process (the CLI
/// and the demo seed hash too, with no app state at hand).
fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS
        .get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get())))
}

pub async fn hash(password: String) -> Result<String, AuthError> {
    bounded(move || hash_blocking(&password)).await
}

pub fn hash_blocking(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

pub async fn verify(password: String, hash: String) -> Result<bool, AuthError> {
    bounded(move || {
        let parsed = PasswordHash::new(&hash).map_err(|e| AuthError::Hash(e.to_string()))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
}

/// A valid hash of a random password, checked when the email is unknown.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_blocking(&crate::server::new_id()).expect("hashing a fixed-size input succeeds")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn right_password_verifies_and_wrong_one_does_not() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), h.clone())
            .await
            .unwrap());
        assert!(!verify("correct horse battery ".into(), h).await.unwrap());
    }

    #[tokio::test]
    async fn checks_wait_for_a_free_core_instead_of_piling_up() {
        let h = hash("correct horse battery".into()).await.unwrap();
        let all = permits().available_permits() as u32;
        let held = permits().acquire_many(all).await.unwrap();
        let check = tokio::spawn(verify("correct horse battery".into(), h));
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(
            !check.is_finished(),
            "no check runs while every core is taken"
        );
        drop(held);
        assert!(check.await.unwrap().unwrap());
    }
}

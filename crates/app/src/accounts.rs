//! Accounts: passwords (Argon2id, the policy of [`youxiang_core::password`]) and the
//! sign-in check. Interfaces (web, command line) call these; they never hash or compare a
//! password themselves.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};
use youxiang_core::password::ChangeDue;
pub use youxiang_store::StoredPassword;

use crate::{App, AppError, Result};

/// The demo users' password (documented in the README: it is a demo).
pub const DEMO_PASSWORD: &str = "Demo@2025";

/// `n` random bytes as hex digits, from the operating system's generator.
pub fn random_hex(n: usize) -> Result<String> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("getrandom: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn argon2() -> Argon2<'static> {
    Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        Params::default(),
    )
}

/// Hashes a password with Argon2id (default parameters), as a PHC string.
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::Internal(format!("getrandom: {e}")))?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(format!("salt: {e}")))?;
    let hash = argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the user does not exist, so that the answer takes as long
/// as for a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no such user").unwrap_or_default())
}

/// Why the password a user signed in with must be changed first, if it must.
pub fn change_due(stored: &StoredPassword, max_age_days: u32) -> Option<ChangeDue> {
    youxiang_core::password::change_due(
        stored.must_change,
        stored.set_at,
        chrono::Utc::now().naive_utc(),
        max_age_days,
    )
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(format!("password task: {e}")))
}

impl App {
    /// Checks a login and password against the store: the stored password when they match,
    /// `None` otherwise (an unknown login takes as long as a wrong password).
    pub async fn check_password(
        &self,
        login: &str,
        password: &str,
    ) -> Result<Option<StoredPassword>> {
        let stored = self.db.password(login).await?;
        let password = password.to_string();
        let hash = stored
            .as_ref()
            .map(|s| s.hash.clone())
            .unwrap_or_else(|| dummy_hash().to_string());
        let ok = blocking(move || verify_password(&hash, &password)).await?;
        Ok(stored.filter(|_| ok))
    }

    /// Whether the user has a password at all.
    pub async fn has_password(&self, login: &str) -> Result<bool> {
        Ok(self.db.password(login).await?.is_some())
    }

    /// Sets a user's password (hashing it) after checking it against the policy
    /// ([`youxiang_core::password::weaknesses`]: [`AppError::Invalid`] with every
    /// shortcoming), audited as `user.password` by `actor`. `must_change`: the owner must
    /// change it at the next sign-in (set for them by someone else).
    pub async fn set_password(
        &self,
        login: &str,
        password: &str,
        must_change: bool,
        actor: &str,
    ) -> Result<()> {
        let weak = youxiang_core::password::weaknesses(login, password);
        if !weak.is_empty() {
            return Err(AppError::Invalid(weak));
        }
        let pw = password.to_string();
        let hash = blocking(move || hash_password(&pw)).await??;
        self.db
            .set_password(login, &hash, must_change, actor)
            .await?;
        Ok(())
    }

    /// Gives every user without a password the demo password [`DEMO_PASSWORD`]. For the
    /// demo database only. Returns how many users it set.
    pub async fn set_demo_passwords(&self) -> Result<usize> {
        let logins: Vec<String> = self
            .read()
            .reporters
            .iter()
            .map(|r| r.login.clone())
            .collect();
        let mut n = 0;
        for login in logins {
            if !self.has_password(&login).await? {
                self.set_password(&login, DEMO_PASSWORD, false, "demo")
                    .await?;
                n += 1;
            }
        }
        Ok(n)
    }
}

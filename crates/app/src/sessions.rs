//! Signed-in sessions in the store, for the interfaces (the web keeps a cache in front):
//! the id travels only in the cookie; the store keeps its SHA-256, so neither a copy of the
//! database nor a backup signs anybody in. Whether a session is live is the caller's to
//! judge (idle time and lifetime are the server's settings).

use std::sync::atomic::Ordering;

use chrono::NaiveDateTime;
use youxiang_core::password::ChangeDue;
use youxiang_store::StoredSession;

use crate::{App, Result, hex_sha256};

/// A session as stored (its id is not in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub login: String,
    pub csrf: String,
    /// The user's credential stamp when the session started.
    pub stamp: String,
    pub change_due: Option<ChangeDue>,
    /// UTC.
    pub started_at: NaiveDateTime,
    /// UTC; as last written (the web writes it at most every so often).
    pub last_seen: NaiveDateTime,
}

fn due_code(due: Option<ChangeDue>) -> Option<String> {
    due.map(|d| {
        match d {
            ChangeDue::SetByAnother => "set_by_another",
            ChangeDue::Expired => "expired",
        }
        .to_string()
    })
}

/// An unknown code (a row written by a later version) asks for the change: the safe side.
fn due_from(code: Option<&str>) -> Option<ChangeDue> {
    match code? {
        "set_by_another" => Some(ChangeDue::SetByAnother),
        _ => Some(ChangeDue::Expired),
    }
}

fn id_hash(id: &str) -> String {
    hex_sha256(id.as_bytes())
}

impl App {
    /// The store's auth epoch as of the last [`App::refresh_users`]: it moves when a user
    /// changes or a session is ended, by any process.
    pub fn users_epoch(&self) -> i64 {
        self.auth_epoch.load(Ordering::Acquire)
    }

    /// Stores a new session under `id`.
    pub async fn session_save(&self, id: &str, s: &SessionRecord) -> Result<()> {
        let row = StoredSession {
            id_hash: id_hash(id),
            login: s.login.clone(),
            csrf: s.csrf.clone(),
            stamp: s.stamp.clone(),
            change_due: due_code(s.change_due),
            started_at: s.started_at,
            last_seen: s.last_seen,
        };
        Ok(self.db.session_insert(&row).await?)
    }

    /// The stored session `id`, live or not.
    pub async fn session_load(&self, id: &str) -> Result<Option<SessionRecord>> {
        let row = self.db.session_get(&id_hash(id)).await?;
        Ok(row.map(|r| SessionRecord {
            change_due: due_from(r.change_due.as_deref()),
            login: r.login,
            csrf: r.csrf,
            stamp: r.stamp,
            started_at: r.started_at,
            last_seen: r.last_seen,
        }))
    }

    /// Records a request of session `id` at `at` (UTC).
    pub async fn session_touch(&self, id: &str, at: NaiveDateTime) -> Result<()> {
        Ok(self.db.session_touch(&id_hash(id), at).await?)
    }

    /// Ends session `id` for every process (the auth epoch moves when it existed).
    pub async fn session_end(&self, id: &str) -> Result<bool> {
        Ok(self.db.session_delete(&id_hash(id)).await?)
    }

    /// Deletes the stored sessions that have expired; how many.
    pub async fn sessions_purge(
        &self,
        seen_before: NaiveDateTime,
        started_before: NaiveDateTime,
    ) -> Result<u64> {
        Ok(self.db.sessions_purge(seen_before, started_before).await?)
    }

    /// How many sessions are stored.
    pub async fn sessions_count(&self) -> Result<i64> {
        Ok(self.db.sessions_count().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_to_change_a_password_survives_the_store() {
        for due in [
            None,
            Some(ChangeDue::SetByAnother),
            Some(ChangeDue::Expired),
        ] {
            assert_eq!(due_from(due_code(due).as_deref()), due);
        }
        assert_eq!(due_from(Some("later")), Some(ChangeDue::Expired));
        assert_ne!(id_hash("a"), id_hash("b"));
        assert_eq!(id_hash("a").len(), 64);
    }
}

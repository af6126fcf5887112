//! Signed-in sessions, shared by every server process on the database: not audited (a
//! session is no figure, record or user), never a reason to write the audit chain.

use async_trait::async_trait;
use chrono::NaiveDateTime;

use super::{SqlStore, sql};
use crate::dialect::{Dialect, Get};
use crate::{Result, SessionStore, StoredSession};

fn session_from_row(id_hash: &str, r: &impl Get) -> Result<StoredSession> {
    Ok(StoredSession {
        id_hash: id_hash.to_string(),
        login: r.col(0)?,
        csrf: r.col(1)?,
        stamp: r.col(2)?,
        change_due: r.col(3)?,
        started_at: r.col(4)?,
        last_seen: r.col(5)?,
    })
}

#[async_trait]
impl<D: Dialect> SessionStore for SqlStore<D> {
    async fn session_insert(&self, s: &StoredSession) -> Result<()> {
        sql(
            "INSERT INTO sessions (id_hash, login, csrf, stamp, change_due, started_at, \
             last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(s.id_hash.as_str())
        .bind(s.login.as_str())
        .bind(s.csrf.as_str())
        .bind(s.stamp.as_str())
        .bind(&s.change_due)
        .bind(s.started_at)
        .bind(s.last_seen)
        .execute(&mut self.pool.acquire().await?)
        .await?;
        Ok(())
    }

    async fn session_get(&self, id_hash: &str) -> Result<Option<StoredSession>> {
        let row = sql(
            "SELECT login, csrf, stamp, change_due, started_at, last_seen \
             FROM sessions WHERE id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(&mut self.pool.acquire().await?)
        .await?;
        row.map(|r| session_from_row(id_hash, &r)).transpose()
    }

    async fn session_touch(&self, id_hash: &str, at: NaiveDateTime) -> Result<()> {
        sql("UPDATE sessions SET last_seen = $2 WHERE id_hash = $1 AND last_seen < $2")
            .bind(id_hash)
            .bind(at)
            .execute(&mut self.pool.acquire().await?)
            .await?;
        Ok(())
    }

    async fn session_delete(&self, id_hash: &str) -> Result<bool> {
        let mut tx = self.pool.begin_with(D::BEGIN_WRITE).await?;
        let done = sql("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut tx)
            .await?;
        if done > 0 {
            // Every process compares the epoch on each request: a session ended here is
            // ended there from its next request on, not when its cache ages.
            sql("UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1")
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        Ok(done > 0)
    }

    async fn sessions_purge(
        &self,
        seen_before: NaiveDateTime,
        started_before: NaiveDateTime,
    ) -> Result<u64> {
        sql("DELETE FROM sessions WHERE last_seen < $1 OR started_at < $2")
            .bind(seen_before)
            .bind(started_before)
            .execute(&mut self.pool.acquire().await?)
            .await
    }

    async fn sessions_count(&self) -> Result<i64> {
        sql::<D>("SELECT COUNT(*) FROM sessions")
            .fetch_one(&mut self.pool.acquire().await?)
            .await?
            .col(0)
    }
}

//! Users: role and scope, passwords, the disabled flag, and what sessions depend on.

use async_trait::async_trait;
use youxiang_core::scope::Reporter;

use super::{SqlStore, Write, sql, sql_built, to_json};
use crate::common::validate_reporters;
use crate::common::{check_actor, credential, reporter_from, reporters_audit, simple_audit};
use crate::dialect::{Dialect, Get};
use crate::{AccountStore, Credential, Result, StoreError, StoredPassword};

fn reporter_from_row(r: &impl Get) -> Result<Reporter> {
    reporter_from(r.col(0)?, r.col(1)?, r.col(2)?, r.col(3)?, r.col(4)?)
}

#[async_trait]
impl<D: Dialect> AccountStore for SqlStore<D> {
    async fn save_reporters(&self, reporters: Vec<Reporter>, actor: &str) -> Result<usize> {
        check_actor(actor)?;
        validate_reporters(&reporters)?;
        let mut w = Write::begin(self, actor).await?;
        let before: Vec<Reporter> = sql("SELECT login, name, unit, role, scope FROM reporters")
            .fetch_all(&mut w)
            .await?
            .iter()
            .map(reporter_from_row)
            .collect::<Result<_>>()?;
        for r in &reporters {
            sql(
                "INSERT INTO reporters (login, name, unit, role, scope, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (login) DO UPDATE SET \
                 name = excluded.name, unit = excluded.unit, role = excluded.role, \
                 scope = excluded.scope, updated_at = excluded.updated_at",
            )
            .bind(&r.login)
            .bind(&r.name)
            .bind(&r.unit)
            .bind(r.role.as_str())
            .bind(to_json(&r.scope)?)
            .bind(w.at)
            .execute(&mut w)
            .await?;
        }
        let audit = match reporters.is_empty() {
            true => vec![],
            false => vec![reporters_audit(&reporters, &before)],
        };
        w.commit(audit).await?;
        Ok(reporters.len())
    }

    async fn load_reporters(&self) -> Result<Vec<Reporter>> {
        let rows = sql_built(format!(
            "SELECT login, name, unit, role, scope FROM reporters ORDER BY login{}",
            D::BYTE_ORDER
        ))
        .fetch_all(&mut self.pool.acquire().await?)
        .await?;
        rows.iter().map(reporter_from_row).collect()
    }

    async fn set_password(
        &self,
        login: &str,
        hash: &str,
        must_change: bool,
        actor: &str,
    ) -> Result<()> {
        check_actor(actor)?;
        let mut w = Write::begin(self, actor).await?;
        let done = sql("UPDATE reporters SET password_hash = $1, updated_at = $2, \
                        password_set_at = $2, password_must_change = $4 WHERE login = $3")
        .bind(hash)
        .bind(w.at)
        .bind(login)
        .bind(must_change)
        .execute(&mut w)
        .await?;
        if done == 0 {
            return Err(StoreError::NotFound(format!("用户“{login}”")));
        }
        let new =
            serde_json::json!({"login": login, "password": "changed", "must_change": must_change});
        w.commit(vec![simple_audit("user.password", login, None, Some(new))])
            .await
    }

    async fn password(&self, login: &str) -> Result<Option<StoredPassword>> {
        let row = sql(
            "SELECT password_hash, password_set_at, password_must_change \
             FROM reporters WHERE login = $1",
        )
        .bind(login)
        .fetch_optional(&mut self.pool.acquire().await?)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let Some(hash) = row.col(0)? else {
            return Ok(None);
        };
        Ok(Some(StoredPassword {
            hash,
            set_at: row.col(1)?,
            must_change: row.col(2)?,
        }))
    }

    async fn set_disabled(&self, login: &str, disabled: bool, actor: &str) -> Result<()> {
        check_actor(actor)?;
        let mut w = Write::begin(self, actor).await?;
        let done = sql("UPDATE reporters SET disabled = $1, updated_at = $2 WHERE login = $3")
            .bind(disabled)
            .bind(w.at)
            .bind(login)
            .execute(&mut w)
            .await?;
        if done == 0 {
            return Err(StoreError::NotFound(format!("用户“{login}”")));
        }
        let entry = simple_audit(
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            login,
            Some(serde_json::json!({"login": login, "disabled": !disabled})),
            Some(serde_json::json!({"login": login, "disabled": disabled})),
        );
        w.commit(vec![entry]).await
    }

    async fn auth_epoch(&self) -> Result<i64> {
        sql::<D>("SELECT epoch FROM auth_epoch WHERE id = 1")
            .fetch_one(&mut self.pool.acquire().await?)
            .await?
            .col(0)
    }

    async fn credentials(&self) -> Result<Vec<Credential>> {
        let rows = sql("SELECT login, role, scope, password_hash, disabled FROM reporters")
            .fetch_all(&mut self.pool.acquire().await?)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(credential(
                    r.col(0)?,
                    &r.col::<String>(1)?,
                    &r.col::<String>(2)?,
                    r.col::<Option<String>>(3)?.as_deref(),
                    r.col(4)?,
                ))
            })
            .collect()
    }
}

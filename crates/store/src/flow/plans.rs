//! The plan (every version kept) and the places.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use youxiang_core::Plan;
use youxiang_core::place::Place;

use super::{On, SqlStore, Write, sql, to_json};
use crate::common::{
    check_actor, check_plan_text, level_from, places_audit, plan_audit, plan_places,
};
use crate::dialect::{CHUNK, Dialect, Get};
use crate::{PlacesSaved, PlanSaved, PlanStore, PlanVersionInfo, Result, StoreError};

fn plan_from(doc: &str) -> Result<Plan> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt(format!("方案文档无法读取:{e}")))
}

/// Every place with its population, in the order first saved.
async fn load_places_in<D: Dialect>(on: &mut impl On<D>) -> Result<Vec<Place>> {
    let rows = sql("SELECT code, name, level, parent, lon, lat FROM places ORDER BY ord, code")
        .fetch_all(on)
        .await?;
    let mut population: HashMap<String, BTreeMap<i32, f64>> = HashMap::new();
    for row in sql::<D>("SELECT place, year, population FROM place_population")
        .fetch_all(on)
        .await?
    {
        population
            .entry(row.col(0)?)
            .or_default()
            .insert(row.col(1)?, row.col(2)?);
    }
    rows.iter()
        .map(|row| {
            let code: String = row.col(0)?;
            let level: String = row.col(2)?;
            Ok(Place {
                population: population.remove(&code).unwrap_or_default(),
                code,
                name: row.col(1)?,
                level: level_from(&level)?,
                parent: row.col(3)?,
                lon: row.col(4)?,
                lat: row.col(5)?,
            })
        })
        .collect()
}

#[async_trait]
impl<D: Dialect> PlanStore for SqlStore<D> {
    async fn save_plan(&self, plan: &Plan, actor: &str) -> Result<PlanSaved> {
        check_actor(actor)?;
        check_plan_text(plan)?;
        let doc = to_json(plan)?;
        let mut w = Write::begin(self, actor).await?;
        let current = sql("SELECT c.code, c.version, v.document FROM current_plan c \
                           JOIN plan_versions v ON v.code = c.code AND v.version = c.version WHERE c.id = 1")
        .fetch_optional(&mut w)
        .await?;
        let mut old_version = None;
        let mut old_doc = None;
        if let Some(row) = current {
            let code: String = row.col(0)?;
            let version: i64 = row.col(1)?;
            if code == plan.code {
                let version = version as u32;
                if plan.version < version {
                    return Err(StoreError::Conflict(format!(
                        "方案 {code} 当前为第 {version} 版,不能用较旧的第 {} 版覆盖",
                        plan.version
                    )));
                }
                let document: String = row.col(2)?;
                if plan.version == version && document == doc {
                    return Ok(PlanSaved {
                        old_version: Some(version),
                        new_version: version,
                        changed: false,
                    });
                }
                old_version = Some(version);
                old_doc = Some(document);
            }
        }
        sql(
            "INSERT INTO plan_versions (code, version, document, saved_at, saved_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code, version) DO UPDATE SET \
             document = excluded.document, saved_at = excluded.saved_at, \
             saved_by = excluded.saved_by",
        )
        .bind(&plan.code)
        .bind(plan.version as i64)
        .bind(&doc)
        .bind(w.at)
        .bind(actor)
        .execute(&mut w)
        .await?;
        sql(
            "INSERT INTO current_plan (id, code, version) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET code = excluded.code, version = excluded.version",
        )
        .bind(&plan.code)
        .bind(plan.version as i64)
        .execute(&mut w)
        .await?;
        // The indicators values may be stored for (the observations' triggers read them).
        sql("DELETE FROM plan_indicators").execute(&mut w).await?;
        sql(D::PLAN_INDICATORS).bind(&doc).execute(&mut w).await?;
        w.commit(vec![plan_audit(
            plan,
            old_version,
            old_doc.as_deref(),
            &doc,
        )])
        .await?;
        Ok(PlanSaved {
            old_version,
            new_version: plan.version,
            changed: true,
        })
    }

    async fn load_plan(&self) -> Result<Option<Plan>> {
        let row = sql::<D>(
            "SELECT v.document FROM current_plan c \
             JOIN plan_versions v ON v.code = c.code AND v.version = c.version WHERE c.id = 1",
        )
        .fetch_optional(&mut self.pool.acquire().await?)
        .await?;
        row.map(|r| plan_from(&r.col::<String>(0)?)).transpose()
    }

    async fn plan_history(&self, code: &str) -> Result<Vec<PlanVersionInfo>> {
        let rows = sql(
            "SELECT code, version, saved_at, saved_by FROM plan_versions \
             WHERE code = $1 ORDER BY version",
        )
        .bind(code)
        .fetch_all(&mut self.pool.acquire().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PlanVersionInfo {
                    code: r.col(0)?,
                    version: r.col::<i64>(1)? as u32,
                    saved_at: r.col(2)?,
                    saved_by: r.col(3)?,
                })
            })
            .collect()
    }

    async fn load_plan_version(&self, code: &str, version: u32) -> Result<Option<Plan>> {
        let row = sql("SELECT document FROM plan_versions WHERE code = $1 AND version = $2")
            .bind(code)
            .bind(version as i64)
            .fetch_optional(&mut self.pool.acquire().await?)
            .await?;
        row.map(|r| plan_from(&r.col::<String>(0)?)).transpose()
    }

    async fn save_places(&self, places: Vec<Place>, actor: &str) -> Result<PlacesSaved> {
        check_actor(actor)?;
        let mut w = Write::begin(self, actor).await?;
        if let Some(lock) = D::LOCK_PLACES {
            sql(lock).execute(&mut w).await?;
        }
        let stored = load_places_in(&mut w).await?;
        let (write, saved) = plan_places(stored, &places)?;
        let next_ord: i64 = sql("SELECT COALESCE(MAX(ord), -1) + 1 FROM places")
            .fetch_one(&mut w)
            .await?
            .col(0)?;
        for chunk in write.chunks(CHUNK) {
            D::upsert_places(w.conn(), &places, chunk, next_ord).await?;
        }
        let audit = match write.is_empty() {
            true => vec![],
            false => vec![places_audit(&saved, places.len())],
        };
        w.commit(audit).await?;
        Ok(saved)
    }

    async fn load_places(&self) -> Result<Vec<Place>> {
        load_places_in(&mut self.pool.acquire().await?).await
    }
}

//! Several servers over one database: each process follows what the others commit.
//!
//! The store is the only channel. Every change appends to the audit chain in its own
//! transaction, in commit order; this process remembers the last sequence number its
//! memory reflects ([`App::applied_seq`]) and, every [`FOLLOW_EVERY`], asks the store
//! whether the head moved. When it did, it reads the rows others appended since (its own
//! are left out by the store handle) and brings its memory up to date from the store's
//! present state — never from the other process, and never by replaying a row's `new`
//! (a later write of this process to the same value must not be undone by an earlier
//! one of another): the values named are read again and set in both engines; a plan or
//! places change rebuilds everything; an approved target split reloads the target book;
//! the demo mark is read again; users are reloaded when the auth epoch moved. A process
//! that was down, or missed a poll, starts from the sequence it last applied, so nothing
//! is skipped; far behind ([`FOLLOW_ONE_BY_ONE`]), it rebuilds from the store instead.
//!
//! The response cache of the web keys on the engines' generation, which every change here
//! moves, so a cached answer never outlives a change made through another server.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use youxiang_core::value::ValueKey;
use youxiang_store::AuditMark;

use crate::{App, Result, is_official};

/// How often a server asks the store whether others committed: one indexed read of one
/// row; a change made through another server is seen within this (plus the time to apply).
pub const FOLLOW_EVERY: Duration = Duration::from_millis(200);

/// More rows from others than this since the last look, and the process rebuilds its
/// engines from the store rather than reading the rows (a million-row upload elsewhere).
pub const FOLLOW_ONE_BY_ONE: usize = 100_000;

/// What others' audit rows ask of this process's memory.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Followed {
    /// Values to read again and set in both engines.
    pub values: BTreeSet<ValueKey>,
    /// The plan or the places changed (or too much to follow one by one): rebuild.
    pub rebuild: bool,
    /// An approved target split may have changed: reload the target book.
    pub targets: bool,
    /// The demo's mark may have changed.
    pub demo: bool,
    /// Other rows (management records, users): nothing held in memory but the users, which
    /// the auth epoch covers.
    pub other: usize,
}

impl Followed {
    /// Sorts one audit row into what it asks for. Pure: the rows' actions and entities.
    pub fn note(&mut self, mark: &AuditMark) {
        let action = mark.action.as_str();
        if action.starts_with("value.") {
            match value_key(mark) {
                Some(key) => {
                    self.values.insert(key);
                }
                // A value row that does not name its value: follow it the safe way.
                None => self.rebuild = true,
            }
        } else if action == "plan.save" || action == "places.save" {
            self.rebuild = true;
        } else if mark
            .entity
            .strip_prefix(crate::targets::KIND_TARGET_SPLIT)
            .is_some_and(|rest| rest.starts_with(':'))
        {
            self.targets = true;
        } else if mark.entity == format!("{}:{}", crate::manage::KIND_CONFIG, crate::demo::DEMO_ID)
        {
            self.demo = true;
        } else {
            self.other += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Followed::default()
    }
}

/// The value an audit row of a value names: its indicator, place and period columns, and
/// the component after `#` in the entity (`T01@330902@2024#numerator`).
fn value_key(mark: &AuditMark) -> Option<ValueKey> {
    let component = match mark.entity.rsplit_once('#') {
        Some((_, c)) => youxiang_core::value::Component::parse(c)?,
        None => youxiang_core::value::Component::Value,
    };
    Some(ValueKey {
        indicator: mark.indicator.clone()?,
        place: mark.place.clone()?,
        period: mark.period.as_deref()?.parse().ok()?,
        component,
    })
}

/// What one look at the store did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CaughtUp {
    /// The audit sequence number this process's memory now reflects.
    pub seq: i64,
    /// Audit rows other processes appended since the last look.
    pub foreign_rows: u64,
    /// Values set again in the engines.
    pub values: usize,
    /// Whether the engines were rebuilt from the store.
    pub rebuilt: bool,
}

impl App {
    /// The audit sequence number up to which this process's memory reflects the store.
    pub fn applied_seq(&self) -> i64 {
        self.applied_seq.load(Ordering::Acquire)
    }

    /// Brings this process's memory up to what the store committed since it last looked
    /// (see the module's notes). One small read when nothing changed.
    pub async fn catch_up(&self) -> Result<CaughtUp> {
        let before = self.applied_seq();
        if self.db.audit_head_seq().await? <= before {
            self.refresh_users().await?;
            return Ok(CaughtUp {
                seq: before,
                ..CaughtUp::default()
            });
        }
        // Writers of this process hold this lock from their commit until their engines
        // are updated: under it, the store's present state of a value is never older
        // than what the engines hold.
        let guard = self.write_lock.lock().await;
        let after = self.applied_seq();
        let head = self.db.audit_head_seq().await?;
        let changes = self
            .db
            .foreign_changes(after, head, FOLLOW_ONE_BY_ONE)
            .await?;
        let mut followed = Followed::default();
        match &changes.marks {
            Some(marks) => marks.iter().for_each(|m| followed.note(m)),
            None => followed.rebuild = true,
        }
        let mut report = CaughtUp {
            seq: head,
            foreign_rows: changes.rows,
            values: followed.values.len(),
            rebuilt: followed.rebuild,
        };
        if followed.rebuild {
            self.rebuild().await?;
        } else {
            if !followed.values.is_empty() {
                let keys: Vec<ValueKey> = followed.values.iter().cloned().collect();
                let stored = self.db.values_at(&keys).await?;
                self.set_stored(&keys, &stored);
            }
            if followed.targets {
                self.reload_place_targets().await?;
            }
        }
        if followed.demo || followed.rebuild {
            let mark = crate::demo::load_mark(&*self.db).await?;
            *self.demo.write().unwrap_or_else(|e| e.into_inner()) = mark;
        }
        self.applied_seq.store(head, Ordering::Release);
        drop(guard);
        self.refresh_users().await?;
        report.seq = head;
        Ok(report)
    }

    /// Sets `keys` in both engines to what the store holds (`stored`; a key absent from it
    /// is removed): the live engine to the number, the official one to the number while it
    /// is submitted or approved.
    fn set_stored(&self, keys: &[ValueKey], stored: &[youxiang_core::value::Observation]) {
        let by_key: std::collections::HashMap<&ValueKey, &youxiang_core::value::Observation> =
            stored.iter().map(|o| (&o.key, o)).collect();
        let live: Vec<(&ValueKey, Option<f64>)> = keys
            .iter()
            .map(|k| (k, by_key.get(k).map(|o| o.value)))
            .collect();
        let official: Vec<(&ValueKey, Option<f64>)> = keys
            .iter()
            .map(|k| (k, by_key.get(k).filter(|o| is_official(o)).map(|o| o.value)))
            .collect();
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        // A key the engine refuses is one the plan or places no longer know; it stays in
        // the store (quarantined on the next opening), as on a rebuild.
        let _ = state.live.apply_batch(live);
        let _ = state.official.apply_batch(official);
    }

    /// Follows the store in the background, every [`FOLLOW_EVERY`], as long as the app
    /// lives: what a server runs (several servers over one database see each other's
    /// changes within a second). A failed look (the database away) is logged and tried
    /// again; nothing is lost, as the next look starts from the last sequence applied.
    pub fn follow_store(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let app = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut failing = false;
            loop {
                tokio::time::sleep(FOLLOW_EVERY).await;
                let Some(app) = app.upgrade() else { return };
                match app.catch_up().await {
                    Ok(_) => failing = false,
                    Err(e) if !failing => {
                        failing = true;
                        eprintln!("youxiang: 无法读取数据库的变更(将重试):{e}");
                    }
                    Err(_) => {}
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(action: &str, entity: &str, key: Option<(&str, &str, &str)>) -> AuditMark {
        AuditMark {
            seq: 1,
            action: action.into(),
            entity: entity.into(),
            place: key.map(|k| k.1.into()),
            indicator: key.map(|k| k.0.into()),
            period: key.map(|k| k.2.into()),
        }
    }

    #[test]
    fn rows_sort_into_what_they_ask_for() {
        let mut f = Followed::default();
        f.note(&mark(
            "value.write",
            "T01@330902@2024",
            Some(("T01", "330902", "2024")),
        ));
        f.note(&mark(
            "value.approve",
            "T02@330902@2024#numerator",
            Some(("T02", "330902", "2024")),
        ));
        f.note(&mark(
            "value.write",
            "T01@330902@2024",
            Some(("T01", "330902", "2024")),
        ));
        assert_eq!(f.values.len(), 2, "one value twice is read once");
        assert!(
            f.values
                .iter()
                .any(|k| k.component == youxiang_core::value::Component::Numerator)
        );
        assert!(!f.rebuild && !f.targets && !f.demo);
        f.note(&mark("order.raise", "order:1", None));
        f.note(&mark("reporters.save", "reporters", None));
        assert_eq!(f.other, 2);
        f.note(&mark(
            "target.approve",
            "target_split:T01:2025:330902",
            None,
        ));
        assert!(f.targets);
        f.note(&mark("config.put", "config:demo", None));
        assert!(f.demo);
        assert!(!f.rebuild);
        f.note(&mark("places.save", "places", None));
        assert!(f.rebuild);
        let mut g = Followed::default();
        g.note(&mark("value.write", "?", None));
        assert!(g.rebuild, "a value row that names no value rebuilds");
        assert!(Followed::default().is_empty());
    }
}

//! Whether the database holds the labelled synthetic demo, and the day it is "as of".
//!
//! The demo loader marks the database once (a configuration record, audited like every
//! other): every page and report then says 演示数据, and "today" — the default of the
//! completeness window, the week view, deadlines of the orders the demo raises — is the
//! demo's day, not the machine's, so that a demo opened a year later still reads as the
//! quarter it was made for. A database without the mark uses the clock.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use youxiang_store::RecordWrite;

use crate::manage::KIND_CONFIG;
use crate::{App, Result};

/// The id of the demo's mark among the configuration records.
pub(crate) const DEMO_ID: &str = "demo";

/// The demo's mark: what its data say they are, and the day the demo stands on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoMark {
    /// The label the demo's figures carry (shown in the banner).
    pub label: String,
    /// The demo's "today" (Beijing day).
    pub as_of: NaiveDate,
}

impl App {
    /// Marks the database as holding the demo (see the module's words). Audited.
    pub async fn mark_demo(&self, actor: &str, mark: DemoMark) -> Result<()> {
        let stored = self.db().get_record(KIND_CONFIG, DEMO_ID).await?;
        let w = RecordWrite::of(
            KIND_CONFIG,
            DEMO_ID,
            &mark,
            stored.map(|r| r.version),
            "config.demo",
        )?;
        self.db().put_records(&[w], actor).await?;
        *self.demo.write().unwrap_or_else(|e| e.into_inner()) = Some(mark);
        Ok(())
    }

    /// The demo's mark, when the database holds the demo.
    pub fn demo(&self) -> Option<DemoMark> {
        self.demo.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether the database holds the labelled synthetic demo.
    pub fn is_demo(&self) -> bool {
        self.demo().is_some()
    }

    /// Today (Beijing day) as the app judges it: the day of the time set by
    /// [`App::set_clock`] while a history is loaded, else the demo's day in a demo, else the
    /// clock.
    pub fn today(&self) -> NaiveDate {
        if let Some(at) = *self.clock.read().unwrap_or_else(|e| e.into_inner()) {
            return youxiang_core::china_time::beijing_date(at);
        }
        self.demo()
            .map(|d| d.as_of)
            .unwrap_or_else(crate::manage::today)
    }

    /// Stamps every write from now on with `at` (UTC) instead of now; `None` returns to the
    /// clock. Only for loading a labelled synthetic history (the demo dates each report by
    /// its period's due date); the audit rows carry the same time.
    pub fn set_clock(&self, at: Option<NaiveDateTime>) {
        self.db().set_clock(at);
        *self.clock.write().unwrap_or_else(|e| e.into_inner()) = at;
    }

    /// Now (UTC): the time set by [`App::set_clock`], else the clock.
    pub fn now(&self) -> NaiveDateTime {
        self.clock
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or_else(|| chrono::Utc::now().naive_utc())
    }
}

/// The stored mark, read when the app opens.
pub(crate) async fn load_mark(db: &dyn youxiang_store::Database) -> Result<Option<DemoMark>> {
    match db.get_record(KIND_CONFIG, DEMO_ID).await? {
        Some(r) => Ok(Some(r.decode()?)),
        None => Ok(None),
    }
}

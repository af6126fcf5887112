//! Figures the system computes from its own registers — the 15-minute circle's coverage,
//! the assistance's 送达率 and 探访关爱率, counts of organisations and projects — enter the
//! plan's indicators like any reported figure, with the source 系统计算. No person reports
//! or approves them, so they enter the official figures at once (approved by `system`):
//! otherwise the ranking, the lights' accountability and publication would never see them.
//!
//! A figure a person reported for the same indicator, place and period is never
//! overwritten: it is listed in [`ComputedOutcome::kept_reported`] and stays.

use youxiang_core::period::Period;
use youxiang_core::value::{Component, ValueKey};
use youxiang_store::ValueWrite;

use crate::{App, Result};

/// The source every computed figure carries (数据来源).
pub const COMPUTED_SOURCE: &str = "系统计算";

/// The actor computed figures are written and approved as.
pub const SYSTEM_ACTOR: &str = "system";

/// One figure the system computed.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputedFigure {
    pub indicator: String,
    pub place: String,
    pub period: Period,
    /// The value itself, or the numerator or denominator of a ratio indicator
    /// (`ratio_of_sums`: write both, the engine divides).
    pub component: Component,
    pub value: f64,
    /// How it was computed, in words (kept with the value and shown beside it).
    pub comment: String,
}

/// What [`App::write_computed`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComputedOutcome {
    /// Figures written (new or changed); unchanged ones are left alone.
    pub written: usize,
    /// Keys where a person's reported figure stands and the computed one was not written.
    pub kept_reported: Vec<ValueKey>,
}

impl App {
    /// Writes computed figures and makes them official at once (see the module's note).
    /// Every figure is checked like any write (the plan knows the indicator, the place is
    /// in the tree, the period has begun); a refusal refuses the whole batch.
    pub async fn write_computed(&self, figures: Vec<ComputedFigure>) -> Result<ComputedOutcome> {
        let mut outcome = ComputedOutcome::default();
        if figures.is_empty() {
            return Ok(outcome);
        }
        let writes = figures
            .into_iter()
            .map(|f| ValueWrite {
                key: ValueKey {
                    indicator: f.indicator,
                    place: f.place,
                    period: f.period,
                    component: f.component,
                },
                value: f.value,
                comment: f.comment,
                source: COMPUTED_SOURCE.into(),
            })
            .collect();
        let checked = self.checked(writes)?;
        // One store transaction: written approved, one `value.compute` audit row each.
        let _guard = self.write_lock.lock().await;
        let done = self.db().write_computed(&checked, SYSTEM_ACTOR).await?;
        let (_, official) = self.apply(&done.changes);
        drop(_guard);
        outcome.written = done.changes.len();
        outcome.kept_reported = done.kept;
        self.after_commit(official).await;
        Ok(outcome)
    }
}

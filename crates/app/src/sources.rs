//! Where a figure comes from (数据来源), as a reader may see it: the stored parts' own
//! sources (drafts only for a reader who sees drafts, as the figure itself), else the
//! indicator's default in the plan; and the indicator's 统计口径.

use youxiang_core::period::Period;
use youxiang_core::source::{SourceShown, shown_source};
use youxiang_core::value::ValueState;

use crate::{App, Reader, Result, ValueFilter};

/// A figure's source and its indicator's definition, for `explain`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FigureProvenance {
    /// `None`: neither the figure nor the plan names one.
    pub source: Option<SourceShown>,
    /// The indicator's 统计口径 as the plan writes it; empty when it writes none.
    pub definition: String,
}

impl FigureProvenance {
    /// Whether the source shown is the plan's default (the figure names none).
    pub fn source_by_default(&self) -> bool {
        self.source.as_ref().is_some_and(|s| s.by_default)
    }
}

impl App {
    /// The source of `indicator` at `place` in `period` as `reader` sees the figure, and
    /// the indicator's definition; `None` for an indicator the plan does not know.
    pub async fn figure_provenance(
        &self,
        reader: Reader<'_>,
        indicator: &str,
        place: &str,
        period: Period,
    ) -> Result<Option<FigureProvenance>> {
        let (default, definition, drafts) = {
            let state = self.read();
            let Some(ind) = state.plan.indicator(indicator) else {
                return Ok(None);
            };
            (
                ind.data_source.clone(),
                ind.definition.clone(),
                state.sees_drafts(reader, place, indicator),
            )
        };
        let stored = self
            .values(&ValueFilter {
                indicator: Some(indicator.to_string()),
                place: Some(place.to_string()),
                period: Some(period),
                limit: Some(10),
                ..Default::default()
            })
            .await?;
        let own = stored
            .iter()
            .filter(|o| drafts || o.state != ValueState::Draft)
            .map(|o| o.source.as_str());
        Ok(Some(FigureProvenance {
            source: shown_source(own, &default),
            definition,
        }))
    }
}

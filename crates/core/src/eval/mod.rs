//! Evaluation: pure functions from values, targets and dates to statuses, each result
//! carrying the formula in plain Chinese and the inputs it used (`Explanation`).
//!
//! - `year_check`: a year's value against that year's target (methods §1);
//! - `schedule`: the time-proportional schedule (序时进度) and the lights (methods §2);
//! - `progress`: the Open SDG progress measure and score (methods §3);
//! - `score`: the ranking's indicator score from the light and its gap (methods §4);
//! - `unsd`: the UNSD progress-chart ratio (methods §3);
//! - `forecast`: the final-year value by compound growth (default) or a straight line;
//! - `pace`: the pace still required to reach the final target, and 同比 / 环比.

pub mod explain;
pub mod forecast;
pub mod pace;
pub mod progress;
pub mod schedule;
pub mod score;
pub mod unsd;
pub mod year_check;

pub use explain::{Explanation, InputValue};
pub use forecast::{Forecast, ForecastMethod, forecast};
pub use pace::{Change, Pace, PaceInput, PaceScale, PaceStatus, change, pace};
pub use progress::{
    Case, Combined, Measure, Point, Progress, ProgressInput, ProgressStatus, combine, measure,
    progress,
};
pub use schedule::{
    Flow, Judgement, Light, LightBands, Schedule, ScheduleInput, ScheduleMode, Unjudged, escalate,
    evaluate, judge, lag_words, with_history,
};
pub use score::{Judged, band_score};
pub use unsd::{UnsdRatio, UnsdStatus, unsd_ratio};
pub use year_check::{YearCheck, YearStatus, check_year, check_year_cumulative};

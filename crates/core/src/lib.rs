//! The domain of youxiang: the plan as data (domains, indicators, targets, tasks,
//! projects, versions), periods, and the pure evaluation functions (year check,
//! time-proportional schedule and lights, progress measure, forecast).
//!
//! Nothing here does I/O or reads a clock: time is always passed in.

pub mod assist;
pub mod catalogue;
pub mod china_time;
pub mod completeness;
pub mod compliance;
pub mod decompose;
pub mod exchange;
pub mod facilities;
pub mod labels;
pub mod password;
pub mod permission;
pub mod place;
pub mod plan;
pub mod publication;
pub mod scope;
pub mod source;
pub mod survey;
pub mod target;
pub mod units;
pub mod value;
pub mod write;

pub use plan::{
    Accumulation, Aggregation, Domain, Indicator, IndicatorSource, KeyTask, Plan, PlanProblem,
    Polarity, Project, Revision, TargetRevision,
};
pub use target::{Op, Target, TargetParseError};
pub use write::{CheckedWrite, WriteRefusal};

pub mod eval;
pub mod manage;
pub mod period;

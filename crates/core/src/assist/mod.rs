//! 弱有众扶 (methods §9): the assistance of people in difficulty.
//!
//! * [`matching`] — the exact optimal matching of needs to resources: the most needs met,
//!   then the least total great-circle distance, under each resource's capacity and radius,
//!   with the reason for every match and for every need left unmet.
//! * [`register`] — the register of households in difficulty: categories, status history,
//!   needs, consent, and the masking of personal data.
//! * [`rules`] — the dated 低保 standards and the eligibility rules as data; every clause
//!   judged with its inputs; who gains and loses when a standard changes.
//! * [`rights`] — who sees, edits, reveals and exports the register.

pub mod dispatch;
pub mod happiness;
pub mod matching;
pub mod register;
pub mod resources;
pub mod rights;
pub mod rules;
pub mod rules_edit;
pub mod visits;
pub mod warnings;

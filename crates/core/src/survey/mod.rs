//! 满意度与需求调查 (issue 17): the questionnaire (XLSForm's model, `form`), its small
//! expression language (`expr`: `relevant` and `constraint`), answers checked against a
//! form (`form::check_answer`), and the satisfaction index of methods §6 (`index`).
//!
//! Pure: forms, answers and frames are passed in; nothing is read or stored here.

pub mod demand;
pub mod expr;
pub mod form;
pub mod index;

//! 弱有众扶 (methods §9): the assistance of people in difficulty.
//!
//! * [`matching`] — the exact optimal matching of needs to resources: the most needs met,
//!   then the least total great-circle distance, under each resource's capacity and radius,
//!   with the reason for every match and for every need left unmet.

pub mod matching;

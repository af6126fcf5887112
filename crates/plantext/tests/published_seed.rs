//! The published-text reader on the seed and on variants of other counties.

//! Periods: year, half, quarter, month, ISO week.

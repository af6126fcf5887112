//! Evaluation: year check, schedule lights, progress measure, UNSD ratio, forecast.

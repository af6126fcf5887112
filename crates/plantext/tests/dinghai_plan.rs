//! The shipped Dinghai plan file.

//! The Zhejiang benchmark workload (methods §7): filled in with the benchmarks.

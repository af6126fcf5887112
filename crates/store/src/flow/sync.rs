//! The change feed for several processes over one database: the audit chain's head, the
//! rows others appended since a sequence number, and the stored values of keys.
//!
//! Every transaction that changes anything appends its audit rows and moves `audit_head`
//! under the write lock, so sequence numbers are given in commit order and a head that is
//! visible means every row up to it is committed. A handle remembers the ranges it
//! committed itself ([`OwnCommits`]): its process applied those already, and re-reading a
//! million-row upload it made would be wasted work.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use youxiang_core::value::{Observation, ValueKey};

use super::{SqlStore, sql};
use crate::dialect::{CHUNK, Dialect, Get};
use crate::{AuditMark, ForeignChanges, Result, SyncStore};

/// At most this many own ranges are remembered; an older one forgotten is read again as if
/// another process had written it, which is harmless (the reader applies the stored state).
const OWN_RANGES: usize = 4096;

/// The audit sequence ranges (first, last) this handle and its clones committed.
#[derive(Debug, Clone, Default)]
pub(crate) struct OwnCommits(Arc<Mutex<VecDeque<(i64, i64)>>>);

impl OwnCommits {
    pub(crate) fn note(&self, first: i64, last: i64) {
        let mut own = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if own.len() >= OWN_RANGES {
            own.pop_front();
        }
        own.push_back((first, last));
    }

    /// The ranges that end at or before `through`, forgotten from now on.
    fn take_through(&self, through: i64) -> Vec<(i64, i64)> {
        let mut own = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (taken, kept): (Vec<_>, Vec<_>) = own.drain(..).partition(|r| r.1 <= through);
        own.extend(kept);
        taken
    }
}

/// The ranges of `(after, through]` not covered by `own`, as inclusive (first, last).
pub(crate) fn foreign_ranges(after: i64, through: i64, own: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut own: Vec<(i64, i64)> = own.to_vec();
    own.sort_unstable();
    let mut out = Vec::new();
    let mut next = after + 1;
    for (first, last) in own {
        if last < next {
            continue;
        }
        if first > through {
            break;
        }
        if first > next {
            out.push((next, first - 1));
        }
        next = last + 1;
    }
    if next <= through {
        out.push((next, through));
    }
    out
}

#[async_trait]
impl<D: Dialect> SyncStore for SqlStore<D> {
    async fn audit_head_seq(&self) -> Result<i64> {
        let row = sql("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_optional(&mut self.pool.acquire().await?)
            .await?;
        match row {
            Some(r) => r.col(0),
            None => Ok(0),
        }
    }

    async fn foreign_changes(
        &self,
        after: i64,
        through: i64,
        limit: usize,
    ) -> Result<ForeignChanges> {
        let ranges = foreign_ranges(after, through, &self.own.take_through(through));
        let rows: u64 = ranges.iter().map(|(a, b)| (b - a + 1) as u64).sum();
        if rows > limit as u64 {
            return Ok(ForeignChanges { rows, marks: None });
        }
        let mut marks = Vec::with_capacity(rows as usize);
        let mut conn = self.pool.acquire().await?;
        for (first, last) in ranges {
            let found = sql(
                "SELECT seq, action, entity, place, indicator, period FROM audit \
                 WHERE seq >= $1 AND seq <= $2 ORDER BY seq",
            )
            .bind(first)
            .bind(last)
            .fetch_all(&mut conn)
            .await?;
            for r in &found {
                marks.push(AuditMark {
                    seq: r.col(0)?,
                    action: r.col(1)?,
                    entity: r.col(2)?,
                    place: r.col(3)?,
                    indicator: r.col(4)?,
                    period: r.col(5)?,
                });
            }
        }
        Ok(ForeignChanges {
            rows,
            marks: Some(marks),
        })
    }

    async fn values_at(&self, keys: &[ValueKey]) -> Result<Vec<Observation>> {
        let mut conn = self.pool.acquire().await?;
        let keys: Vec<&ValueKey> = keys.iter().collect();
        let mut out = Vec::new();
        for chunk in keys.chunks(CHUNK) {
            out.extend(
                D::existing(&mut conn, chunk)
                    .await?
                    .into_iter()
                    .map(|(_, o)| o),
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_ranges_leave_out_the_own_ones() {
        assert_eq!(foreign_ranges(10, 10, &[]), vec![]);
        assert_eq!(foreign_ranges(10, 15, &[]), vec![(11, 15)]);
        assert_eq!(foreign_ranges(10, 15, &[(11, 15)]), vec![]);
        assert_eq!(
            foreign_ranges(10, 20, &[(13, 14), (17, 17)]),
            vec![(11, 12), (15, 16), (18, 20)]
        );
        // Ranges already behind `after`, overlapping it, or beyond `through`.
        assert_eq!(
            foreign_ranges(10, 20, &[(21, 30), (5, 12), (1, 3)]),
            vec![(13, 20)]
        );
    }

    #[test]
    fn own_ranges_are_taken_once() {
        let own = OwnCommits::default();
        own.note(1, 3);
        own.note(7, 9);
        assert_eq!(own.take_through(5), vec![(1, 3)]);
        assert_eq!(own.take_through(5), vec![]);
        assert_eq!(own.take_through(9), vec![(7, 9)]);
        for i in 0..(OWN_RANGES as i64 + 5) {
            own.note(i, i);
        }
        assert_eq!(own.take_through(i64::MAX).len(), OWN_RANGES);
    }
}

//! A repeated upload: the same file again, recorded in about the time it takes to read it.
//!
//! Uploading a file whose every row is already stored as written changes nothing, yet the
//! row-by-row comparison reads every one of its values back (a million rows: most of
//! twenty seconds). The store knows cheaper when nothing can have changed: every upload
//! records the audit chain's head it left, and every change of a value appends an audit
//! row naming its indicator and place. So when a file of the same bytes (SHA-256) was
//! uploaded before and no audit row since wrote, deleted or quarantined a value of the
//! file's indicators and places, nor changed the plan or the places, every row of it is
//! still stored as written — which the store checks and records in one write transaction
//! (`ValueStore::repeat_upload`), so no write slips in between.
//!
//! Nothing else is skipped: the file is read again (a file that no longer reads under the
//! present limits goes the long way, which reports why), and the uploader's role and scope
//! are checked on every (indicator, place) of it. An unchanged upload appends no audit
//! row (nothing changed), as before; the uploads table records it with 0 changed.
//! Warnings (an outlier among its peers) are not repeated: no number changed. Whenever
//! the store cannot be sure, the upload takes the one write path like any other.

use std::collections::HashSet;

use youxiang_core::scope::Reporter;
use youxiang_ingest::ReadLimits;
use youxiang_store::UploadInfo;

use crate::{App, AppError, Result, UploadStep, WriteReport, hex_sha256};

/// What the look at a repeated upload found.
pub(crate) enum Repeat {
    /// Recorded as changing nothing: the report to answer.
    Done(WriteReport),
    /// Not known unchanged: compare row by row (the file's bytes handed back).
    Compare(Vec<u8>),
}

/// What reading the file again gave: its hash, rows and (indicator, place) pairs.
struct Read {
    sha256: String,
    rows: usize,
    touched: HashSet<(String, String)>,
}

/// On a blocking thread, `job` with `bytes`, which are handed back with its result.
async fn blocking<T: Send + 'static>(
    bytes: Vec<u8>,
    job: impl FnOnce(&[u8]) -> T + Send + 'static,
) -> Result<(Vec<u8>, T)> {
    match tokio::task::spawn_blocking(move || {
        let out = job(&bytes);
        (bytes, out)
    })
    .await
    {
        Ok(done) => Ok(done),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(AppError::Invalid(vec![
            "服务正在停止,本次上传未写入任何数据".into(),
        ])),
    }
}

impl App {
    /// Records `bytes` as an unchanged repeat of an earlier upload when the store is sure
    /// nothing in it can have changed (see the module's notes); else hands them back.
    pub(crate) async fn repeated_upload(
        &self,
        who: &Reporter,
        bytes: Vec<u8>,
        file_name: &str,
        limits: &ReadLimits,
        progress: &(dyn Fn(UploadStep) + Send + Sync),
    ) -> Result<Repeat> {
        if !who.role.can_report() {
            // The long way says why.
            return Ok(Repeat::Compare(bytes));
        }
        let (bytes, sha256) = blocking(bytes, hex_sha256).await?;
        if self.db.uploads(Some(&sha256)).await?.is_empty() {
            return Ok(Repeat::Compare(bytes));
        }
        progress(UploadStep::Read);
        let (name, limits) = (file_name.to_string(), limits.clone());
        let (bytes, read) = blocking(bytes, move |b| {
            let read = youxiang_ingest::read_values_with(b, &name, &limits).ok()?;
            if !read.errors.is_empty() || read.errors_omitted > 0 {
                return None;
            }
            let rows = read.file.rows;
            Some(Read {
                sha256,
                rows: rows.len(),
                touched: rows.into_iter().map(|r| (r.indicator, r.place)).collect(),
            })
        })
        .await?;
        let Some(read) = read else {
            return Ok(Repeat::Compare(bytes));
        };
        progress(UploadStep::Validate);
        if !self.covers(who, &read.touched) {
            return Ok(Repeat::Compare(bytes));
        }
        progress(UploadStep::Store);
        let source = UploadInfo {
            file_name: file_name.to_string(),
            sha256: read.sha256,
            rows: read.rows,
        };
        let _guard = self.write_lock.lock().await;
        if !self
            .db
            .repeat_upload(&source, &who.login, &read.touched)
            .await?
        {
            return Ok(Repeat::Compare(bytes));
        }
        Ok(Repeat::Done(WriteReport {
            changed: 0,
            unchanged: read.rows,
            ..WriteReport::default()
        }))
    }

    /// Whether every (indicator, place) pair is one of the plan and places that `who` may
    /// report.
    fn covers(&self, who: &Reporter, pairs: &HashSet<(String, String)>) -> bool {
        let state = self.read();
        pairs.iter().all(|(indicator, place)| {
            state.plan.indicator(indicator).is_some()
                && state
                    .tree
                    .id(place)
                    .is_some_and(|p| who.scope.covers(&state.tree, p, indicator))
        })
    }
}

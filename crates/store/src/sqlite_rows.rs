//! Many rows into SQLite the way its own shell's `.import` writes them: one prepared
//! statement, its parameters bound and the statement stepped once a row, inside the
//! transaction the connection is in. Through the connection's raw handle, because sqlx
//! copies every text parameter into a new `Arc<String>` and the multi-row `INSERT`s it
//! needs to be fast hold thousands of parameters — a million values with their audit rows
//! were some fifty million small allocations and copies. Here a text is bound where it
//! lies (`SQLITE_STATIC`) and unbound again before the next row.
//!
//! The handle is held for [`ROWS_PER_HOLD`] rows at a time, never across an `.await`:
//! between holds the runtime gets the thread back, and a write dropped between them
//! leaves only a transaction that sqlx rolls back.

use std::borrow::Cow;
use std::ffi::{CStr, c_int};
use std::ptr::{NonNull, null_mut};

use libsqlite3_sys as ffi;
use sqlx::SqliteConnection;
use sqlx::error::{DatabaseError, ErrorKind};

/// One parameter of a row.
pub(crate) enum Arg<'a> {
    Null,
    Text(Cow<'a, str>),
    Int(i64),
    /// Bound as the binary double it is (SQLite's decimal reading is not exact at the
    /// extremes).
    Real(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(t: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(t))
    }
}

impl From<String> for Arg<'_> {
    fn from(t: String) -> Self {
        Arg::Text(Cow::Owned(t))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(t: Option<&'a str>) -> Self {
        t.map_or(Arg::Null, Arg::from)
    }
}

/// Rows stepped per hold of the connection's handle (a few milliseconds).
const ROWS_PER_HOLD: usize = 20_000;

/// Runs `sql` (one statement of `N` parameters) once for each of `rows`, its parameters
/// those `bind` gives for the row, on `c` and inside the transaction `c` is in. The first
/// failure stops it: the database's error (a trigger's `RAISE`, a duplicate key), as sqlx
/// reports a database's error, with the statement's changes of that row undone and the
/// transaction left to its owner to roll back.
pub(crate) async fn run_per_row<'a, T, const N: usize>(
    c: &mut SqliteConnection,
    sql: &CStr,
    rows: &'a [T],
    mut bind: impl FnMut(&'a T) -> [Arg<'a>; N],
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(ROWS_PER_HOLD) {
        {
            let mut handle = c.lock_handle().await?;
            let mut stmt = Statement::prepare(handle.as_raw_handle(), sql)?;
            for row in chunk {
                stmt.run(&bind(row))?;
            }
        }
        tokio::task::yield_now().await;
    }
    Ok(())
}

/// A prepared statement of a locked connection, finalized when dropped.
struct Statement {
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
}

impl Statement {
    fn prepare(db: NonNull<ffi::sqlite3>, sql: &CStr) -> Result<Statement, sqlx::Error> {
        let mut stmt = null_mut();
        // SAFETY: `db` is an open connection whose lock the caller holds for this
        // statement's whole life (it is dropped inside the hold); `sql` is NUL-terminated.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(db.as_ptr(), sql.as_ptr(), -1, &mut stmt, null_mut())
        };
        match NonNull::new(stmt) {
            Some(stmt) if rc == ffi::SQLITE_OK => Ok(Statement { db, stmt }),
            stmt => {
                let e = RawError::last(db, rc);
                if let Some(s) = stmt {
                    // SAFETY: a statement prepared on `db`, finalized once.
                    unsafe { ffi::sqlite3_finalize(s.as_ptr()) };
                }
                Err(e.into())
            }
        }
    }

    /// Binds `args` to parameters 1…N, steps once, resets and unbinds.
    fn run(&mut self, args: &[Arg<'_>]) -> Result<(), sqlx::Error> {
        let s = self.stmt.as_ptr();
        let mut rc = ffi::SQLITE_OK;
        for (i, arg) in args.iter().enumerate() {
            let at = i as c_int + 1;
            // SAFETY: `s` is this statement, alive; every text bound is borrowed from
            // `args`, which outlives the step below, and unbound (`clear_bindings`) before
            // this function returns, so SQLite never holds a pointer past its life.
            rc = unsafe {
                match arg {
                    Arg::Null => ffi::sqlite3_bind_null(s, at),
                    Arg::Int(n) => ffi::sqlite3_bind_int64(s, at, *n),
                    Arg::Real(x) => ffi::sqlite3_bind_double(s, at, *x),
                    Arg::Text(t) => match c_int::try_from(t.len()) {
                        Ok(len) => ffi::sqlite3_bind_text(
                            s,
                            at,
                            t.as_ptr().cast(),
                            len,
                            ffi::SQLITE_STATIC(),
                        ),
                        Err(_) => ffi::SQLITE_TOOBIG,
                    },
                }
            };
            if rc != ffi::SQLITE_OK {
                break;
            }
        }
        if rc == ffi::SQLITE_OK {
            // SAFETY: as above.
            rc = unsafe { ffi::sqlite3_step(s) };
        }
        let result = match rc {
            ffi::SQLITE_DONE | ffi::SQLITE_ROW => Ok(()),
            rc => Err(RawError::last(self.db, rc).into()),
        };
        // SAFETY: as above. The reset's code repeats the step's failure, already taken.
        unsafe {
            ffi::sqlite3_reset(s);
            ffi::sqlite3_clear_bindings(s);
        }
        result
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: prepared on `db`, whose lock is still held; finalized once.
        unsafe { ffi::sqlite3_finalize(self.stmt.as_ptr()) };
    }
}

/// The database's error, as sqlx's own SQLite errors carry it (code and message).
#[derive(Debug)]
struct RawError {
    code: c_int,
    message: String,
}

impl RawError {
    /// The error `db` reports now, or `rc`'s text when it has none.
    fn last(db: NonNull<ffi::sqlite3>, rc: c_int) -> RawError {
        // SAFETY: `db` is open and locked by the caller; the message is copied before the
        // next call on `db` can change it.
        let (code, message) = unsafe {
            let code = ffi::sqlite3_extended_errcode(db.as_ptr());
            let text = ffi::sqlite3_errmsg(db.as_ptr());
            let message = if text.is_null() {
                CStr::from_ptr(ffi::sqlite3_errstr(rc))
            } else {
                CStr::from_ptr(text)
            };
            (code, message.to_string_lossy().into_owned())
        };
        RawError {
            code: if code == ffi::SQLITE_OK { rc } else { code },
            message,
        }
    }
}

impl std::fmt::Display for RawError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for RawError {}

impl DatabaseError for RawError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

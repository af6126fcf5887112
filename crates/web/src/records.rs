//! What the answers about stored management records share: the version stamp of a record
//! (tasks, orders, weekly plans), quoted back when changing it.

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;
use youxiang_app::Versioned;

/// A stored record's version, and who changed it last and when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Stamp {
    /// Quote it when changing the record (409 when someone changed it since).
    pub version: i64,
    /// UTC, `2025-06-30T08:00:00` (with fractional seconds when stored with them).
    #[schema(value_type = String)]
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

impl<T> From<&Versioned<T>> for Stamp {
    fn from(v: &Versioned<T>) -> Self {
        Stamp {
            version: v.version,
            updated_at: v.updated_at,
            updated_by: v.updated_by.clone(),
        }
    }
}

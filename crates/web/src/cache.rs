//! Answers of the read-mostly endpoints (`/api/v1/status`, `/api/v1/overview`) kept as
//! serialised JSON per request and per view (which figures the reader may see with drafts:
//! the key carries it, so one reader's drafts never reach another), valid for one
//! generation of the engines.
//!
//! The engines' generation (`youxiang_app::State::generation`, the larger of the live and
//! the official engine's) changes on every write and every change of review state (and is
//! never reused, even by rebuilt engines), and every state the answers read — plan, places,
//! figures, statuses — is replaced or changed only together with the engines. An entry is
//! served only while the generation it was computed at is the current one, so a write makes
//! every kept answer unreachable at once: a cached answer is never older than the last
//! write.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;

/// At most this many answers are kept; a full cache is emptied (the queries a dashboard
/// asks are few; arbitrary queries must not grow memory).
const MAX_ENTRIES: usize = 512;
/// Longer request keys are not kept.
const MAX_KEY: usize = 512;

#[derive(Default)]
pub struct ResponseCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    answers: HashMap<String, Bytes>,
}

impl ResponseCache {
    pub fn new() -> ResponseCache {
        ResponseCache::default()
    }

    /// The answer kept for `key`, if it was computed at exactly this generation.
    pub fn get(&self, generation: u64, key: &str) -> Option<Bytes> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.generation != generation {
            return None;
        }
        inner.answers.get(key).cloned()
    }

    /// Keeps an answer computed at `generation`. An answer of an older generation than the
    /// kept ones is dropped; a newer one empties the cache first.
    pub fn put(&self, generation: u64, key: &str, body: Bytes) {
        if key.len() > MAX_KEY {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if generation < inner.generation {
            return;
        }
        if generation > inner.generation || inner.answers.len() >= MAX_ENTRIES {
            inner.answers.clear();
            inner.generation = generation;
        }
        inner.answers.insert(key.to_string(), body);
    }

    /// How many answers are kept (for tests).
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .answers
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_lives_for_its_generation_only() {
        let c = ResponseCache::new();
        c.put(5, "/a", Bytes::from_static(b"five"));
        assert_eq!(c.get(5, "/a").as_deref(), Some(&b"five"[..]));
        assert_eq!(c.get(6, "/a"), None, "a write makes it unreachable");
        c.put(6, "/b", Bytes::from_static(b"six"));
        assert_eq!(c.get(5, "/a"), None);
        assert_eq!(c.len(), 1, "a newer generation empties the cache");
        c.put(5, "/a", Bytes::from_static(b"late"));
        assert_eq!(
            c.get(5, "/a"),
            None,
            "a late answer of an older generation is dropped"
        );
        assert_eq!(c.get(6, "/b").as_deref(), Some(&b"six"[..]));
        for i in 0..(MAX_ENTRIES + 10) {
            c.put(6, &format!("/q{i}"), Bytes::new());
        }
        assert!(c.len() <= MAX_ENTRIES);
        c.put(6, &"x".repeat(MAX_KEY + 1), Bytes::new());
        assert_eq!(c.get(6, &"x".repeat(MAX_KEY + 1)), None);
    }
}

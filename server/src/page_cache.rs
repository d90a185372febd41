//! Rendered pages of credential lists, reused while the team's credentials are unchanged.
//!
//! Every change to a credential row bumps its team's `credentials_rev` in the same transaction
//! (database triggers, migration 0004). A request reads that counter together with the
//! caller's membership (one query, in the extractor) *before* it reads the page, so a page
//! cached under counter `n` is at least as new as `n`: serving it while the team is still at
//! `n` is exactly as correct as reading the database again. Replicas each keep their own
//! cache; the counter lives in the shared database, so a write through one replica
//! invalidates every other replica's pages on their next request.
//!
//! Authorization is not cached: the extractor has already checked the caller against the
//! database, and whether wrapped keys are included (developers and up) is part of the key.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
};

use axum::body::Bytes;

/// Which page of which list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    /// The team.
    pub team_id: String,
    /// The trash instead of the live list.
    pub deleted: bool,
    /// Wrapped item keys included (developers and up).
    pub with_keys: bool,
    /// The cursor the page starts after.
    pub after: Option<(i64, String)>,
    /// Page size.
    pub limit: i64,
}

struct Entry {
    rev: i64,
    body: Bytes,
    last_used: u64,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<PageKey, Entry>,
    bytes: usize,
    clock: u64,
}

/// A bounded, least-recently-used cache of rendered list pages.
pub struct PageCache {
    inner: Mutex<Inner>,
    max_bytes: usize,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache")
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

impl PageCache {
    /// A cache holding at most `max_bytes` of rendered JSON.
    pub fn new(max_bytes: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            max_bytes,
        }
    }

    /// How many bytes of rendered JSON are held.
    pub fn held_bytes(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .bytes
    }

    /// The page rendered while the team was at `rev`, if there is one.
    pub fn get(&self, key: &PageKey, rev: i64) -> Option<Bytes> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.clock += 1;
        let now = inner.clock;
        let entry = inner.entries.get_mut(key)?;
        if entry.rev != rev {
            return None;
        }
        entry.last_used = now;
        Some(entry.body.clone())
    }

    /// Remembers `body` as the page for `key` at `rev`, evicting the least recently used pages
    /// beyond the size bound. A page larger than the whole bound is not kept.
    pub fn put(&self, key: PageKey, rev: i64, body: Bytes) {
        if body.len() > self.max_bytes {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.clock += 1;
        let now = inner.clock;
        // Pages of the same team rendered at an older counter can never be served again.
        let team = key.team_id.clone();
        let mut freed = 0;
        inner.entries.retain(|k, e| {
            let stale = k.team_id == team && e.rev < rev;
            if stale {
                freed += e.body.len();
            }
            !stale
        });
        inner.bytes -= freed;
        let added = body.len();
        if let Some(old) = inner.entries.insert(
            key,
            Entry {
                rev,
                body,
                last_used: now,
            },
        ) {
            inner.bytes -= old.body.len();
        }
        inner.bytes += added;
        while inner.bytes > self.max_bytes {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(e) = inner.entries.remove(&oldest) {
                inner.bytes -= e.body.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(team: &str, limit: i64) -> PageKey {
        PageKey {
            team_id: team.into(),
            deleted: false,
            with_keys: true,
            after: None,
            limit,
        }
    }

    #[test]
    fn a_page_is_served_only_at_the_revision_it_was_rendered_at() {
        let cache = PageCache::new(1024);
        cache.put(key("t", 10), 3, Bytes::from_static(b"page"));
        assert_eq!(cache.get(&key("t", 10), 3).as_deref(), Some(&b"page"[..]));
        assert!(cache.get(&key("t", 10), 4).is_none());
        assert!(cache.get(&key("t", 11), 3).is_none());
        assert!(cache.get(&key("u", 10), 3).is_none());
    }

    #[test]
    fn a_newer_revision_drops_the_teams_older_pages() {
        let cache = PageCache::new(1024);
        cache.put(key("t", 10), 3, Bytes::from_static(b"old"));
        cache.put(key("t", 20), 3, Bytes::from_static(b"old"));
        cache.put(key("u", 10), 1, Bytes::from_static(b"other"));
        cache.put(key("t", 10), 4, Bytes::from_static(b"new"));
        assert!(cache.get(&key("t", 20), 3).is_none());
        assert_eq!(cache.get(&key("u", 10), 1).as_deref(), Some(&b"other"[..]));
        assert_eq!(cache.held_bytes(), 8);
    }

    #[test]
    fn the_least_recently_used_page_goes_first_and_the_bound_holds() {
        let cache = PageCache::new(10);
        cache.put(key("a", 1), 1, Bytes::from_static(b"aaaa"));
        cache.put(key("b", 1), 1, Bytes::from_static(b"bbbb"));
        assert!(cache.get(&key("a", 1), 1).is_some());
        cache.put(key("c", 1), 1, Bytes::from_static(b"cccc"));
        assert!(cache.get(&key("b", 1), 1).is_none());
        assert!(cache.get(&key("a", 1), 1).is_some());
        assert!(cache.get(&key("c", 1), 1).is_some());
        cache.put(key("d", 1), 1, Bytes::from_static(b"far too large"));
        assert!(cache.get(&key("d", 1), 1).is_none());
        assert!(cache.held_bytes() <= 10);
    }
}

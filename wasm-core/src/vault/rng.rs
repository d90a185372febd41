//! Where every random byte of the vault comes from.
//!
//! Production code always reads the operating system's generator (`getrandom::SysRng`,
//! `crypto.getRandomValues` in the browser). Unit tests may install a deterministic stream
//! for the current thread, so that pinned test vectors fix nonces and keys exactly.

use getrandom::SysRng;
use rand_core::TryRng;

use crate::{Error, Result};

/// Fills `buf` with cryptographically secure random bytes.
pub(crate) fn fill(buf: &mut [u8]) -> Result<()> {
    #[cfg(test)]
    if test_stream::fill(buf) {
        return Ok(());
    }
    SysRng
        .try_fill_bytes(buf)
        .map_err(|e| Error::Random(e.to_string()))
}

/// `N` random bytes.
pub(crate) fn bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    fill(&mut out)?;
    Ok(out)
}

/// A deterministic byte stream for tests: SHA-256(seed ‖ counter) blocks.
#[cfg(test)]
pub(crate) mod test_stream {
    use sha2::{Digest, Sha256};
    use std::cell::RefCell;

    thread_local! {
        static STREAM: RefCell<Option<(u64, u64)>> = const { RefCell::new(None) };
    }

    /// Makes every random byte on this thread come from `seed` until [`reset`].
    pub(crate) fn install(seed: u64) {
        STREAM.with(|s| *s.borrow_mut() = Some((seed, 0)));
    }

    /// Back to the system generator.
    pub(crate) fn reset() {
        STREAM.with(|s| *s.borrow_mut() = None);
    }

    pub(super) fn fill(buf: &mut [u8]) -> bool {
        STREAM.with(|s| {
            let mut s = s.borrow_mut();
            let Some((seed, counter)) = s.as_mut() else {
                return false;
            };
            for chunk in buf.chunks_mut(32) {
                let mut h = Sha256::new();
                h.update(seed.to_be_bytes());
                h.update(counter.to_be_bytes());
                *counter += 1;
                let block = h.finalize();
                chunk.copy_from_slice(&block[..chunk.len()]);
            }
            true
        })
    }
}

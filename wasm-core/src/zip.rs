//! A small zip reader (and the stored-only writer it is tested against) for credential bundles.
//!
//! [`read`] takes an archive a person uploaded, so it trusts nothing in it: it walks the
//! central directory with every offset and length bounds-checked, and refuses rather than
//! guesses at anything outside a plain credential bundle:
//! - more than [`Limits::max_entries`] entries, an entry larger than [`Limits::max_entry_size`]
//!   or a total above [`Limits::max_total_size`] (checked before inflating, and again while
//!   inflating: a declared size cannot lie its way past the limit);
//! - names that could escape the folder they are unpacked into (zip slip: `..`, absolute
//!   paths, backslashes, drive letters) and two entries with the same name;
//! - encryption, zip64, multi-disk archives, methods other than stored (0) and deflate (8),
//!   and any entry whose CRC-32 does not match.
//!
//! Directories are skipped; a leading `./` is dropped from names.

use crate::{Error, Result};

/// How much an archive may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries in the central directory, directories included.
    pub max_entries: usize,
    /// Uncompressed bytes of one entry.
    pub max_entry_size: usize,
    /// Uncompressed bytes of all entries together.
    pub max_total_size: usize,
}

impl Limits {
    /// Enough for any EAS credentials bundle (a keystore, a few `.p12` and profiles per
    /// target), small enough for a browser tab.
    pub const CREDENTIALS: Self = Self {
        max_entries: 64,
        max_entry_size: 4 << 20,
        max_total_size: 16 << 20,
    };
}

/// One file of an archive.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its path inside the archive, `/`-separated, never absolute, never with `..`.
    pub name: String,
    /// Its uncompressed bytes.
    pub data: Vec<u8>,
}

impl core::fmt::Debug for Entry {
    // Entries hold keystores and `.p12` files: print their size, not their bytes.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Entry")
            .field("name", &self.name)
            .field("len", &self.data.len())
            .finish()
    }
}

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
const EOCD_LEN: usize = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;

fn bad(reason: impl Into<String>) -> Error {
    Error::Zip(reason.into())
}

/// Little-endian reads that fail instead of panicking past the end.
fn u16_at(bytes: &[u8], at: usize) -> Result<u16> {
    bytes
        .get(at..at.saturating_add(2))
        .and_then(|b| b.try_into().ok())
        .map(u16::from_le_bytes)
        .ok_or_else(|| bad("it is truncated"))
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32> {
    bytes
        .get(at..at.saturating_add(4))
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| bad("it is truncated"))
}

fn slice(bytes: &[u8], at: usize, len: usize) -> Result<&[u8]> {
    at.checked_add(len)
        .and_then(|end| bytes.get(at..end))
        .ok_or_else(|| bad("it is truncated"))
}

/// Reads every file of `archive` within `limits`.
pub fn read(archive: &[u8], limits: &Limits) -> Result<Vec<Entry>> {
    let eocd = find_end_of_central_directory(archive)?;
    let (disk, cd_disk) = (u16_at(archive, eocd + 4)?, u16_at(archive, eocd + 6)?);
    let count = u16_at(archive, eocd + 10)?;
    let cd_size = u32_at(archive, eocd + 12)?;
    let cd_offset = u32_at(archive, eocd + 16)?;
    if disk != 0 || cd_disk != 0 {
        return Err(bad(
            "it is split over several disks; zip the files again as one archive",
        ));
    }
    if count == u16::MAX || cd_size == u32::MAX || cd_offset == u32::MAX {
        return Err(bad(
            "it is a zip64 archive; zip the files again without zip64",
        ));
    }
    let count = usize::from(count);
    if count > limits.max_entries {
        return Err(bad(format!(
            "it holds {count} entries, more than the {} a credentials bundle may have",
            limits.max_entries
        )));
    }
    let directory = slice(archive, cd_offset as usize, cd_size as usize)?;
    let mut at = 0usize;
    let mut total = 0usize;
    let mut entries: Vec<Entry> = Vec::new();
    for _ in 0..count {
        if u32_at(directory, at)? != CENTRAL_HEADER {
            return Err(bad("its central directory is damaged"));
        }
        let flags = u16_at(directory, at + 8)?;
        let method = u16_at(directory, at + 10)?;
        let crc = u32_at(directory, at + 16)?;
        let compressed = u32_at(directory, at + 20)? as usize;
        let size = u32_at(directory, at + 24)? as usize;
        let name_len = usize::from(u16_at(directory, at + 28)?);
        let extra_len = usize::from(u16_at(directory, at + 30)?);
        let comment_len = usize::from(u16_at(directory, at + 32)?);
        let local = u32_at(directory, at + 42)? as usize;
        let raw_name = slice(directory, at + CENTRAL_LEN, name_len)?;
        at = at
            .checked_add(CENTRAL_LEN + name_len + extra_len + comment_len)
            .ok_or_else(|| bad("its central directory is damaged"))?;

        let raw_name = core::str::from_utf8(raw_name)
            .map_err(|_| bad("an entry's name is not UTF-8; zip the files again"))?;
        if raw_name.ends_with('/') && size == 0 {
            continue; // a directory
        }
        let name = safe_name(raw_name)?;
        if flags & 1 != 0 {
            return Err(bad(format!(
                "{name} is encrypted; zip the files again without a zip password"
            )));
        }
        if size > limits.max_entry_size {
            return Err(bad(format!(
                "{name} is {size} bytes, larger than the {} a credential file may be",
                limits.max_entry_size
            )));
        }
        total = total.saturating_add(size);
        if total > limits.max_total_size {
            return Err(bad(format!(
                "its files add up to more than {} bytes",
                limits.max_total_size
            )));
        }
        if entries.iter().any(|e| e.name == name) {
            return Err(bad(format!("it holds {name} twice")));
        }
        if u32_at(archive, local)? != LOCAL_HEADER {
            return Err(bad(format!("the header of {name} is damaged")));
        }
        let local_name = usize::from(u16_at(archive, local + 26)?);
        let local_extra = usize::from(u16_at(archive, local + 28)?);
        let start = local
            .checked_add(LOCAL_LEN + local_name + local_extra)
            .ok_or_else(|| bad(format!("the header of {name} is damaged")))?;
        let stored = slice(archive, start, compressed)?;
        let data = match method {
            0 if compressed == size => stored.to_vec(),
            0 => return Err(bad(format!("{name}: its sizes disagree"))),
            8 => miniz_oxide::inflate::decompress_to_vec_with_limit(stored, size)
                .map_err(|_| bad(format!("{name} does not decompress")))?,
            other => {
                return Err(bad(format!(
                    "{name} uses compression method {other}; zip the files again with plain \
                     deflate"
                )));
            }
        };
        if data.len() != size || crc32(&data) != crc {
            return Err(bad(format!(
                "{name} is damaged (its checksum does not match)"
            )));
        }
        entries.push(Entry { name, data });
    }
    Ok(entries)
}

/// The end-of-central-directory record: the last one whose comment runs to the end.
fn find_end_of_central_directory(archive: &[u8]) -> Result<usize> {
    if archive.len() < EOCD_LEN {
        return Err(bad("it is not a zip archive"));
    }
    let last = archive.len() - EOCD_LEN;
    let first = last.saturating_sub(usize::from(u16::MAX));
    (first..=last)
        .rev()
        .find(|&at| {
            u32_at(archive, at).ok() == Some(END_OF_CENTRAL_DIRECTORY)
                && u16_at(archive, at + 20)
                    .is_ok_and(|comment| at + EOCD_LEN + usize::from(comment) == archive.len())
        })
        .ok_or_else(|| bad("it is not a zip archive (or it is truncated)"))
}

/// `name` if unpacking it cannot leave the target folder, without a leading `./`.
fn safe_name(name: &str) -> Result<String> {
    let unsafe_name = || {
        bad(format!(
            "it holds an entry named \"{}\", which points outside the archive's folder",
            name.escape_default()
        ))
    };
    if name.is_empty()
        || name.starts_with('/')
        || name.contains(['\\', ':', '\0'])
        || name.chars().any(char::is_control)
    {
        return Err(unsafe_name());
    }
    let mut parts = name.split('/').skip_while(|p| *p == ".").peekable();
    if parts.peek().is_none() {
        return Err(unsafe_name());
    }
    let parts: Vec<&str> = parts.collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || *p == "." || *p == "..")
    {
        return Err(unsafe_name());
    }
    Ok(parts.join("/"))
}

/// CRC-32 (IEEE 802.3), as zip stores it.
pub fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[i] = c;
            i += 1;
        }
        table
    };
    !data.iter().fold(0xffff_ffffu32, |crc, &b| {
        TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8)
    })
}

/// A zip of `files`, stored uncompressed, in the same layout as the dashboard's download
/// (UTF-8 names, sizes in the local headers, no data descriptors).
///
/// # Panics
/// Never for credential bundles: more than 65,535 files or 4 GiB would not fit the format's
/// 16/32-bit fields and are truncated, which [`read`] then refuses.
pub fn write_stored(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let size = data.len() as u32;
        let name = name.as_bytes();
        let common = |buf: &mut Vec<u8>| {
            buf.extend_from_slice(&20u16.to_le_bytes()); // version needed: 2.0
            buf.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
            buf.extend_from_slice(&0u16.to_le_bytes()); // stored
            buf.extend_from_slice(&0u16.to_le_bytes()); // time
            buf.extend_from_slice(&0x0021u16.to_le_bytes()); // 1980-01-01
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
        };
        out.extend_from_slice(&LOCAL_HEADER.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(&0u16.to_le_bytes()); // extra
        out.extend_from_slice(name);
        out.extend_from_slice(data);
        central.extend_from_slice(&CENTRAL_HEADER.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        common(&mut central);
        central.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let central_offset = out.len() as u32;
    let count = files.len() as u16;
    out.extend_from_slice(&central);
    out.extend_from_slice(&END_OF_CENTRAL_DIRECTORY.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const LIMITS: Limits = Limits::CREDENTIALS;

    fn names(entries: &[Entry]) -> Vec<&str> {
        entries.iter().map(|e| e.name.as_str()).collect()
    }

    /// A zip with one deflated entry, `hello.txt`, laid out by hand (the writer only stores).
    fn deflated() -> Vec<u8> {
        let data = b"hello hello hello hello\n";
        let raw = miniz_oxide::deflate::compress_to_vec(data, 9);
        let mut zip = Vec::new();
        let crc = crc32(data);
        let mut central = Vec::new();
        let name = b"hello.txt";
        zip.extend_from_slice(&LOCAL_HEADER.to_le_bytes());
        zip.extend_from_slice(&20u16.to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes());
        zip.extend_from_slice(&8u16.to_le_bytes());
        zip.extend_from_slice(&[0; 4]);
        zip.extend_from_slice(&crc.to_le_bytes());
        zip.extend_from_slice(&(raw.len() as u32).to_le_bytes());
        zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
        zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes());
        zip.extend_from_slice(name);
        zip.extend_from_slice(&raw);
        central.extend_from_slice(&CENTRAL_HEADER.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&8u16.to_le_bytes());
        central.extend_from_slice(&[0; 4]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&(raw.len() as u32).to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&0u32.to_le_bytes());
        central.extend_from_slice(name);
        let cd_offset = zip.len() as u32;
        zip.extend_from_slice(&central);
        zip.extend_from_slice(&END_OF_CENTRAL_DIRECTORY.to_le_bytes());
        zip.extend_from_slice(&[0; 4]);
        zip.extend_from_slice(&1u16.to_le_bytes());
        zip.extend_from_slice(&1u16.to_le_bytes());
        zip.extend_from_slice(&(central.len() as u32).to_le_bytes());
        zip.extend_from_slice(&cd_offset.to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes());
        zip
    }

    #[test]
    fn reads_what_the_writer_wrote() {
        let zip = write_stored(&[
            ("credentials.json", b"{}"),
            ("credentials/android/keystore.jks", &[1, 2, 3]),
            ("./credentials/ios/", b""),
        ]);
        let entries = read(&zip, &LIMITS).unwrap();
        assert_eq!(
            names(&entries),
            ["credentials.json", "credentials/android/keystore.jks"]
        );
        assert_eq!(entries[1].data, [1, 2, 3]);
    }

    #[test]
    fn reads_deflate() {
        let entries = read(&deflated(), &LIMITS).unwrap();
        assert_eq!(names(&entries), ["hello.txt"]);
        assert_eq!(entries[0].data, b"hello hello hello hello\n");
    }

    #[test]
    fn a_leading_dot_slash_is_dropped() {
        let entries = read(&write_stored(&[("./a/b.txt", b"x")]), &LIMITS).unwrap();
        assert_eq!(names(&entries), ["a/b.txt"]);
    }

    #[test]
    fn refuses_zip_slip() {
        for name in [
            "../evil",
            "a/../../evil",
            "/etc/passwd",
            "a\\..\\evil",
            "C:/evil",
            "a//b",
            "a/./b",
            ".",
            "a\u{1}b",
        ] {
            let err = read(&write_stored(&[(name, b"x")]), &LIMITS).unwrap_err();
            assert!(
                err.to_string().contains("outside the archive's folder"),
                "{name}: {err}"
            );
        }
    }

    #[test]
    fn refuses_duplicates() {
        let zip = write_stored(&[("a.txt", b"1"), ("./a.txt", b"2")]);
        let err = read(&zip, &LIMITS).unwrap_err();
        assert!(err.to_string().contains("holds a.txt twice"), "{err}");
    }

    #[test]
    fn refuses_too_many_too_large() {
        let small = Limits {
            max_entries: 2,
            max_entry_size: 4,
            max_total_size: 6,
        };
        let three = write_stored(&[("a", b"1"), ("b", b"2"), ("c", b"3")]);
        assert!(
            read(&three, &small)
                .unwrap_err()
                .to_string()
                .contains("3 entries")
        );
        let big = write_stored(&[("a", b"12345")]);
        assert!(
            read(&big, &small)
                .unwrap_err()
                .to_string()
                .contains("5 bytes")
        );
        let total = write_stored(&[("a", b"1234"), ("b", b"123")]);
        assert!(
            read(&total, &small)
                .unwrap_err()
                .to_string()
                .contains("add up")
        );
    }

    #[test]
    fn a_deflate_bomb_stops_at_the_declared_size() {
        let mut zip = deflated();
        // Declare 5 bytes: inflating more than that is an error, not an allocation.
        let at = zip.len() - EOCD_LEN - 46 - 9 + 24;
        zip[at..at + 4].copy_from_slice(&5u32.to_le_bytes());
        assert!(read(&zip, &LIMITS).is_err());
    }

    #[test]
    fn refuses_damage() {
        let zip = write_stored(&[("a.txt", b"hello")]);
        // Flip a data byte: the CRC catches it.
        let mut flipped = zip.clone();
        flipped[LOCAL_LEN + 5] ^= 1;
        assert!(
            read(&flipped, &LIMITS)
                .unwrap_err()
                .to_string()
                .contains("checksum")
        );
        // Every truncation fails cleanly.
        for len in 0..zip.len() {
            assert!(read(&zip[..len], &LIMITS).is_err(), "{len}");
        }
        assert!(read(b"not a zip at all, just text", &LIMITS).is_err());
    }

    #[test]
    fn refuses_encrypted_entries() {
        let mut zip = write_stored(&[("a.txt", b"hello")]);
        let cd = LOCAL_LEN + 5 + 5;
        zip[cd + 8] |= 1;
        assert!(
            read(&zip, &LIMITS)
                .unwrap_err()
                .to_string()
                .contains("encrypted")
        );
    }

    #[test]
    fn crc32_known_answer() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }
}

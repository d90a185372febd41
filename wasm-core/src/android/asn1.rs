//! A small, strict DER reader and writer for the keystore containers.
//!
//! PKCS#12 and the JKS key wrapper are nests of `SEQUENCE`, `OCTET STRING` and `[0]` wrappers
//! whose content types are only known after reading an OID. Walking them with a
//! tag-length-value cursor keeps every bounds check in one place (the fuzz targets hammer
//! exactly this) and returns [`Malformed`] instead of panicking on hostile input.
//! Certificates themselves are parsed with `x509-cert`; this module only frames them.

use der::asn1::ObjectIdentifier;

/// Why a structure could not be read. Callers turn it into a user-facing error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed(pub(crate) String);

pub(crate) type Parse<T> = core::result::Result<T, Malformed>;

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const NULL: u8 = 0x05;
pub(crate) const OID: u8 = 0x06;
pub(crate) const UTF8_STRING: u8 = 0x0c;
pub(crate) const PRINTABLE_STRING: u8 = 0x13;
pub(crate) const BMP_STRING: u8 = 0x1e;
pub(crate) const UTC_TIME: u8 = 0x17;
pub(crate) const GENERALIZED_TIME: u8 = 0x18;
/// `[0]` constructed (EXPLICIT tagging).
pub(crate) const CONTEXT_0: u8 = 0xa0;
/// `[0]` primitive (IMPLICIT OCTET STRING, as in `EncryptedContentInfo`).
pub(crate) const CONTEXT_0_PRIMITIVE: u8 = 0x80;
/// `[3]` constructed (certificate extensions).
pub(crate) const CONTEXT_3: u8 = 0xa3;

/// One element: its tag, its content, and the whole encoding (tag + length + content).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) content: &'a [u8],
    pub(crate) raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// A cursor over the content of a constructed element.
    pub(crate) fn reader(&self) -> Reader<'a> {
        Reader::new(self.content)
    }

    /// The element's content if it has `tag`.
    pub(crate) fn expect(self, tag: u8, what: &str) -> Parse<Tlv<'a>> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(Malformed(format!(
                "expected {what} (tag 0x{tag:02x}), found tag 0x{:02x}",
                self.tag
            )))
        }
    }

    /// Reads a non-negative INTEGER that fits in a `u64`.
    pub(crate) fn as_u64(&self, what: &str) -> Parse<u64> {
        let tlv = self.expect(INTEGER, what)?;
        let bytes = tlv.content;
        if bytes.is_empty() || bytes[0] & 0x80 != 0 {
            return Err(Malformed(format!("{what} is not a non-negative integer")));
        }
        let bytes = match bytes {
            [0, rest @ ..] => rest,
            other => other,
        };
        if bytes.len() > 8 {
            return Err(Malformed(format!("{what} is too large")));
        }
        Ok(bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// Reads an OBJECT IDENTIFIER.
    pub(crate) fn as_oid(&self, what: &str) -> Parse<ObjectIdentifier> {
        let tlv = self.expect(OID, what)?;
        ObjectIdentifier::from_bytes(tlv.content)
            .map_err(|e| Malformed(format!("{what} is not a valid OID: {e}")))
    }
}

/// A forward-only cursor over a run of DER elements.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    input: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self { input }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.input.is_empty()
    }

    /// The next tag without consuming it.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.input.first().copied()
    }

    /// Reads the next element.
    pub(crate) fn next(&mut self, what: &str) -> Parse<Tlv<'a>> {
        let input = self.input;
        let truncated = || Malformed(format!("{what} is truncated"));
        let (&tag, rest) = input.split_first().ok_or_else(truncated)?;
        if tag & 0x1f == 0x1f {
            return Err(Malformed(format!("{what} uses a multi-byte tag")));
        }
        let (&first, mut rest) = rest.split_first().ok_or_else(truncated)?;
        let len = if first < 0x80 {
            usize::from(first)
        } else if first == 0x80 {
            return Err(Malformed(format!(
                "{what} uses BER indefinite length, which this reader does not accept"
            )));
        } else {
            let n = usize::from(first & 0x7f);
            if n > 4 || rest.len() < n {
                return Err(truncated());
            }
            let (len_bytes, after) = rest.split_at(n);
            rest = after;
            len_bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        };
        if rest.len() < len {
            return Err(truncated());
        }
        let header = input.len() - rest.len();
        let (content, after) = rest.split_at(len);
        self.input = after;
        Ok(Tlv {
            tag,
            content,
            raw: &input[..header + len],
        })
    }

    /// Reads the next element and checks its tag.
    pub(crate) fn expect(&mut self, tag: u8, what: &str) -> Parse<Tlv<'a>> {
        self.next(what)?.expect(tag, what)
    }

    /// Reads an element with `tag` if it comes next.
    pub(crate) fn optional(&mut self, tag: u8, what: &str) -> Parse<Option<Tlv<'a>>> {
        if self.peek_tag() == Some(tag) {
            self.next(what).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Reads exactly one element from `input` (trailing bytes are an error).
pub(crate) fn single<'a>(input: &'a [u8], tag: u8, what: &str) -> Parse<Tlv<'a>> {
    let mut reader = Reader::new(input);
    let tlv = reader.expect(tag, what)?;
    if !reader.is_empty() {
        return Err(Malformed(format!("{what} has trailing data")));
    }
    Ok(tlv)
}

/// An `AlgorithmIdentifier`: its OID and its parameters (if any).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AlgorithmId<'a> {
    pub(crate) oid: ObjectIdentifier,
    pub(crate) params: Option<Tlv<'a>>,
}

impl<'a> AlgorithmId<'a> {
    pub(crate) fn read(tlv: Tlv<'a>, what: &str) -> Parse<Self> {
        let mut r = tlv.expect(SEQUENCE, what)?.reader();
        let oid = r.next(what)?.as_oid(what)?;
        let params = if r.is_empty() {
            None
        } else {
            Some(r.next(what)?)
        };
        Ok(Self { oid, params })
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Encodes one element.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// Encodes a constructed element from already-encoded parts.
pub(crate) fn constructed(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    tlv(tag, &parts.concat())
}

/// `SEQUENCE { parts… }`.
pub(crate) fn seq(parts: &[&[u8]]) -> Vec<u8> {
    constructed(SEQUENCE, parts)
}

/// An OBJECT IDENTIFIER.
pub(crate) fn oid(oid: &ObjectIdentifier) -> Vec<u8> {
    tlv(OID, oid.as_bytes())
}

/// A non-negative INTEGER.
pub(crate) fn uint(value: u64) -> Vec<u8> {
    unsigned_bytes(&value.to_be_bytes())
}

/// A non-negative INTEGER from big-endian bytes.
pub(crate) fn unsigned_bytes(bytes: &[u8]) -> Vec<u8> {
    let skip = bytes
        .iter()
        .take_while(|b| **b == 0)
        .count()
        .min(bytes.len().saturating_sub(1));
    let bytes = &bytes[skip..];
    let mut content = Vec::with_capacity(bytes.len() + 1);
    if bytes.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(bytes);
    tlv(INTEGER, &content)
}

/// `OCTET STRING`.
pub(crate) fn octets(bytes: &[u8]) -> Vec<u8> {
    tlv(OCTET_STRING, bytes)
}

/// `NULL`.
pub(crate) fn null() -> Vec<u8> {
    vec![NULL, 0]
}

/// `AlgorithmIdentifier { oid, params }`.
pub(crate) fn algorithm(id: &ObjectIdentifier, params: &[u8]) -> Vec<u8> {
    seq(&[&oid(id), params])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip() {
        for len in [0usize, 1, 127, 128, 255, 256, 65_535, 65_536] {
            let content = vec![7u8; len];
            let encoded = tlv(OCTET_STRING, &content);
            let t = single(&encoded, OCTET_STRING, "x").expect("reads back");
            assert_eq!(t.content.len(), len);
            assert_eq!(t.raw, &encoded[..]);
        }
    }

    #[test]
    fn integers_round_trip() {
        for v in [0u64, 1, 127, 128, 255, 256, 10_000, u64::MAX] {
            let e = uint(v);
            assert_eq!(single(&e, INTEGER, "i").and_then(|t| t.as_u64("i")), Ok(v));
        }
    }

    #[test]
    fn hostile_lengths_are_errors() {
        for bad in [
            &[0x30u8][..],
            &[0x30, 0x81],
            &[0x30, 0x85, 1, 2, 3, 4, 5],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x80, 0, 0],
            &[0x1f, 0x01, 0x00],
            &[0x04, 0x02, 0x00],
        ] {
            assert!(Reader::new(bad).next("x").is_err(), "{bad:?}");
        }
    }
}

//! Just enough BER to take the signed content out of a CMS SignedData.
//!
//! Apple writes `.mobileprovision` files in BER with indefinite lengths (`30 80 … 00 00`) and
//! the content as a constructed OCTET STRING in chunks; `der` rightly refuses both. This
//! reader accepts definite and indefinite lengths and constructed strings, and nothing
//! clever besides: a depth limit keeps hostile nesting from exhausting the stack, and every
//! length is checked against the bytes actually there.

/// Deeper than any CMS structure; bounds recursion on hostile input.
const MAX_DEPTH: usize = 32;

/// Why a BER structure could not be read. Static text: the caller adds context.
pub(crate) type BerError = &'static str;

/// Tag class and number of an element (low and high tag number forms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tag {
    /// 0 universal, 1 application, 2 context-specific, 3 private.
    pub class: u8,
    /// Whether the content is a sequence of elements.
    pub constructed: bool,
    /// The tag number.
    pub number: u32,
}

impl Tag {
    pub const SEQUENCE: Tag = Tag::universal(16, true);
    pub const SET: Tag = Tag::universal(17, true);
    pub const OID: Tag = Tag::universal(6, false);
    pub const INTEGER: Tag = Tag::universal(2, false);

    const fn universal(number: u32, constructed: bool) -> Tag {
        Tag {
            class: 0,
            constructed,
            number,
        }
    }

    /// `[n]` context-specific, constructed (EXPLICIT tags are).
    pub const fn context(number: u32) -> Tag {
        Tag {
            class: 2,
            constructed: true,
            number,
        }
    }
}

/// One element: its tag and its content (for an indefinite length, without the end marker).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Element<'a> {
    pub tag: Tag,
    pub content: &'a [u8],
}

/// Reads one element from the front of `input`; returns it and the bytes after it.
pub(crate) fn read(input: &[u8]) -> Result<(Element<'_>, &[u8]), BerError> {
    read_at(input, 0)
}

fn read_at(input: &[u8], depth: usize) -> Result<(Element<'_>, &[u8]), BerError> {
    if depth > MAX_DEPTH {
        return Err("elements are nested too deeply");
    }
    let (&first, mut rest) = input
        .split_first()
        .ok_or("the data ends where an element should start")?;
    let class = first >> 6;
    let constructed = first & 0x20 != 0;
    let mut number = u32::from(first & 0x1f);
    if number == 0x1f {
        number = 0;
        loop {
            let (&b, r) = rest.split_first().ok_or("the data ends inside a tag")?;
            rest = r;
            if number > (u32::MAX >> 7) {
                return Err("a tag number is too large");
            }
            number = (number << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let tag = Tag {
        class,
        constructed,
        number,
    };
    let (&len_byte, rest) = rest.split_first().ok_or("the data ends before a length")?;
    if len_byte == 0x80 {
        if !constructed {
            return Err("a primitive element has an indefinite length");
        }
        // The content runs to the end-of-contents marker 00 00 that closes this element;
        // skipping the children one by one finds it.
        let mut cursor = rest;
        loop {
            if cursor.starts_with(&[0, 0]) {
                let len = rest.len() - cursor.len();
                return Ok((
                    Element {
                        tag,
                        content: &rest[..len],
                    },
                    &cursor[2..],
                ));
            }
            let (_, after) = read_at(cursor, depth + 1)?;
            cursor = after;
        }
    }
    let (len, rest) = if len_byte & 0x80 == 0 {
        (usize::from(len_byte), rest)
    } else {
        let count = usize::from(len_byte & 0x7f);
        if count > 4 || count == 0x7f {
            return Err("a length is longer than 4 bytes");
        }
        if rest.len() < count {
            return Err("the data ends inside a length");
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return Err("an element is longer than the data (the file is truncated)");
    }
    Ok((
        Element {
            tag,
            content: &rest[..len],
        },
        &rest[len..],
    ))
}

/// The elements inside a constructed element's content, in order.
pub(crate) fn children(content: &[u8]) -> Result<Vec<Element<'_>>, BerError> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let (element, after) = read(rest)?;
        out.push(element);
        rest = after;
    }
    Ok(out)
}

/// The bytes of an OCTET STRING, primitive or constructed (BER's chunked form, possibly
/// nested), concatenated.
pub(crate) fn octet_string(element: Element<'_>) -> Result<Vec<u8>, BerError> {
    let mut out = Vec::new();
    append_octets(element, &mut out, 0)?;
    Ok(out)
}

fn append_octets(element: Element<'_>, out: &mut Vec<u8>, depth: usize) -> Result<(), BerError> {
    if element.tag.class != 0 || element.tag.number != 4 {
        return Err("an OCTET STRING was expected");
    }
    if depth > MAX_DEPTH {
        return Err("elements are nested too deeply");
    }
    if element.tag.constructed {
        for chunk in children(element.content)? {
            append_octets(chunk, out, depth + 1)?;
        }
    } else {
        out.extend_from_slice(element.content);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_and_indefinite_lengths_give_the_same_content() {
        // SEQUENCE { INTEGER 1, OCTET STRING "ab" } in DER and in BER with an indefinite
        // SEQUENCE and a chunked, indefinite OCTET STRING.
        let der = [0x30, 0x07, 0x02, 0x01, 0x01, 0x04, 0x02, b'a', b'b'];
        let ber = [
            0x30, 0x80, 0x02, 0x01, 0x01, 0x24, 0x80, 0x04, 0x01, b'a', 0x24, 0x03, 0x04, 0x01,
            b'b', 0x00, 0x00, 0x00, 0x00,
        ];
        for input in [&der[..], &ber[..]] {
            let (seq, rest) = read(input).expect("element");
            assert!(rest.is_empty());
            assert_eq!(seq.tag, Tag::SEQUENCE);
            let kids = children(seq.content).expect("children");
            assert_eq!(kids.len(), 2);
            assert_eq!(kids[0].tag, Tag::INTEGER);
            assert_eq!(octet_string(kids[1]).expect("octets"), b"ab");
        }
    }

    #[test]
    fn long_lengths_and_high_tags() {
        let mut input = vec![0x04, 0x82, 0x01, 0x00];
        input.extend(std::iter::repeat_n(7u8, 256));
        let (e, _) = read(&input).expect("long form");
        assert_eq!(e.content.len(), 256);
        let (e, _) = read(&[0xbf, 0x81, 0x00, 0x00]).expect("high tag");
        assert_eq!(e.tag.number, 128);
        assert_eq!(e.tag.class, 2);
    }

    #[test]
    fn hostile_inputs_are_errors() {
        let cases: &[&[u8]] = &[
            &[],
            &[0x30],
            &[0x30, 0x05, 0x02],
            &[0x30, 0x80, 0x02, 0x01, 0x01],       // no end marker
            &[0x04, 0x80, 0x00, 0x00],             // primitive indefinite
            &[0x04, 0x85, 1, 2, 3, 4, 5],          // 5-byte length
            &[0x04, 0x84, 0xff, 0xff, 0xff, 0xff], // length beyond input
            &[0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00],
        ];
        for case in cases {
            assert!(read(case).is_err(), "{case:02x?}");
        }
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 200).flatten().collect();
        assert_eq!(read(&deep).err(), Some("elements are nested too deeply"));
        let (e, _) = read(&[0x02, 0x01, 0x01]).expect("integer");
        assert!(octet_string(e).is_err());
    }
}

//! gRPC's length-prefixed messages: a flag byte (1 = compressed), a big-endian u32 length, the message.

use bytes::{BufMut as _, Bytes, BytesMut};

/// Bytes before each message.
pub(crate) const HEADER_LEN: usize = 5;

/// One uncompressed message, framed.
pub(crate) fn encode(message: &[u8]) -> Result<Bytes, TooLarge> {
    let len = u32::try_from(message.len()).map_err(|_| TooLarge)?;
    let mut framed = BytesMut::with_capacity(HEADER_LEN + message.len());
    framed.put_u8(0);
    framed.put_u32(len);
    framed.put_slice(message);
    Ok(framed.freeze())
}

/// A message longer than a frame can say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge;

/// Why a buffer is not a sequence of whole, uncompressed messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Malformed {
    /// The buffer ends inside a message.
    Truncated,
    /// A message is compressed; the gateway asks for none, so this is a broken upstream.
    Compressed,
}

/// Splits a whole buffer into its messages.
pub(crate) fn decode_all(mut buffer: Bytes) -> Result<Vec<Bytes>, Malformed> {
    let mut messages = Vec::new();
    while !buffer.is_empty() {
        if buffer.len() < HEADER_LEN {
            return Err(Malformed::Truncated);
        }
        if buffer[0] != 0 {
            return Err(Malformed::Compressed);
        }
        let len = u32::from_be_bytes([buffer[1], buffer[2], buffer[3], buffer[4]]) as usize;
        if buffer.len() - HEADER_LEN < len {
            return Err(Malformed::Truncated);
        }
        let mut message = buffer.split_to(HEADER_LEN + len);
        messages.push(message.split_off(HEADER_LEN));
    }
    Ok(messages)
}

/// Follows the message headers of a stream as its chunks pass, without buffering them.
#[derive(Debug, Default)]
pub(crate) struct HeaderReader {
    header: [u8; HEADER_LEN],
    have: usize,
    remaining: usize,
}

impl HeaderReader {
    /// Reads `chunk`, calling `on_message` with the declared length of each message that starts in it.
    /// Stops at the first `Err` of `on_message`.
    pub(crate) fn read<E>(
        &mut self,
        mut chunk: &[u8],
        mut on_message: impl FnMut(usize) -> Result<(), E>,
    ) -> Result<(), E> {
        while !chunk.is_empty() {
            if self.remaining > 0 {
                let skip = self.remaining.min(chunk.len());
                self.remaining -= skip;
                chunk = &chunk[skip..];
                continue;
            }
            let take = (HEADER_LEN - self.have).min(chunk.len());
            self.header[self.have..self.have + take].copy_from_slice(&chunk[..take]);
            self.have += take;
            chunk = &chunk[take..];
            if self.have == HEADER_LEN {
                self.have = 0;
                let [_, a, b, c, d] = self.header;
                let len = u32::from_be_bytes([a, b, c, d]) as usize;
                on_message(len)?;
                self.remaining = len;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let mut both = BytesMut::new();
        both.extend_from_slice(&encode(b"abc").unwrap());
        both.extend_from_slice(&encode(b"").unwrap());
        let messages = decode_all(both.freeze()).unwrap();
        assert_eq!(messages, [Bytes::from_static(b"abc"), Bytes::new()]);
        assert_eq!(decode_all(Bytes::from_static(&[0, 0, 0, 0, 9, 1])), Err(Malformed::Truncated));
        assert_eq!(decode_all(Bytes::from_static(&[1, 0, 0, 0, 0])), Err(Malformed::Compressed));
    }

    #[test]
    fn headers_are_found_across_chunk_boundaries() {
        let mut stream = BytesMut::new();
        stream.extend_from_slice(&encode(&[7; 10]).unwrap());
        stream.extend_from_slice(&encode(&[8; 300]).unwrap());
        stream.extend_from_slice(&encode(&[]).unwrap());
        for chunk_size in [1, 2, 3, 5, 7, 64, 1000] {
            let mut reader = HeaderReader::default();
            let mut seen = Vec::new();
            for chunk in stream.chunks(chunk_size) {
                reader
                    .read(chunk, |len| {
                        seen.push(len);
                        Ok::<_, ()>(())
                    })
                    .unwrap();
            }
            assert_eq!(seen, [10, 300, 0], "chunks of {chunk_size}");
        }
    }
}

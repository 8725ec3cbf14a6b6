//! Passphrase encryption of a backup archive that holds `secret.key`.
//!
//! The key is Argon2id (RFC 9106) of the passphrase with a random 16-byte salt; the
//! archive is cut into 64 KiB chunks sealed with XChaCha20-Poly1305 in the STREAM
//! construction (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption
//! and its Nonce-Reuse Misuse-Resistance", as `aead::stream::StreamBE32`): each chunk
//! carries its counter and whether it is the last, so a reordered, dropped or truncated
//! chunk fails to open. The header is bound to every chunk as associated data.
//!
//! Layout: `AIOPSENC` ‖ version (1) ‖ m_cost KiB, t_cost, p_cost (u32 LE each) ‖ salt (16)
//! ‖ nonce prefix (19) ‖ chunks (each ≤ 64 KiB of plaintext + a 16-byte tag).

use std::io::{self, Read, Write};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::KeyInit;
use chacha20poly1305::aead::Payload;
use chacha20poly1305::aead::generic_array::GenericArray;
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use rand::RngCore;
use zeroize::Zeroizing;

const MAGIC: &[u8; 8] = b"AIOPSENC";
const VERSION: u8 = 1;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 19;
const HEADER_LEN: usize = 8 + 1 + 12 + SALT_LEN + NONCE_LEN;
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;

/// Argon2id cost: 64 MiB, 3 passes, 1 lane (above OWASP's minimum for Argon2id; a
/// backup is made and opened rarely, so a second of work is affordable). Unit tests use
/// 1 MiB: the header carries the cost, so reading is the same code either way.
const M_COST_KIB: u32 = if cfg!(test) { 1024 } else { 64 * 1024 };
const T_COST: u32 = 3;
const P_COST: u32 = 1;
/// Largest cost accepted from a header, so a crafted file cannot ask for all memory.
const MAX_M_COST_KIB: u32 = 1024 * 1024;

/// True when `head` (the first bytes of a file) starts an encrypted archive.
pub fn is_encrypted(head: &[u8]) -> bool {
    head.starts_with(MAGIC)
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_owned())
}

fn derive(passphrase: &str, m: u32, t: u32, p: u32, salt: &[u8]) -> io::Result<XChaCha20Poly1305> {
    if m > MAX_M_COST_KIB || t > 16 || p > 16 {
        return Err(bad(
            "the archive asks for an unreasonable key-derivation cost",
        ));
    }
    let params = Params::new(m, t, p, Some(32)).map_err(|e| bad(&e.to_string()))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|e| bad(&e.to_string()))?;
    Ok(XChaCha20Poly1305::new(GenericArray::from_slice(
        key.as_ref(),
    )))
}

/// Encrypts what is written to it into `inner`; [`finish`](Self::finish) seals the last
/// chunk (dropping it without `finish` leaves a file that will not open).
pub struct Encrypt<W: Write> {
    inner: W,
    header: Vec<u8>,
    stream: Option<EncryptorBE32<XChaCha20Poly1305>>,
    buf: Vec<u8>,
}

impl<W: Write> Encrypt<W> {
    /// Starts an encrypted archive on `inner`: derives the key from `passphrase` with a new
    /// random salt and writes the header.
    pub fn new(mut inner: W, passphrase: &str) -> io::Result<Self> {
        let mut salt = [0u8; SALT_LEN];
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut salt);
        rand::rng().fill_bytes(&mut nonce);
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.push(VERSION);
        for v in [M_COST_KIB, T_COST, P_COST] {
            header.extend_from_slice(&v.to_le_bytes());
        }
        header.extend_from_slice(&salt);
        header.extend_from_slice(&nonce);
        let aead = derive(passphrase, M_COST_KIB, T_COST, P_COST, &salt)?;
        inner.write_all(&header)?;
        Ok(Self {
            inner,
            header,
            stream: Some(EncryptorBE32::from_aead(
                aead,
                GenericArray::from_slice(&nonce),
            )),
            buf: Vec::with_capacity(CHUNK),
        })
    }

    fn seal_full_chunks(&mut self) -> io::Result<()> {
        // A chunk is sealed only once more data follows it: the last chunk must be
        // sealed as the last, which only `finish` knows.
        while self.buf.len() > CHUNK {
            let rest = self.buf.split_off(CHUNK);
            let chunk = std::mem::replace(&mut self.buf, rest);
            let stream = self.stream.as_mut().ok_or_else(|| bad("stream finished"))?;
            let sealed = stream
                .encrypt_next(Payload {
                    msg: &chunk,
                    aad: &self.header,
                })
                .map_err(|_| bad("cannot encrypt the archive"))?;
            self.inner.write_all(&sealed)?;
        }
        Ok(())
    }

    /// Seals the last chunk and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        let stream = self.stream.take().ok_or_else(|| bad("stream finished"))?;
        let sealed = stream
            .encrypt_last(Payload {
                msg: &self.buf,
                aad: &self.header,
            })
            .map_err(|_| bad("cannot encrypt the archive"))?;
        self.inner.write_all(&sealed)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for Encrypt<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        self.seal_full_chunks()?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Decrypts an encrypted archive as it is read. A wrong passphrase fails on the first
/// read ("wrong passphrase or damaged archive"); truncation fails at the end.
pub struct Decrypt<R: Read> {
    inner: R,
    header: Vec<u8>,
    stream: Option<DecryptorBE32<XChaCha20Poly1305>>,
    /// Sealed bytes read ahead (to know whether a chunk is the last).
    sealed: Vec<u8>,
    plain: Vec<u8>,
    at: usize,
    eof: bool,
}

impl<R: Read> Decrypt<R> {
    /// Reads the header from `inner` and derives the key from `passphrase`; an
    /// `InvalidData` error for input that is not an encrypted aiops backup, of a newer format,
    /// or asks for an unreasonable key-derivation cost.
    pub fn new(mut inner: R, passphrase: &str) -> io::Result<Self> {
        let mut header = vec![0u8; HEADER_LEN];
        inner
            .read_exact(&mut header)
            .map_err(|_| bad("the archive is too short to be an encrypted backup"))?;
        if !is_encrypted(&header) {
            return Err(bad("not an encrypted aiops backup"));
        }
        if header[8] != VERSION {
            return Err(bad("an encrypted backup of a newer format"));
        }
        let word =
            |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
        let (m, t, p) = (word(9), word(13), word(17));
        let salt = &header[21..21 + SALT_LEN];
        let nonce = GenericArray::clone_from_slice(&header[21 + SALT_LEN..HEADER_LEN]);
        let aead = derive(passphrase, m, t, p, salt)?;
        Ok(Self {
            inner,
            header,
            stream: Some(DecryptorBE32::from_aead(aead, &nonce)),
            sealed: Vec::with_capacity(2 * (CHUNK + TAG)),
            plain: Vec::new(),
            at: 0,
            eof: false,
        })
    }

    /// Reads until `sealed` holds more than one chunk or the input ended.
    fn fill(&mut self) -> io::Result<()> {
        let mut tmp = [0u8; 16 * 1024];
        while !self.eof && self.sealed.len() <= CHUNK + TAG {
            let n = self.inner.read(&mut tmp)?;
            if n == 0 {
                self.eof = true;
            } else {
                self.sealed.extend_from_slice(&tmp[..n]);
            }
        }
        Ok(())
    }

    fn open_next(&mut self) -> io::Result<()> {
        self.fill()?;
        let failed = || bad("wrong passphrase, or the archive is damaged or truncated");
        if self.sealed.len() > CHUNK + TAG {
            let rest = self.sealed.split_off(CHUNK + TAG);
            let chunk = std::mem::replace(&mut self.sealed, rest);
            let stream = self.stream.as_mut().ok_or_else(failed)?;
            self.plain = stream
                .decrypt_next(Payload {
                    msg: &chunk,
                    aad: &self.header,
                })
                .map_err(|_| failed())?;
        } else if let Some(stream) = self.stream.take() {
            let chunk = std::mem::take(&mut self.sealed);
            self.plain = stream
                .decrypt_last(Payload {
                    msg: &chunk,
                    aad: &self.header,
                })
                .map_err(|_| failed())?;
        } else {
            self.plain.clear();
        }
        self.at = 0;
        Ok(())
    }
}

impl<R: Read> Read for Decrypt<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.plain.len() {
            if self.stream.is_none() {
                return Ok(0);
            }
            self.open_next()?;
        }
        let n = out.len().min(self.plain.len() - self.at);
        out[..n].copy_from_slice(&self.plain[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(len: usize) {
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let mut e = Encrypt::new(Vec::new(), "correct horse").unwrap();
        e.write_all(&data).unwrap();
        let sealed = e.finish().unwrap();
        assert!(is_encrypted(&sealed));
        let mut out = Vec::new();
        Decrypt::new(&sealed[..], "correct horse")
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, data, "round trip of {len} bytes");
    }

    #[test]
    fn round_trips_empty_exact_and_multi_chunk() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5] {
            roundtrip(len);
        }
    }

    fn sealed(len: usize) -> Vec<u8> {
        let mut e = Encrypt::new(Vec::new(), "pw-123456").unwrap();
        e.write_all(&vec![9u8; len]).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn wrong_passphrase_truncation_and_tampering_fail() {
        let s = sealed(2 * CHUNK + 10);
        let read = |bytes: &[u8], pw: &str| {
            let mut out = Vec::new();
            Decrypt::new(bytes, pw).and_then(|mut d| d.read_to_end(&mut out))
        };
        assert!(read(&s, "pw-123456").is_ok());
        assert!(
            read(&s, "pw-654321").is_err(),
            "a wrong passphrase must fail"
        );
        // Cut at a chunk boundary: every remaining chunk is intact, yet the last one
        // was not sealed as last.
        let cut = HEADER_LEN + CHUNK + TAG;
        assert!(
            read(&s[..cut], "pw-123456").is_err(),
            "truncation must fail"
        );
        let mut t = s.clone();
        let mid = t.len() / 2;
        t[mid] ^= 1;
        assert!(read(&t, "pw-123456").is_err(), "a flipped bit must fail");
        let mut h = s.clone();
        h[20] ^= 1; // the cost parameters are bound too
        assert!(read(&h, "pw-123456").is_err(), "a changed header must fail");
    }
}

//! A tar writer for exports that can stream an entry whose size is not known when it
//! starts: a decompressed layer in a docker archive. It writes a header with size 0,
//! streams the data, then seeks back and rewrites the header with the real size, so a
//! layer is decompressed once and never held in memory or spooled to a second file.
//! The output is a regular file (the export's temporary file), which can seek, or a
//! stream ([`TarOut::streaming`]: a pipe into `podman load`, a request body to Docker
//! Engine), which cannot: there every entry's size must be known when it starts.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

const BLOCK: u64 = 512;

pub(crate) struct TarOut {
    out: Out,
    pos: u64,
}

enum Out {
    File(BufWriter<File>),
    Stream(BufWriter<Box<dyn Write + Send>>),
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Out::File(f) => f.write(buf),
            Out::Stream(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Out::File(f) => f.flush(),
            Out::Stream(s) => s.flush(),
        }
    }
}

impl TarOut {
    pub fn new(file: File) -> TarOut {
        TarOut {
            out: Out::File(BufWriter::with_capacity(1 << 20, file)),
            pos: 0,
        }
    }

    /// A tar written into a stream that cannot seek: [`TarOut::stream`] needs every size.
    pub fn streaming(out: Box<dyn Write + Send>) -> TarOut {
        TarOut {
            out: Out::Stream(BufWriter::with_capacity(1 << 20, out)),
            pos: 0,
        }
    }

    /// Whether entries of unknown size can be written (the output can seek).
    pub fn seekable(&self) -> bool {
        matches!(self.out, Out::File(_))
    }

    fn header(path: &str, kind: tar::EntryType, size: u64) -> io::Result<tar::Header> {
        let mut h = tar::Header::new_gnu();
        h.set_path(path)?;
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(if kind == tar::EntryType::Directory {
            0o755
        } else {
            0o644
        });
        h.set_uid(0);
        h.set_gid(0);
        // A fixed time keeps exports of one image byte-identical.
        h.set_mtime(0);
        h.set_cksum();
        Ok(h)
    }

    fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn pad(&mut self, size: u64) -> io::Result<()> {
        let rem = size % BLOCK;
        if rem != 0 {
            self.write_raw(&[0u8; BLOCK as usize][..(BLOCK - rem) as usize])?;
        }
        Ok(())
    }

    /// A directory entry (`name/`).
    pub fn dir(&mut self, path: &str) -> io::Result<()> {
        let h = Self::header(path, tar::EntryType::Directory, 0)?;
        self.write_raw(h.as_bytes())
    }

    /// A small file from memory.
    pub fn bytes(&mut self, path: &str, data: &[u8]) -> io::Result<()> {
        let h = Self::header(path, tar::EntryType::Regular, data.len() as u64)?;
        self.write_raw(h.as_bytes())?;
        self.write_raw(data)?;
        self.pad(data.len() as u64)
    }

    /// A file streamed from `data`. With `size`, the stream must have exactly that many
    /// bytes; without, the header is patched once the stream ends. Returns the size.
    pub fn stream(&mut self, path: &str, size: Option<u64>, data: impl Read) -> io::Result<u64> {
        let start = self.pos;
        if size.is_none() && !self.seekable() {
            return Err(io::Error::other(format!(
                "{path}: an entry of unknown size cannot be streamed"
            )));
        }
        let mut h = Self::header(path, tar::EntryType::Regular, size.unwrap_or(0))?;
        self.write_raw(h.as_bytes())?;
        let n = io::copy(&mut data.take(size.unwrap_or(u64::MAX)), &mut self.out)?;
        self.pos += n;
        if let Some(want) = size {
            if n != want {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("{path} has {n} bytes, expected {want}"),
                ));
            }
        } else {
            h.set_size(n);
            h.set_cksum();
            let Out::File(out) = &mut self.out else {
                unreachable!("checked above: only a file takes an entry of unknown size");
            };
            out.seek(SeekFrom::Start(start))?;
            out.write_all(h.as_bytes())?;
            out.seek(SeekFrom::Start(self.pos))?;
        }
        self.pad(n)?;
        Ok(n)
    }

    /// Ends the archive (two zero blocks) and flushes; a file is synced too.
    pub fn finish(mut self) -> io::Result<()> {
        self.write_raw(&[0u8; 2 * BLOCK as usize])?;
        match self.out {
            Out::File(f) => f.into_inner().map_err(|e| e.into_error())?.sync_all(),
            Out::Stream(s) => s.into_inner().map_err(|e| e.into_error())?.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patched_headers_read_back() {
        let file = tempfile::tempfile().unwrap();
        let mut t = TarOut::new(file.try_clone().unwrap());
        t.dir("d/").unwrap();
        t.bytes("a.json", b"{}").unwrap();
        let big = vec![9u8; 70_000];
        assert_eq!(t.stream("d/layer.tar", None, &big[..]).unwrap(), 70_000);
        t.stream("b", Some(3), &b"xyz"[..]).unwrap();
        t.finish().unwrap();
        let mut file = file;
        file.seek(SeekFrom::Start(0)).unwrap();
        let mut ar = tar::Archive::new(file);
        let mut seen = Vec::new();
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            seen.push((e.path().unwrap().display().to_string(), data.len()));
            if seen.len() == 3 {
                assert_eq!(data, big);
            }
        }
        let mut short = TarOut::new(tempfile::tempfile().unwrap());
        assert!(short.stream("c", Some(5), &b"xy"[..]).is_err());
        assert_eq!(
            seen,
            [
                ("d/".to_string(), 0),
                ("a.json".to_string(), 2),
                ("d/layer.tar".to_string(), 70_000),
                ("b".to_string(), 3)
            ]
        );
    }
}

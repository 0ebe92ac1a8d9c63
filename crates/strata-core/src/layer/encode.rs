//! Compressing writers that use every core: gzip in independent blocks (as pigz does, one
//! stream that any `gunzip` reads) and zstd with its own worker threads. Commit, import and
//! push compress through [`Encoder`]; the caller hashes what goes in and what comes out in
//! the same pass, around it.
//!
//! ## Parallel gzip
//! The input is cut into [`BLOCK`]-sized blocks, each compressed by a worker as raw deflate
//! ending in a sync flush (an empty stored block, so that the next block starts on a byte
//! boundary); the blocks are written in order behind a gzip header, then one empty final
//! block and the trailer (the CRC-32 of the whole input, combined from the blocks', and
//! its length). A block does not see the one before it, which costs about 1% of ratio
//! against one stream (pigz primes each block with the previous 32 KiB to avoid that; we
//! keep blocks independent so that the output depends only on the input and the level,
//! never on how many cores compressed it: the same layer has the same digest everywhere).
//!
//! Memory is bounded: at most `2 × workers` blocks are in flight, each in and out.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use flate2::{Compress, FlushCompress, Status};

use super::Compression;

/// Bytes of input per gzip block. pigz uses 128 KiB; larger blocks cost less in sync
/// markers and hand-offs, and 1 MiB blocks keep the loss against one stream near 0.1%.
pub const BLOCK: usize = 1 << 20;

/// The gzip level when none is given (what `gzip`, docker and skopeo use).
pub const DEFAULT_GZIP_LEVEL: u32 = 6;
/// The zstd level when none is given (zstd's own default).
pub const DEFAULT_ZSTD_LEVEL: i32 = 3;

/// How many threads compress: every core the process may use.
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A writer that compresses what it is given into `W`, in the way asked for.
pub enum Encoder<W: Write> {
    None(W),
    Gzip(ParallelGzip<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> Encoder<W> {
    /// `level`: gzip 0–9 (default 6), zstd 1–22 (default 3); out-of-range levels are clamped.
    pub fn new(inner: W, compression: Compression, level: Option<i32>) -> io::Result<Encoder<W>> {
        Ok(match compression {
            Compression::None => Encoder::None(inner),
            Compression::Gzip => {
                let level = level.map_or(DEFAULT_GZIP_LEVEL, |l| l.clamp(0, 9) as u32);
                Encoder::Gzip(ParallelGzip::new(inner, level, workers()))
            }
            Compression::Zstd => {
                let level = level.unwrap_or(DEFAULT_ZSTD_LEVEL).clamp(1, 22);
                let mut z = zstd::stream::write::Encoder::new(inner, level)?;
                let threads = workers();
                if threads > 1 {
                    z.multithread(threads as u32)?;
                }
                Encoder::Zstd(z)
            }
        })
    }

    /// Ends the stream and gives the inner writer back.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Encoder::None(w) => Ok(w),
            Encoder::Gzip(w) => w.finish(),
            Encoder::Zstd(w) => w.finish(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::None(w) => w.write(buf),
            Encoder::Gzip(w) => w.write(buf),
            Encoder::Zstd(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::None(w) => w.flush(),
            Encoder::Gzip(w) => w.flush(),
            Encoder::Zstd(w) => w.flush(),
        }
    }
}

/// One compressed block, with what the trailer needs of its input.
struct Done {
    seq: u64,
    out: io::Result<Vec<u8>>,
    crc: crc32fast::Hasher,
    len: usize,
}

/// gzip in independent blocks on `workers` threads; see the module's overview.
pub struct ParallelGzip<W: Write> {
    inner: Option<W>,
    block: Vec<u8>,
    jobs: Option<SyncSender<(u64, Vec<u8>)>>,
    done: Receiver<Done>,
    threads: Vec<JoinHandle<()>>,
    /// Blocks handed out, and the next one to write.
    sent: u64,
    next: u64,
    /// Blocks that came back before the ones in front of them.
    early: BTreeMap<u64, Done>,
    crc: crc32fast::Hasher,
    len: u64,
    limit: usize,
    level: u32,
    header_written: bool,
}

/// The gzip header: no name, no time (so that the output depends on the input alone),
/// OS "unknown".
fn header(level: u32) -> [u8; 10] {
    // XFL: 2 = best compression, 4 = fastest (RFC 1952 § 2.3.1).
    let xfl = match level {
        9 => 2,
        0 | 1 => 4,
        _ => 0,
    };
    [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 0xff]
}

/// Compresses one block as raw deflate ending in a sync flush (or, for `last`, the final
/// block).
fn deflate(z: &mut Compress, input: &[u8], last: bool) -> io::Result<Vec<u8>> {
    z.reset();
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(input.len() + input.len() / 64 + 64);
    let mut consumed = 0;
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity() / 4 + 64);
        }
        let before = z.total_in();
        let status = z
            .compress_vec(&input[consumed..], &mut out, flush)
            .map_err(io::Error::other)?;
        consumed += (z.total_in() - before) as usize;
        let room_left = out.capacity() - out.len();
        match status {
            Status::StreamEnd => return Ok(out),
            // A sync flush is complete when all the input is in and the output had room.
            _ if !last && consumed == input.len() && room_left > 0 => return Ok(out),
            _ => {}
        }
    }
}

impl<W: Write> ParallelGzip<W> {
    pub fn new(inner: W, level: u32, workers: usize) -> ParallelGzip<W> {
        let workers = workers.max(1);
        let limit = 2 * workers;
        let (jobs, queue) = sync_channel::<(u64, Vec<u8>)>(limit);
        let (done_tx, done) = sync_channel::<Done>(limit);
        let queue = Arc::new(Mutex::new(queue));
        let threads = (0..workers)
            .map(|_| {
                let (queue, done_tx) = (queue.clone(), done_tx.clone());
                std::thread::spawn(move || {
                    let mut z = Compress::new(flate2::Compression::new(level), false);
                    loop {
                        let job = queue.lock().map(|q| q.recv());
                        let Ok(Ok((seq, input))) = job else { return };
                        let mut crc = crc32fast::Hasher::new();
                        crc.update(&input);
                        let out = deflate(&mut z, &input, false);
                        let done = Done {
                            seq,
                            out,
                            crc,
                            len: input.len(),
                        };
                        if done_tx.send(done).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        ParallelGzip {
            inner: Some(inner),
            block: Vec::with_capacity(BLOCK),
            jobs: Some(jobs),
            done,
            threads,
            sent: 0,
            next: 0,
            early: BTreeMap::new(),
            crc: crc32fast::Hasher::new(),
            len: 0,
            limit,
            level,
            header_written: false,
        }
    }

    fn inner(&mut self) -> &mut W {
        self.inner
            .as_mut()
            .expect("the writer is there until finish")
    }

    fn gone() -> io::Error {
        io::Error::other("a gzip worker stopped")
    }

    /// Hands the current block to a worker, first writing out finished blocks until fewer
    /// than the limit are in flight.
    fn send_block(&mut self) -> io::Result<()> {
        while self.sent - self.next >= self.limit as u64 {
            self.write_one()?;
        }
        let block = std::mem::replace(&mut self.block, Vec::with_capacity(BLOCK));
        let jobs = self.jobs.as_ref().ok_or_else(Self::gone)?;
        jobs.send((self.sent, block)).map_err(|_| Self::gone())?;
        self.sent += 1;
        Ok(())
    }

    /// Waits for the next block in order and writes it.
    fn write_one(&mut self) -> io::Result<()> {
        let done = loop {
            if let Some(d) = self.early.remove(&self.next) {
                break d;
            }
            let d = self.done.recv().map_err(|_| Self::gone())?;
            if d.seq == self.next {
                break d;
            }
            self.early.insert(d.seq, d);
        };
        let out = done.out?;
        if !self.header_written {
            let h = header(self.level);
            self.inner().write_all(&h)?;
            self.header_written = true;
        }
        self.inner().write_all(&out)?;
        self.crc.combine(&done.crc);
        self.len += done.len as u64;
        self.next += 1;
        Ok(())
    }

    /// Ends the stream: the last block, an empty final block and the trailer.
    pub fn finish(mut self) -> io::Result<W> {
        if !self.block.is_empty() {
            self.send_block()?;
        }
        while self.next < self.sent {
            self.write_one()?;
        }
        if !self.header_written {
            let h = header(self.level);
            self.inner().write_all(&h)?;
            self.header_written = true;
        }
        // The final block: empty, so that every worker's block could end in a sync flush.
        let mut z = Compress::new(flate2::Compression::default(), false);
        let end = deflate(&mut z, &[], true)?;
        let crc = self.crc.clone().finalize();
        let len = self.len as u32; // ISIZE is the length modulo 2^32 (RFC 1952).
        let inner = self.inner();
        inner.write_all(&end)?;
        inner.write_all(&crc.to_le_bytes())?;
        inner.write_all(&len.to_le_bytes())?;
        self.stop();
        Ok(self.inner.take().expect("the writer is there until finish"))
    }

    /// Lets the workers end and waits for them.
    fn stop(&mut self) {
        self.jobs = None;
        // Every worker holds a sender of the results: draining them until none is left
        // both unblocks a worker waiting on a full queue and waits for all to end.
        while self.done.recv().is_ok() {}
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl<W: Write> Write for ParallelGzip<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let take = buf.len().min(BLOCK - self.block.len());
        self.block.extend_from_slice(&buf[..take]);
        if self.block.len() == BLOCK {
            self.send_block()?;
        }
        Ok(take)
    }

    /// Blocks are independent: a flush has nothing to force out early.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for ParallelGzip<W> {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::process::{Command, Stdio};

    use super::*;

    /// Bytes that compress somewhat (text-like) and are not all alike.
    fn sample(len: usize) -> Vec<u8> {
        let mut x: u32 = 0x9e37_79b9;
        (0..len)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                if i % 7 == 0 {
                    (x % 256) as u8
                } else {
                    b'a' + (x % 6) as u8
                }
            })
            .collect()
    }

    fn gzip(input: &[u8], workers: usize, piece: usize) -> Vec<u8> {
        let mut w = ParallelGzip::new(Vec::new(), 6, workers);
        for chunk in input.chunks(piece.max(1)) {
            w.write_all(chunk).unwrap();
        }
        w.finish().unwrap()
    }

    fn gunzip_in_process(gz: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn the_stream_is_one_gzip_member_that_decodes_to_the_input() {
        for len in [0, 1, 1000, BLOCK - 1, BLOCK, BLOCK + 1, 5 * BLOCK + 12345] {
            let input = sample(len);
            let gz = gzip(&input, 3, 64 * 1024 + 7);
            assert_eq!(gunzip_in_process(&gz), input, "length {len}");
            assert!(
                gz.len() < input.len() * 3 / 4 + 64,
                "compressed: {len} → {}",
                gz.len()
            );
        }
    }

    #[test]
    fn the_output_does_not_depend_on_how_many_cores_compressed_it() {
        let input = sample(4 * BLOCK + 999);
        let one = gzip(&input, 1, 4096);
        assert_eq!(gzip(&input, 2, BLOCK), one);
        assert_eq!(gzip(&input, 7, 333), one);
    }

    #[test]
    fn the_system_gunzip_reads_it_and_checks_crc_and_length() {
        let input = sample(3 * BLOCK + 5);
        let gz = gzip(&input, 2, 100_000);
        let mut child = Command::new("gzip")
            .args(["-d", "-c"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("gzip is installed");
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || stdin.write_all(&gz));
        let mut out = Vec::new();
        child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
        writer.join().unwrap().unwrap();
        assert!(
            child.wait().unwrap().success(),
            "gzip -d refused the stream"
        );
        assert_eq!(out, input);
    }

    #[test]
    fn a_corrupted_trailer_is_caught_by_the_reader() {
        let input = sample(2 * BLOCK);
        let mut gz = gzip(&input, 2, BLOCK);
        let n = gz.len();
        gz[n - 8] ^= 1; // the CRC's first byte
        let mut out = Vec::new();
        assert!(flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut out)
            .is_err());
    }

    #[test]
    fn zstd_with_workers_decodes_to_the_input() {
        let input = sample(3 * BLOCK);
        let mut e = Encoder::new(Vec::new(), Compression::Zstd, None).unwrap();
        e.write_all(&input).unwrap();
        let z = e.finish().unwrap();
        assert_eq!(zstd::decode_all(&z[..]).unwrap(), input);
    }

    #[test]
    fn dropping_an_unfinished_writer_stops_its_workers() {
        let mut w = ParallelGzip::new(Vec::new(), 6, 2);
        w.write_all(&sample(6 * BLOCK)).unwrap();
        drop(w); // must return: the workers see the end and are joined
    }
}

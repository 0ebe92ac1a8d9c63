//! Compressing writers that use every core: gzip in independent blocks (as pigz does, one
//! stream that any `gunzip` reads) and zstd with its own worker threads. Commit, import and
//! push compress through [`Encoder`]; the caller hashes what goes in and what comes out in
//! the same pass, around it.
//!
//! ## Parallel gzip
//! The input is cut into [`BLOCK`]-sized blocks, each compressed by a worker into a gzip
//! member of its own (header, deflate stream, CRC-32 and length); the members are written
//! in order. libdeflate compresses levels 0 and 3–9; levels 1 and 2 on x86-64 Linux are
//! Intel ISA-L's igzip (`igzip.rs`), 2–4× as fast as libdeflate's level 1 for some 10% more
//! bytes: what a push uses for a registry on the same machine or network
//! ([`NEARBY_GZIP_LEVEL`]), where the CPU is the limit and not the link. Otherwise the
//! default is 6: over an uplink to a cloud registry bytes cost more than CPU, and the
//! compressing of one layer overlaps the upload of the one before.
//!
//! A file of several members is one gzip file (RFC 1952 § 2.2: "a gzip file consists of a
//! series of members"): `gunzip`, Go's `compress/gzip` (docker, containerd, skopeo, umoci,
//! registries), `unpigz`, klauspost's pgzip (podman) and Strata's own readers (flate2's
//! `MultiGzDecoder`) read it whole, as they read the BGZF files of bioinformatics, which
//! are built the same way. libdeflate compresses a
//! whole buffer at a time, about twice as fast as zlib at the same level, but always ends
//! with a final deflate block, so its blocks cannot be joined into one deflate stream the
//! way pigz joins zlib's sync-flushed ones: hence one member per block, 18 bytes each.
//!
//! A block does not see the one before it, which costs about 1% of ratio against one
//! stream (pigz primes each block with the previous 32 KiB to avoid that; we keep blocks
//! independent so that the output depends only on the input and the level, never on how
//! many cores compressed it: the same layer has the same digest everywhere). An empty
//! input is one empty member.
//!
//! Memory is bounded: at most `2 × workers` blocks are in flight, each in and out.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::Compression;

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod igzip;

/// Bytes of input per gzip member. pigz uses 128 KiB blocks; larger ones cost less in
/// headers and hand-offs, and 1 MiB keeps the loss against one stream near 0.1%.
pub const BLOCK: usize = 1 << 20;

/// The gzip level when none is given (what `gzip`, docker and skopeo use).
pub const DEFAULT_GZIP_LEVEL: u32 = 6;
/// The gzip level a push uses when none is given and the registry is on this machine or
/// a private network, where the CPU is the limit and not the link: ISA-L's level 2 on
/// x86-64 Linux, about 4× as fast as level 6 for some 13% more bytes.
pub const NEARBY_GZIP_LEVEL: u32 = 2;
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

/// The level `level` asks of `compression`: gzip 0–9 (default 6), zstd 1–22 (default 3);
/// out-of-range levels are clamped. 0 for no compression.
pub fn effective_level(compression: Compression, level: Option<i32>) -> i32 {
    match compression {
        Compression::None => 0,
        Compression::Gzip => level.map_or(DEFAULT_GZIP_LEVEL as i32, |l| l.clamp(0, 9)),
        Compression::Zstd => level.unwrap_or(DEFAULT_ZSTD_LEVEL).clamp(1, 22),
    }
}

impl<W: Write> Encoder<W> {
    /// `level`: see [`effective_level`].
    pub fn new(inner: W, compression: Compression, level: Option<i32>) -> io::Result<Encoder<W>> {
        let level = effective_level(compression, level);
        Ok(match compression {
            Compression::None => Encoder::None(inner),
            Compression::Gzip => Encoder::Gzip(ParallelGzip::new(inner, level as u32, workers())),
            Compression::Zstd => {
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

/// One compressed block: a whole gzip member.
struct Done {
    seq: u64,
    out: io::Result<Vec<u8>>,
}

/// gzip in independent members on `workers` threads; see the module's overview.
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
    limit: usize,
    level: u32,
}

/// What compresses one block into a gzip member: ISA-L's igzip for the fast levels where it
/// is built (see [`igzip`]), libdeflate for every other level. Both write a header with no
/// name and no time, so a member depends on the input and the level alone.
enum Deflater {
    Libdeflate(libdeflater::Compressor),
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    Igzip(igzip::Igzip),
}

impl Deflater {
    /// `level`: 0 (stored) to 9.
    fn new(level: u32) -> Deflater {
        #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
        if igzip::LEVELS.contains(&level) {
            return Deflater::Igzip(igzip::Igzip::new(level));
        }
        let level = libdeflater::CompressionLvl::new(level.min(9) as i32)
            .unwrap_or_else(|_| libdeflater::CompressionLvl::default());
        Deflater::Libdeflate(libdeflater::Compressor::new(level))
    }

    /// Compresses one block as a gzip member.
    fn member(&mut self, input: &[u8]) -> io::Result<Vec<u8>> {
        match self {
            Deflater::Libdeflate(z) => {
                let mut out = vec![0u8; z.gzip_compress_bound(input.len())];
                let n = z
                    .gzip_compress(input, &mut out)
                    .map_err(|e| io::Error::other(format!("libdeflate: {e:?}")))?;
                out.truncate(n);
                Ok(out)
            }
            #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
            Deflater::Igzip(z) => z.member(input),
        }
    }
}

impl<W: Write> ParallelGzip<W> {
    /// `level`: 0 (stored) to 9, as gzip's.
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
                    let mut z = Deflater::new(level);
                    loop {
                        let job = queue.lock().map(|q| q.recv());
                        let Ok(Ok((seq, input))) = job else { return };
                        let out = z.member(&input);
                        if done_tx.send(Done { seq, out }).is_err() {
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
            limit,
            level,
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
        self.inner().write_all(&out)?;
        self.next += 1;
        Ok(())
    }

    /// Ends the stream: the last block (an empty member when there was no input at all,
    /// so that the file is still gzip).
    pub fn finish(mut self) -> io::Result<W> {
        if !self.block.is_empty() {
            self.send_block()?;
        }
        while self.next < self.sent {
            self.write_one()?;
        }
        if self.sent == 0 {
            let empty = Deflater::new(self.level).member(&[])?;
            self.inner().write_all(&empty)?;
        }
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
        gzip_at(6, input, workers, piece)
    }

    fn gzip_at(level: u32, input: &[u8], workers: usize, piece: usize) -> Vec<u8> {
        let mut w = ParallelGzip::new(Vec::new(), level, workers);
        for chunk in input.chunks(piece.max(1)) {
            w.write_all(chunk).unwrap();
        }
        w.finish().unwrap()
    }

    fn gunzip_in_process(gz: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(gz)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    /// How many gzip members the stream holds, walking it with a single-member reader.
    fn members(mut gz: &[u8]) -> usize {
        let mut n = 0;
        while !gz.is_empty() {
            let mut d = flate2::bufread::GzDecoder::new(gz);
            std::io::copy(&mut d, &mut std::io::sink()).unwrap();
            gz = d.into_inner();
            n += 1;
        }
        n
    }

    #[test]
    fn the_stream_is_one_member_a_block_and_decodes_to_the_input() {
        for len in [0, 1, 1000, BLOCK - 1, BLOCK, BLOCK + 1, 5 * BLOCK + 12345] {
            let input = sample(len);
            let gz = gzip(&input, 3, 64 * 1024 + 7);
            assert_eq!(gunzip_in_process(&gz), input, "length {len}");
            assert_eq!(members(&gz), len.div_ceil(BLOCK).max(1), "length {len}");
            assert!(
                gz.len() < input.len() * 3 / 4 + 64,
                "compressed: {len} → {}",
                gz.len()
            );
        }
    }

    /// Random bytes: nothing to gain, so the compressors fall back to stored blocks.
    fn noise(len: usize) -> Vec<u8> {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect()
    }

    #[test]
    fn every_level_decodes_to_the_input_text_or_noise() {
        for level in 0..=9 {
            for input in [
                Vec::new(),
                sample(1),
                sample(2 * BLOCK + 777),
                noise(BLOCK + 3),
            ] {
                let gz = gzip_at(level, &input, 2, 50_000);
                assert_eq!(
                    gunzip_in_process(&gz),
                    input,
                    "level {level}, {} bytes",
                    input.len()
                );
                assert!(
                    gz.len() <= input.len() + input.len() / 1000 + 64 * members(&gz),
                    "level {level}: {} bytes grew to {}",
                    input.len(),
                    gz.len()
                );
            }
        }
    }

    /// The digest a layer compresses to is part of what the store and registries hold: the
    /// same input must give the same bytes on every machine and core count, and a new
    /// compressor version that writes other bytes must be noticed (it changes the digest of
    /// every layer committed with `--reproducible`). On x86-64 Linux levels 1 and 2 are
    /// ISA-L's (whose CPU paths write the same bytes at these levels; checked by running
    /// this test under `qemu-x86_64 -cpu Nehalem` and `-cpu Haswell`), the rest libdeflate's.
    #[test]
    fn igzip_members_are_the_bytes_they_were() {
        let input = sample(3 * BLOCK + 5);
        let digest = |level| crate::digest::Digest::of(&gzip_at(level, &input, 3, 70_000));
        let expected = [
            (
                1,
                "5733d9abb7b7bf045dd6d9b05ca9b6ee87986d36c9067378f988400358b4a78c",
            ),
            (
                2,
                "3ecd01f9f0bd70fe62e2f258df02976e1d81ac32db7f05e3d75c485c3e14b153",
            ),
            (
                6,
                "489a159c50b9a271034057ff100d381f50cebf1c9b02a21ef1c42b9cba7639f5",
            ),
        ];
        for (level, hex) in expected {
            if cfg!(all(target_os = "linux", target_arch = "x86_64")) || level > 2 {
                assert_eq!(digest(level).hex(), hex, "level {level}");
            }
        }
        assert_ne!(digest(2), digest(6));
    }

    #[test]
    fn the_ratio_is_that_of_one_zlib_stream_at_the_same_level() {
        let input = sample(8 * BLOCK);
        let ours = gzip(&input, 2, BLOCK).len();
        let mut one = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        one.write_all(&input).unwrap();
        let one = one.finish().unwrap().len();
        assert!(
            (ours as f64) < one as f64 * 1.01,
            "libdeflate in 1 MiB members {ours} bytes, one zlib stream {one}"
        );
    }

    #[test]
    fn the_output_does_not_depend_on_how_many_cores_compressed_it() {
        let input = sample(4 * BLOCK + 999);
        let one = gzip(&input, 1, 4096);
        assert_eq!(gzip(&input, 4, BLOCK), one, "4 workers");
        assert_eq!(gzip(&input, 2, BLOCK), one);
        assert_eq!(gzip(&input, 7, 333), one);
    }

    #[test]
    fn strata_reads_every_member_of_a_layer_not_only_the_first() {
        let mut tar = tar::Builder::new(Vec::new());
        let content = sample(3 * BLOCK);
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, "big", &content[..]).unwrap();
        let tar = tar.into_inner().unwrap();
        let gz = gzip(&tar, 2, BLOCK);
        assert!(members(&gz) > 3);
        let mut plain = Vec::new();
        crate::layer::decompress(&gz[..], &crate::layer::Limits::default())
            .unwrap()
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, tar);
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
        gz[n - 8] ^= 1; // the last member's CRC
        let mut out = Vec::new();
        assert!(flate2::read::MultiGzDecoder::new(&gz[..])
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

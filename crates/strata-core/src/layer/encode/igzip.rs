//! One gzip member from Intel ISA-L's igzip (its stateless compressor): gzip levels 1 and 2
//! on x86-64 Linux, 2–4× as fast as libdeflate's fastest level for about 10% more bytes.
//!
//! Only these two levels: ISA-L picks its code for the CPU it runs on (SSE4.2, AVX2,
//! AVX-512). At levels 1 and 2 every path writes the same bytes; at level 3 they do not
//! (three CPUs, three outputs: checked under `qemu-x86_64 -cpu Nehalem|Haswell|max` against
//! an AVX-512 machine), and a layer must compress to the same digest on every machine
//! (`commit --reproducible`, a base layer pushed from two laptops). The test
//! `igzip_members_are_the_bytes_they_were` pins the output.

use std::io;

use isal_sys::igzip_lib as sys;

/// The gzip levels igzip compresses.
pub const LEVELS: [u32; 2] = [1, 2];

/// A compressor for one level, with the buffer its hash tables live in (reused for every
/// block).
pub struct Igzip {
    level: u32,
    level_buf: Vec<u8>,
}

impl Igzip {
    /// `level`: one of [`LEVELS`].
    pub fn new(level: u32) -> Igzip {
        debug_assert!(LEVELS.contains(&level));
        let size = if level == 1 {
            sys::ISAL_DEF_LVL1_DEFAULT
        } else {
            sys::ISAL_DEF_LVL2_DEFAULT
        };
        Igzip {
            level,
            level_buf: vec![0; size as usize],
        }
    }

    /// `input` as one gzip member: a header with no name and no time, the deflate stream,
    /// CRC-32 and length.
    pub fn member(&mut self, input: &[u8]) -> io::Result<Vec<u8>> {
        let too_big = || io::Error::other("igzip: a block larger than 4 GiB");
        // What ISA-L needs to fall back to stored blocks when the data does not shrink (5
        // bytes a 64 KiB block, the gzip header and trailer): given that much room it never
        // reports an overflow.
        let bound = input.len() + 5 * (input.len() / 65_535 + 1) + 18 + 64;
        let mut out = vec![0u8; bound];
        let avail_in = u32::try_from(input.len()).map_err(|_| too_big())?;
        let avail_out = u32::try_from(out.len()).map_err(|_| too_big())?;
        let level_buf_size = u32::try_from(self.level_buf.len()).map_err(|_| too_big())?;
        // SAFETY: `isal_zstream` is a C struct of integers and pointers, for which all-zero
        // is a valid value, and `isal_deflate_stateless_init` sets what it needs. The three
        // pointers given to it are to live buffers of the lengths given beside them
        // (`input`, only read; `out`; `level_buf`, ISA-L's scratch space), all outliving the
        // call, after which the stream is dropped: nothing keeps a pointer.
        let (ret, written) = unsafe {
            let mut s: sys::isal_zstream = std::mem::zeroed();
            sys::isal_deflate_stateless_init(&mut s);
            s.level = self.level;
            s.level_buf = self.level_buf.as_mut_ptr();
            s.level_buf_size = level_buf_size;
            s.gzip_flag = sys::IGZIP_GZIP as u16;
            s.end_of_stream = 1;
            s.flush = sys::NO_FLUSH as u16;
            s.next_in = input.as_ptr().cast_mut();
            s.avail_in = avail_in;
            s.next_out = out.as_mut_ptr();
            s.avail_out = avail_out;
            let ret = sys::isal_deflate_stateless(&mut s);
            (ret, s.total_out as usize)
        };
        if ret != sys::COMP_OK as i32 {
            return Err(io::Error::other(format!(
                "igzip: compression failed (ISA-L code {ret})"
            )));
        }
        out.truncate(written);
        Ok(out)
    }
}

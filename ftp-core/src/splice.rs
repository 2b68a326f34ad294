//! `splice(2)` for plain downloads into files on Linux: socket → pipe → file, so the bytes
//! are copied once (into the page cache) instead of twice through user space. Through
//! rustix's safe wrappers: the core has no `unsafe`.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::io::Errno;
use rustix::pipe::{fcntl_setpipe_size, pipe_with, splice, PipeFlags, SpliceFlags};

/// Whether `splice` can write to `file`: not to one opened for appending (`EINVAL`).
pub(crate) fn can_write(file: &File) -> bool {
    rustix::fs::fcntl_getfl(file).is_ok_and(|f| !f.contains(rustix::fs::OFlags::APPEND))
}

/// A pipe, the kernel buffer `splice` moves pages through.
#[derive(Debug)]
pub(crate) struct Pipe {
    read: OwnedFd,
    write: OwnedFd,
}

impl Pipe {
    pub(crate) fn new() -> io::Result<Pipe> {
        let (read, write) = pipe_with(PipeFlags::CLOEXEC)?;
        // A larger pipe means fewer calls; the default (64 KiB) is fine when refused.
        let _ = fcntl_setpipe_size(&write, 1 << 20);
        Ok(Pipe { read, write })
    }

    /// Up to `max` bytes from the socket into the pipe (blocking, under the socket's
    /// receive timeout); 0 at the end of the stream.
    pub(crate) fn fill_from(&self, socket: BorrowedFd<'_>, max: usize) -> io::Result<usize> {
        loop {
            match splice(socket, None, &self.write, None, max, SpliceFlags::MOVE) {
                Err(Errno::INTR) => continue,
                r => return r.map_err(io::Error::from),
            }
        }
    }

    /// Moves exactly `n` bytes from the pipe to the file's current position.
    pub(crate) fn drain_to(&self, file: &File, mut n: usize) -> io::Result<()> {
        while n > 0 {
            match splice(&self.read, None, file.as_fd(), None, n, SpliceFlags::MOVE) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the file took no more bytes",
                    ))
                }
                Ok(m) => n -= m,
                Err(Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

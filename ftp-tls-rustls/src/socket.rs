//! The TCP socket under a rustls stream, read in large pieces on data connections.
//!
//! rustls asks its reader for at most 4 KiB at a time (its deframer grows the buffer by
//! 4 KiB per read), so a bulk download over TLS paid four `read(2)` calls, and as many
//! wake-ups, per 16 KiB record: on loopback that was a fifth of the client's CPU. A data
//! connection therefore reads the socket 64 KiB at a time here and hands rustls what it
//! asks for from memory. Control connections read straight from the socket: nothing may be
//! read ahead of a TLS session that ends (`CCC`), after which the same socket is read in
//! clear.

use std::io::{self, Read, Write};
use std::net::TcpStream;

/// How much a data connection reads from the socket at once.
pub(crate) const DATA_READ_AHEAD: usize = 64 * 1024;

#[derive(Debug)]
pub(crate) struct Socket {
    tcp: TcpStream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Socket {
    /// `read_ahead` 0: every read goes to the socket.
    pub(crate) fn new(tcp: TcpStream, read_ahead: usize) -> Socket {
        Socket {
            tcp,
            buf: vec![0; read_ahead],
            start: 0,
            end: 0,
        }
    }

    pub(crate) fn tcp(&self) -> &TcpStream {
        &self.tcp
    }
}

impl Read for Socket {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.start == self.end {
            if out.len() >= self.buf.len() {
                return self.tcp.read(out);
            }
            self.end = self.tcp.read(&mut self.buf)?;
            self.start = 0;
        }
        let n = out.len().min(self.end - self.start);
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tcp.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn pair(read_ahead: usize) -> (Socket, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        (Socket::new(c, read_ahead), l.accept().unwrap().0)
    }

    #[test]
    fn small_reads_come_from_one_large_socket_read_and_the_end_is_the_end() {
        for read_ahead in [0, 7, DATA_READ_AHEAD] {
            let (mut s, mut peer) = pair(read_ahead);
            let data: Vec<u8> = (0..100_000u32).map(|i| (i * 31) as u8).collect();
            peer.write_all(&data).unwrap();
            drop(peer);
            let mut got = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                match s.read(&mut chunk[..(got.len() % 4093) + 1]).unwrap() {
                    0 => break,
                    n => got.extend_from_slice(&chunk[..n]),
                }
            }
            assert_eq!(got, data, "read_ahead {read_ahead}");
            assert_eq!(s.read(&mut chunk).unwrap(), 0);
        }
    }
}

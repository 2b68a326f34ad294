//! CPU pinning: the servers (and the bench, whose threads carry the simulated link) on one
//! core, each client on another.
//!
//! Why: on this 2-core machine the scheduler sometimes ran a client and vsftpd on the same
//! core. Unpinned, 1 GiB TLS uploads took 2–8 s for every client, in two clusters around
//! 3 s and 7 s; pinned, 2.2–3.3 s. The clusters measured the scheduler, not the clients.
//! Shared by the bench and by the `ftpkit-spawn` launcher (included with `#[path]`).

/// The CPUs this process may run on, in order.
pub fn allowed() -> Vec<usize> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity fills it for this process.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: `set` is valid for writes of `size` bytes.
    if unsafe { libc::sched_getaffinity(0, size, &mut set) } != 0 {
        return Vec::new();
    }
    // SAFETY: CPU_ISSET reads the set filled above; the index is below CPU_SETSIZE.
    (0..libc::CPU_SETSIZE as usize)
        .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
        .collect()
}

/// Restricts this process (and what it starts from now on) to `cpu`.
pub fn to(cpu: usize) -> std::io::Result<()> {
    // SAFETY: cpu_set_t is plain data; CPU_SET writes one bit below CPU_SETSIZE.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: `set` is a valid, initialised cpu_set_t of the given size.
    match unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) } {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}

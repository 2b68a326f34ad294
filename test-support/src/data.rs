//! Deterministic test data.

/// `len` deterministic pseudo-random bytes (xorshift64*).
pub fn prng_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Every file below `root` (recursively) by its path relative to `root`, with its
/// contents: what two trees are compared by.
pub fn read_tree(root: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                pending.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                out.insert(rel, data);
            }
        }
    }
    out
}

/// The trees issue's 500-file tree, written under `root`: 10 top directories × 5
/// subdirectories × 10 files, sizes from 0 bytes to 3 MiB (a few large ones), names with
/// spaces and UTF-8. Returns every file by its relative path, with its contents.
pub fn sample_tree(root: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut n = 0u64;
    for d in 0..10 {
        for s in 0..5 {
            let dir = format!("dir {d}/sub-{s} é");
            std::fs::create_dir_all(root.join(&dir)).expect("create a tree directory");
            for f in 0..10 {
                n += 1;
                let size = match n {
                    1 => 0,
                    _ if n.is_multiple_of(97) => 3 * 1024 * 1024 + n as usize,
                    _ => (n as usize * 131) % 9000,
                };
                let name = format!("{dir}/file {f} ü.bin");
                let data = prng_bytes(n, size);
                std::fs::write(root.join(&name), &data).expect("write a tree file");
                files.insert(name, data);
            }
        }
    }
    files
}

//! `ftpc get`: download so that nothing is lost and nothing broken looks complete.
//!
//! A regular file is written to `NAME.part` and renamed to `NAME` only once the transfer is
//! verified complete (clean end of data, 2xx final reply, the announced size, and the
//! server's hash with `--verify`). A failed download leaves the `.part` for `--resume`.
//! Standard output and targets that are not regular files (`/dev/null`, a FIFO) are written
//! directly, never renamed or replaced.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use ftpkit::{Client, Error, RemoteHash};

use crate::args::Opts;
use crate::failure::{local, usage, Failure};
use crate::hash::{Hasher, HashingWriter};
use crate::progress::Progress;
use crate::session::{open, quit, rpath};

pub(crate) struct Get {
    pub path: String,
    pub target: String,
    pub resume: bool,
    pub verify: bool,
}

/// True when the last part of a path holds glob characters.
fn is_glob(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|n| n.contains(['*', '?', '[']))
}

/// `ftpc get URL...`: every URL (and every file a glob matches) over as few sessions as
/// there are servers; one failing file does not stop the others.
pub(crate) fn many(
    urls: Vec<String>,
    output: Option<String>,
    resume: bool,
    verify: bool,
    opts: &Opts,
) -> Result<(), Failure> {
    if urls.len() == 1 && !is_glob(&urls[0]) {
        return crate::get_cmd(
            urls.into_iter().next().unwrap_or_default(),
            output,
            resume,
            verify,
            opts,
        );
    }
    if output.is_some() {
        return Err(usage(
            "-o names one file: with several URLs or a glob, files keep their remote names",
        ));
    }
    let mut session: Option<(String, ftpkit::Client)> = None;
    let mut failed = Vec::new();
    // The exit codes of the failures: one they all share is the command's (9 when every
    // one was missing), else 7.
    let mut codes = Vec::new();
    let mut done = 0;
    for raw in &urls {
        let parsed = crate::url::parse(raw).map_err(usage)?;
        let origin = format!(
            "{}|{}|{:?}|{:?}",
            parsed.implicit_tls, parsed.host, parsed.port, parsed.user
        );
        if session.as_ref().map(|(o, _)| o) != Some(&origin) {
            if let Some((_, old)) = session.take() {
                quit(old);
            }
            let (ftp, _) = open(raw, opts)?;
            session = Some((origin, ftp));
        }
        let Some((_, ftp)) = session.as_mut() else {
            continue;
        };
        let path = parsed.path.clone();
        let paths: Vec<String> = if is_glob(&path) {
            let (dir, pattern) = match path.rsplit_once('/') {
                Some((d, p)) => (d.to_string(), p.to_string()),
                None => (String::new(), path.clone()),
            };
            let glob = ftpkit::Glob::new(&pattern);
            let mut names: Vec<String> = ftp
                .list(dir.as_str())?
                .into_iter()
                .filter(|e| e.kind == ftpkit::EntryKind::File && glob.matches(e.name.as_bytes()))
                .map(|e| {
                    let name = e.name.to_string_lossy().into_owned();
                    if dir.is_empty() {
                        name
                    } else {
                        format!("{dir}/{name}")
                    }
                })
                .collect();
            names.sort();
            if names.is_empty() {
                failed.push(format!("{raw}: no file matches"));
                codes.push(crate::failure::NOT_FOUND);
            }
            names
        } else {
            vec![path]
        };
        for path in paths {
            let target = path.rsplit('/').next().unwrap_or(path.as_str()).to_string();
            let g = Get {
                path: path.clone(),
                target,
                resume,
                verify,
            };
            match run(ftp, g) {
                Ok(()) => done += 1,
                Err(f) => {
                    eprintln!("ftpc: {path}: {}", f.message);
                    failed.push(format!("{path}: {}", f.message));
                    codes.push(f.code);
                    if !ftp.is_usable() {
                        // A new session for the next file.
                        *ftp = open(raw, opts)?.0;
                    }
                }
            }
        }
    }
    if let Some((_, ftp)) = session {
        quit(ftp);
    }
    eprintln!("ftpc: {done} files downloaded, {} failed", failed.len());
    if failed.is_empty() {
        Ok(())
    } else {
        let shared = codes.iter().all(|&c| Some(c) == codes.first().copied());
        Err(Failure {
            code: match (shared, codes.first()) {
                (true, Some(&code)) => code,
                _ => 7,
            },
            message: format!(
                "{} downloads failed:\n  {}",
                failed.len(),
                failed.join("\n  ")
            ),
        })
    }
}

pub(crate) fn run(ftp: &mut Client, g: Get) -> Result<(), Failure> {
    let expected = if g.verify {
        let h = ftp.remote_hash(rpath(&g.path)?)?.ok_or_else(|| Failure {
            code: 6,
            message: "command: --verify: the server offers no hash command (HASH, XSHA256, XSHA1, XMD5, XCRC); nothing was downloaded".into(),
        })?;
        log::info!("server's {:?} of {}: {}", h.algorithm, g.path, h.hex);
        Some(h)
    } else {
        None
    };
    if g.target == "-" {
        if g.resume {
            return Err(usage("--resume needs a file, not standard output"));
        }
        let mut out = HashingWriter {
            inner: io::stdout().lock(),
            hasher: expected.as_ref().map(|h| Hasher::new(h.algorithm)),
        };
        ftp.download_to(rpath(&g.path)?, &mut out, None)?;
        out.flush()
            .map_err(|e| local("writing", Path::new("stdout"), e))?;
        return check(expected.as_ref(), out.hasher, "standard output");
    }
    let target = PathBuf::from(&g.target);
    let special = fs::metadata(&target).map(|m| !m.is_file()).unwrap_or(false);
    if special {
        // /dev/null, a FIFO, a device: write in place, never rename over it.
        if g.resume {
            return Err(usage("--resume needs a regular file"));
        }
        let file = OpenOptions::new()
            .write(true)
            .open(&target)
            .map_err(|e| local("opening", &target, e))?;
        let mut out = HashingWriter {
            inner: file,
            hasher: expected.as_ref().map(|h| Hasher::new(h.algorithm)),
        };
        ftp.download_to(rpath(&g.path)?, &mut out, None)?;
        return check(expected.as_ref(), out.hasher, &target.display().to_string());
    }

    let part = part_path(&target);
    if g.resume && !part.exists() && target.exists() {
        // Resume from a complete-looking file: it becomes the .part until verified.
        fs::rename(&target, &part).map_err(|e| local("renaming", &target, e))?;
    }
    let (file, offset) = if g.resume {
        let f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&part)
            .map_err(|e| local("opening", &part, e))?;
        let len = f.metadata().map_err(|e| local("reading", &part, e))?.len();
        (f, len)
    } else {
        (
            File::create(&part).map_err(|e| local("creating", &part, e))?,
            0,
        )
    };
    let mut hasher = expected.as_ref().map(|h| Hasher::new(h.algorithm));
    if let (Some(h), true) = (hasher.as_mut(), offset > 0) {
        hash_file(&part, h)?;
    }
    let mut out = HashingWriter {
        inner: file,
        hasher,
    };
    let mut bar = Progress::new(&g.path);
    let mut cb = |done: u64, total: Option<u64>| bar.update(done, total);
    let kept = |f: Failure| Failure {
        code: f.code,
        message: format!(
            "{}; the partial download is kept in {}: run again with --resume",
            f.message,
            part.display()
        ),
    };
    // Without a hash to compute on the way, the bytes can go straight to the file (splice).
    let received = match out.hasher {
        None => ftp.resume_download_file(rpath(&g.path)?, offset, &out.inner, Some(&mut cb)),
        Some(_) => ftp.resume_download_to(rpath(&g.path)?, offset, &mut out, Some(&mut cb)),
    };
    let n = received.map_err(|e| match e {
        // The local part is not the beginning of this file: resuming cannot fix it.
        Error::ResumePastEnd { .. } => Failure {
            code: 7,
            message: format!("{e} (the local part is {})", part.display()),
        },
        // What arrived does not belong where it was written: the part is worthless,
        // and keeping it would invite a resume that builds a wrong file.
        Error::Overrun { .. } => {
            let _ = fs::remove_file(&part);
            Failure {
                code: 7,
                message: format!("{e}; the partial download {} was removed", part.display()),
            }
        }
        e => kept(e.into()),
    })?;
    bar.finish();
    out.inner
        .sync_all()
        .map_err(|e| local("writing", &part, e))?;
    check(expected.as_ref(), out.hasher, &part.display().to_string()).map_err(kept)?;
    fs::rename(&part, &target).map_err(|e| local("renaming", &part, e))?;
    log::info!(
        "downloaded {n} bytes (from offset {offset}) to {}",
        target.display()
    );
    Ok(())
}

/// `NAME.part` beside `NAME`.
pub(crate) fn part_path(target: &Path) -> PathBuf {
    let mut name = target
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".part");
    target.with_file_name(name)
}

fn hash_file(path: &Path, h: &mut Hasher) -> Result<(), Failure> {
    let mut f = File::open(path).map_err(|e| local("reading", path, e))?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf).map_err(|e| local("reading", path, e))?;
        if n == 0 {
            return Ok(());
        }
        h.update(&buf[..n]);
    }
}

fn check(expected: Option<&RemoteHash>, got: Option<Hasher>, what: &str) -> Result<(), Failure> {
    let (Some(expected), Some(got)) = (expected, got) else {
        return Ok(());
    };
    let got = got.hex();
    if got == expected.hex {
        log::info!("verified: {:?} {got}", expected.algorithm);
        Ok(())
    } else {
        Err(Failure {
            code: 7,
            message: format!(
                "transfer: --verify: the {:?} of what arrived in {what} is {got}, the server says {}: the copy is corrupt",
                expected.algorithm, expected.hex
            ),
        })
    }
}

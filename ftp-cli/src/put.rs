//! `ftpc put`: upload, optionally under a temporary name renamed on success (`--atomic`, so
//! a reader never sees a half-written file), optionally resuming an interrupted upload
//! (`--resume`: REST + STOR from the remote size, or APPE when the server has no REST).

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::Path;

use ftpkit::{Client, Error};

use crate::args::Opts;
use crate::failure::{local, usage, Failure};
use crate::progress::Progress;
use crate::session::{open, quit, rpath};

pub(crate) struct Put<'a> {
    pub local: &'a Path,
    pub path: String,
    pub atomic: bool,
    pub resume: bool,
}

/// The temporary remote name for `--atomic`: hidden, beside the target, stable across runs
/// so that `--resume` finds it.
pub(crate) fn temp_name(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/.{name}.ftpc-part"),
        None => format!(".{path}.ftpc-part"),
    }
}

pub(crate) fn run(ftp: &mut Client, p: Put<'_>) -> Result<(), Failure> {
    let mut input = File::open(p.local).map_err(|e| local("opening", p.local, e))?;
    let size = input
        .metadata()
        .map_err(|e| local("reading", p.local, e))?
        .len();
    let remote = if p.atomic {
        temp_name(&p.path)
    } else {
        p.path.clone()
    };
    let offset = if p.resume {
        match ftp.size(rpath(&remote)?) {
            Ok(n) => n,
            // No such file yet: start from the beginning.
            Err(Error::Reply { .. }) => 0,
            Err(e) => return Err(e.into()),
        }
    } else {
        0
    };
    if offset > size {
        return Err(Failure {
            code: 6,
            message: format!(
                "command: --resume: the remote {remote} has {offset} bytes, more than the {size} of {}; not resuming",
                p.local.display()
            ),
        });
    }
    let kept = |f: Failure| Failure {
        code: f.code,
        message: format!(
            "{}; the partial upload is {remote} on the server: run again with --resume",
            f.message
        ),
    };
    if offset < size || size == 0 {
        input
            .seek(SeekFrom::Start(offset))
            .map_err(|e| local("reading", p.local, e))?;
        let mut bar = Progress::new(&p.path);
        let mut cb = |done: u64, total: Option<u64>| bar.update(done, total);
        let r = if offset == 0 {
            ftp.upload_file(rpath(&remote)?, &input, Some(&mut cb))
        } else if ftp.features().has("REST") {
            ftp.resume_upload_file(rpath(&remote)?, offset, &input, Some(&mut cb))
        } else {
            let mut up = ftp.append(rpath(&remote)?)?;
            let r = std::io::copy(&mut input, &mut up)
                .map_err(|e| Error::from_io(e, ftpkit::Phase::Transfer));
            r.and_then(|n| up.finish().map(|_| n))
        };
        bar.finish();
        let n = r.map_err(|e| kept(e.into()))?;
        log::info!("uploaded {n} bytes from offset {offset} to {remote}");
    } else {
        log::info!("{remote} already has all {size} bytes; nothing to send");
    }
    if p.atomic {
        ftp.rename(rpath(&remote)?, rpath(&p.path)?)?;
        log::info!("renamed {remote} to {}", p.path);
    }
    Ok(())
}

/// `ftpc put - URL`: standard input, streamed (constant memory), to the file the URL
/// names; with `--atomic`, under the temporary name first.
pub(crate) fn stdin(url: String, atomic: bool, resume: bool, opts: &Opts) -> Result<(), Failure> {
    if resume {
        return Err(usage(
            "put - reads standard input, which cannot be resumed: leave out --resume",
        ));
    }
    let u = crate::url::parse(&url).map_err(usage)?;
    if u.path.is_empty() || u.path.ends_with('/') {
        return Err(usage(
            "put - needs the remote file's name in the URL (ftp://host/dir/name)",
        ));
    }
    let (mut ftp, path) = open(&url, opts)?;
    let remote = if atomic {
        temp_name(&path)
    } else {
        path.clone()
    };
    let mut input = std::io::stdin().lock();
    let n = ftp.upload_from(rpath(&remote)?, &mut input, None, None)?;
    log::info!("uploaded {n} bytes from standard input to {remote}");
    if atomic {
        ftp.rename(rpath(&remote)?, rpath(&path)?)?;
        log::info!("renamed {remote} to {path}");
    }
    quit(ftp);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::temp_name;

    #[test]
    fn temp_names_are_hidden_siblings() {
        assert_eq!(temp_name("a.txt"), ".a.txt.ftpc-part");
        assert_eq!(temp_name("dir/sub/a.txt"), "dir/sub/.a.txt.ftpc-part");
        assert_eq!(temp_name("/abs/a"), "/abs/.a.ftpc-part");
    }
}

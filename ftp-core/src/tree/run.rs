//! Carrying out a plan: directories first, then files spread over the pool's sessions with
//! retries, then deletions; every step ends with an outcome in the report.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use log::{debug, info, warn};

use crate::client::Client;
use crate::error::{Error, Phase, Result};
use crate::path::RemotePath;
use crate::pool::{Pool, PooledClient};
use crate::retry::Recovery;

use super::local::local_path;
use super::plan::{Action, Direction, Op, Plan, Reason, SyncOptions};

/// How one step ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Done: the file was transferred whole (or the directory made, the entry deleted).
    Done,
    /// Nothing to do (see the step's reason).
    Skipped,
    /// It failed after every attempt allowed; the error of the last one.
    Failed(Error),
    /// Not attempted: the run's deadline passed first.
    NotAttempted,
}

/// One step of the plan and what became of it: the receipt of a file.
#[derive(Debug)]
#[non_exhaustive]
pub struct FileOutcome {
    /// The path below both roots.
    pub path: RemotePath,
    /// What was to be done.
    pub op: Op,
    /// Why.
    pub reason: Reason,
    /// How it ended.
    pub outcome: Outcome,
    /// Bytes moved in the attempt that succeeded (for a resumed file, from where it resumed).
    pub bytes: u64,
    /// The size the listing announced, when it did.
    pub expected: Option<u64>,
    /// Attempts made (0 for skipped steps).
    pub attempts: u32,
    /// Whether the data connection resumed the control connection's TLS session (`None`
    /// for plain FTP).
    pub tls_resumed: Option<bool>,
    /// Time spent on it, retries and waits included.
    pub elapsed: Duration,
}

impl FileOutcome {
    /// True when the step failed or was not attempted.
    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Failed(_) | Outcome::NotAttempted)
    }
}

/// Every step of a run with its outcome.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct TreeReport {
    /// The steps, in plan order.
    pub outcomes: Vec<FileOutcome>,
    /// The whole run.
    pub elapsed: Duration,
    /// Sessions the pool opened during the run (reconnections included).
    pub sessions_opened: usize,
}

impl TreeReport {
    /// The steps that failed or were not attempted.
    pub fn failures(&self) -> impl Iterator<Item = &FileOutcome> {
        self.outcomes.iter().filter(|o| o.failed())
    }

    /// True when no step failed.
    pub fn is_success(&self) -> bool {
        self.failures().next().is_none()
    }

    /// Files transferred and their bytes.
    pub fn transferred(&self) -> (usize, u64) {
        self.outcomes
            .iter()
            .filter(|o| o.op == Op::Transfer && matches!(o.outcome, Outcome::Done))
            .fold((0, 0), |(n, b), o| (n + 1, b + o.bytes))
    }
}

/// The state of a run, for one aggregated progress display.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct TreeProgress {
    /// Files finished (done or failed) and to transfer in all.
    pub files_done: usize,
    /// Files to transfer in all.
    pub files_total: usize,
    /// Files that failed so far.
    pub files_failed: usize,
    /// Bytes moved so far (every attempt).
    pub bytes_done: u64,
    /// Bytes to move in all, as far as the listings said.
    pub bytes_total: u64,
    /// Average rate since the start, in bytes per second.
    pub rate: f64,
    /// What each connection is doing: the file and its bytes so far, `None` when idle.
    pub connections: Vec<Option<(RemotePath, u64)>>,
}

/// The progress callback of [`crate::TreeSync::run`]: called from the worker threads, at
/// most every 100 ms and whenever a file ends.
pub type TreeProgressFn<'a> = &'a (dyn Fn(&TreeProgress) + Sync);

struct Shared<'a> {
    progress: Mutex<(TreeProgress, Instant)>,
    callback: Option<TreeProgressFn<'a>>,
    started: Instant,
}

impl Shared<'_> {
    fn update(&self, force: bool, f: impl FnOnce(&mut TreeProgress)) {
        let mut guard = self.progress.lock().unwrap_or_else(|p| p.into_inner());
        let (state, last) = &mut *guard;
        f(state);
        let secs = self.started.elapsed().as_secs_f64();
        state.rate = state.bytes_done as f64 / secs.max(1e-3);
        if let Some(cb) = self.callback {
            if force || last.elapsed() >= Duration::from_millis(100) {
                *last = Instant::now();
                cb(state);
            }
        }
    }
}

/// Where things are and how to move them.
pub(crate) struct Job<'a> {
    pub(crate) plan: &'a Plan,
    pub(crate) remote_root: &'a RemotePath,
    pub(crate) local_root: &'a Path,
    pub(crate) options: &'a SyncOptions,
    pub(crate) deadline: Option<Instant>,
}

pub(crate) fn run(
    job: &Job<'_>,
    pool: &Pool,
    create_remote_root: bool,
    callback: Option<TreeProgressFn<'_>>,
) -> TreeReport {
    let started = Instant::now();
    let opened_before = pool.sessions_opened();
    let (files_total, bytes_total) = job.plan.transfer_totals();
    let shared = Shared {
        progress: Mutex::new((
            TreeProgress {
                files_total,
                bytes_total,
                connections: vec![None; pool.size()],
                ..TreeProgress::default()
            },
            Instant::now(),
        )),
        callback,
        started,
    };
    let mut outcomes: Vec<Option<FileOutcome>> = job.plan.actions.iter().map(|_| None).collect();

    // 1. Directories, in order (parents first), on one session.
    let dirs: Vec<usize> = indexes(job.plan, |a| a.op == Op::MakeDir);
    if !dirs.is_empty() || create_remote_root {
        let mut session = remote_session(job, pool);
        if let (true, Some(Ok(s))) = (create_remote_root, session.as_mut()) {
            make_remote_root(s, job.remote_root);
        }
        for i in dirs {
            let a = &job.plan.actions[i];
            let t0 = Instant::now();
            let r = match session.as_mut() {
                None => local_path(job.local_root, &a.path)
                    .and_then(fs::create_dir_all)
                    .map_err(|e| local_error("making the directory", &a.path, e)),
                Some(Ok(s)) => s.mkdir(job.remote_root.join(&a.path)).map(drop),
                Some(Err(why)) => Err(no_session(why)),
            };
            outcomes[i] = Some(finished(a, r.map(|_| (0, None)), 1, t0));
        }
    }

    // 2. Files, over every session of the pool.
    let queue: Mutex<VecDeque<usize>> =
        Mutex::new(indexes(job.plan, |a| a.op == Op::Transfer).into());
    let results: Mutex<Vec<(usize, FileOutcome)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for worker in 0..pool.size() {
            let (queue, results, shared) = (&queue, &results, &shared);
            s.spawn(move || loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
                let Some(i) = next else { break };
                let outcome = transfer_with_retries(job, pool, i, worker, shared);
                let failed = outcome.failed();
                shared.update(true, |p| {
                    p.files_done += 1;
                    p.files_failed += usize::from(failed);
                    p.connections[worker] = None;
                });
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((i, outcome));
            });
        }
    });
    for (i, o) in results.into_inner().unwrap_or_else(|p| p.into_inner()) {
        outcomes[i] = Some(o);
    }

    // 3. Deletions, contents before their directories, only when the plan allows.
    let deletes = indexes(job.plan, |a| matches!(a.op, Op::Delete | Op::RemoveDir));
    if !deletes.is_empty() {
        let mut session = remote_session(job, pool);
        for i in deletes {
            let a = &job.plan.actions[i];
            let t0 = Instant::now();
            let r = delete(job, a, session.as_mut());
            outcomes[i] = Some(finished(a, r.map(|_| (0, None)), 1, t0));
        }
    }

    let outcomes = job
        .plan
        .actions
        .iter()
        .zip(outcomes)
        .map(|(a, o)| o.unwrap_or_else(|| skipped(a)))
        .collect();
    TreeReport {
        outcomes,
        elapsed: started.elapsed(),
        sessions_opened: pool.sessions_opened() - opened_before,
    }
}

fn indexes(plan: &Plan, keep: impl Fn(&Action) -> bool) -> Vec<usize> {
    plan.actions
        .iter()
        .enumerate()
        .filter(|(_, a)| keep(a))
        .map(|(i, _)| i)
        .collect()
}

fn skipped(a: &Action) -> FileOutcome {
    FileOutcome {
        path: a.path.clone(),
        op: a.op,
        reason: a.reason.clone(),
        outcome: Outcome::Skipped,
        bytes: 0,
        expected: a.size,
        attempts: 0,
        tls_resumed: None,
        elapsed: Duration::ZERO,
    }
}

fn finished(a: &Action, r: Result<(u64, Option<bool>)>, attempts: u32, t0: Instant) -> FileOutcome {
    let (outcome, bytes, tls_resumed) = match r {
        Ok((bytes, tls)) => (Outcome::Done, bytes, tls),
        Err(e) => (Outcome::Failed(e), 0, None),
    };
    FileOutcome {
        outcome,
        bytes,
        attempts,
        tls_resumed,
        elapsed: t0.elapsed(),
        ..skipped(a)
    }
}

fn local_error(what: &str, path: &RemotePath, e: io::Error) -> Error {
    Error::Io {
        phase: Phase::Transfer,
        source: io::Error::new(e.kind(), format!("{what} for {path}: {e}")),
        last_reply: None,
    }
}

/// `MKD` of every component of the remote root that is missing (errors are left to the
/// first upload to report: the directory may exist but not be listable).
fn make_remote_root(client: &mut Client, root: &RemotePath) {
    let bytes = root.as_bytes();
    for (i, _) in bytes
        .iter()
        .enumerate()
        .filter(|(i, &b)| b == b'/' && *i > 0)
    {
        let _ = client.mkdir(RemotePath::from(&bytes[..i]));
    }
    if let Err(e) = client.mkdir(root) {
        debug!("tree: MKD {root}: {e}");
    }
}

/// The one session the sequential steps (directories, deletions) of an upload run on; `None`
/// for a download, whose sequential steps are local. A session that cannot be opened is
/// kept as its error, so that every step it fails says why.
fn remote_session<'p>(
    job: &Job<'_>,
    pool: &'p Pool,
) -> Option<std::result::Result<PooledClient<'p>, String>> {
    match job.plan.direction {
        Direction::Upload => Some(pool.get().map_err(|e| {
            warn!("tree: no session for directories and deletions: {e}");
            e.to_string()
        })),
        _ => None,
    }
}

fn no_session(why: &str) -> Error {
    Error::Broken(format!("no session could be opened: {why}"))
}

fn delete(
    job: &Job<'_>,
    a: &Action,
    session: Option<&mut std::result::Result<PooledClient<'_>, String>>,
) -> Result<()> {
    match (job.plan.direction, session) {
        (Direction::Download, _) => {
            let p = local_path(job.local_root, &a.path)
                .map_err(|e| local_error("deleting", &a.path, e))?;
            let r = if a.op == Op::RemoveDir {
                fs::remove_dir(&p)
            } else {
                fs::remove_file(&p)
            };
            r.map_err(|e| local_error("deleting", &a.path, e))
        }
        (_, Some(Ok(s))) => {
            let p = job.remote_root.join(&a.path);
            if a.op == Op::RemoveDir {
                s.rmdir(p)
            } else {
                s.delete(p)
            }
        }
        (_, Some(Err(why))) => Err(no_session(why)),
        (_, None) => Err(Error::Broken("no session for deleting".into())),
    }
}

/// One file, with as many attempts as the policy allows: a session that failed in a way
/// that leaves it unusable is closed and the next attempt opens another; a download
/// resumes from what arrived, an upload from what the server has.
fn transfer_with_retries(
    job: &Job<'_>,
    pool: &Pool,
    i: usize,
    worker: usize,
    shared: &Shared<'_>,
) -> FileOutcome {
    let a = &job.plan.actions[i];
    let t0 = Instant::now();
    let policy = job.options.retry;
    let mut attempt = 0;
    loop {
        attempt += 1;
        if crate::deadline::passed(job.deadline) {
            return FileOutcome {
                outcome: Outcome::NotAttempted,
                attempts: attempt - 1,
                elapsed: t0.elapsed(),
                ..skipped(a)
            };
        }
        let wait = policy.delay(attempt);
        if !wait.is_zero() {
            // Backoff between attempts, not synchronisation: the server gets a moment.
            std::thread::sleep(wait);
        }
        shared.update(false, |p| p.connections[worker] = Some((a.path.clone(), 0)));
        let mut session = match pool.get() {
            Ok(s) => s,
            Err(e) => {
                if policy.should_retry(attempt, &e) {
                    info!(
                        "tree: {}: no session ({e}); attempt {attempt} failed",
                        a.path
                    );
                    continue;
                }
                return finished(a, Err(e), attempt, t0);
            }
        };
        let resume = attempt > 1;
        let mut counted = 0u64;
        let mut on_progress = |done: u64, _total: Option<u64>| {
            let delta = done.saturating_sub(counted);
            counted = done;
            shared.update(false, |p| {
                p.bytes_done += delta;
                p.connections[worker] = Some((a.path.clone(), done));
            });
        };
        let r = match job.plan.direction {
            Direction::Download => download(&mut session, job, a, resume, &mut on_progress),
            Direction::Upload => upload(&mut session, job, a, resume, &mut on_progress),
        };
        match r {
            Ok(bytes) => {
                let tls = session.last_data_tls_info().and_then(|t| t.resumed);
                return finished(a, Ok((bytes, tls)), attempt, t0);
            }
            Err(e) => {
                let recovery = e.recovery();
                if recovery == Recovery::Reconnect || !session.is_usable() {
                    session.discard();
                } else {
                    drop(session);
                }
                if !policy.should_retry(attempt, &e) {
                    warn!("tree: {}: failed after {attempt} attempts: {e}", a.path);
                    return finished(a, Err(e), attempt, t0);
                }
                info!("tree: {}: attempt {attempt} failed, retrying: {e}", a.path);
            }
        }
    }
}

/// `NAME.part` beside `NAME`.
fn part_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    target.with_file_name(name)
}

/// Downloads one file into `NAME.part`, then renames it: a file under its real name is
/// always complete. A retry resumes from the part (when the server has `REST`); a part
/// that cannot be the start of the file (the remote grew or shrank) starts over.
fn download(
    client: &mut Client,
    job: &Job<'_>,
    a: &Action,
    resume: bool,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<u64> {
    let target = local_path(job.local_root, &a.path)
        .map_err(|e| local_error("choosing the local name", &a.path, e))?;
    let part = part_path(&target);
    let remote = job.remote_root.join(&a.path);
    let can_resume = resume && client.features().has("REST");
    let offset = if can_resume {
        fs::metadata(&part).map(|m| m.len()).unwrap_or(0)
    } else {
        0
    };
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(offset == 0)
        .open(&part)
        .map_err(|e| local_error("opening", &a.path, e))?;
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| local_error("seeking in", &a.path, e))?;
    // The listing's size spares a SIZE round trip per file; a retry asks the server again
    // (the file may have changed since it was listed).
    let listed = if resume { None } else { a.size };
    // From the socket to the page cache with one copy where the data is plain (splice).
    let got = match client.download_file_into(remote.clone(), offset, listed, &file, Some(progress))
    {
        Err(e @ (Error::ResumePastEnd { .. } | Error::Overrun { .. })) => {
            // The part is not a prefix of the file as it is now: start over next time.
            let _ = fs::remove_file(&part);
            return Err(e);
        }
        other => other?,
    };
    drop(file);
    // LIST times are to the minute at best: where the listing was LIST, MDTM gives the
    // second (and in UTC, RFC 3659).
    let exact = if job.options.preserve_times
        && !client.features().has("MLST")
        && client.features().has("MDTM")
    {
        client.mdtm(&remote).ok()
    } else {
        None
    };
    if let (Some(t), true) = (exact.or(a.modified), job.options.preserve_times) {
        if let Err(e) = File::options()
            .write(true)
            .open(&part)
            .and_then(|f| f.set_modified(t))
        {
            debug!("tree: cannot set the time of {}: {e}", part.display());
        }
    }
    fs::rename(&part, &target).map_err(|e| local_error("renaming the part of", &a.path, e))?;
    Ok(got)
}

/// The temporary remote name for atomic uploads: hidden, beside the target.
pub(crate) fn temp_name(path: &RemotePath) -> RemotePath {
    let name = path.file_name().unwrap_or_default();
    let mut hidden = b".".to_vec();
    hidden.extend_from_slice(name.as_bytes());
    hidden.extend_from_slice(b".ftpkit-part");
    match path.parent() {
        Some(dir) => dir.join(hidden),
        None => RemotePath::from(hidden),
    }
}

/// Uploads one file (under a temporary name when asked, renamed when complete), then gives
/// it the local file's time when the server can set it. A retry resumes from what the
/// server has (`SIZE`, `REST`), or starts over where it cannot.
fn upload(
    client: &mut Client,
    job: &Job<'_>,
    a: &Action,
    resume: bool,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<u64> {
    let source = local_path(job.local_root, &a.path)
        .map_err(|e| local_error("choosing the local name", &a.path, e))?;
    let target = job.remote_root.join(&a.path);
    let written = if job.options.atomic_uploads {
        temp_name(&target)
    } else {
        target.clone()
    };
    let file = File::open(&source).map_err(|e| local_error("opening", &a.path, e))?;
    let len = file
        .metadata()
        .map_err(|e| local_error("reading", &a.path, e))?
        .len();
    let offset = if resume && client.features().has("REST") {
        match client.size(&written) {
            Ok(n) if n <= len => n,
            _ => 0,
        }
    } else {
        0
    };
    // From the page cache to the socket without a copy where the data is plain (sendfile).
    let sent = client.resume_upload_file(&written, offset, &file, Some(progress))?;
    if offset + sent != len {
        return Err(Error::Incomplete {
            received: offset + sent,
            expected: Some(len),
            reply: client.last_reply().cloned(),
            why: "the local file changed while it was sent".into(),
            hint: None,
        });
    }
    if written != target && client.rename(&written, &target).is_err() {
        // Servers that refuse to rename over an existing file.
        let _ = client.delete(&target);
        client.rename(&written, &target)?;
    }
    if let (Some(t), true) = (a.modified, job.options.preserve_times) {
        if let Err(e) = client.set_modified(&target, t) {
            debug!("tree: cannot set the time of {target}: {e}");
        }
    }
    Ok(sent)
}

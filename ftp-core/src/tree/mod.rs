//! Whole trees: walk both sides, plan, then transfer over a pool of sessions.
//!
//! - `walk.rs`: [`Client::walk`], the remote side, with every listing failure kept.
//! - `local.rs`: [`LocalTree`], the local side, symbolic links reported, never followed.
//! - `plan.rs`: [`Plan`], what to create, transfer, skip and delete, each with its reason,
//!   decided before anything moves (a dry run prints it).
//! - `run.rs`: carrying a plan out over a [`Pool`]: directories first, then files with
//!   retries and resumes, then deletions; a [`TreeReport`] with an outcome for every step.
//! - `glob.rs`: the `--include`/`--exclude` patterns.
//!
//! A mirror never deletes after an incomplete listing: any listing that failed or held a
//! line no parser understood turns every deletion of the plan into
//! [`Reason::DeletionWithheld`].

use std::path::PathBuf;
use std::time::{Duration, Instant};

use log::{debug, info};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::list::EntryKind;
use crate::path::RemotePath;
use crate::pool::Pool;
use crate::retry::RetryPolicy;

mod glob;
mod local;
mod plan;
mod run;
mod walk;

pub use glob::Glob;
pub use local::{LocalEntry, LocalKind, LocalTree};
pub use plan::{Action, Direction, Op, Plan, Reason, SyncMode, SyncOptions};
pub use run::{FileOutcome, Outcome, TreeProgress, TreeProgressFn, TreeReport};
pub use walk::{RemoteTree, TreeEntry, TreeProblem};

/// A tree transfer between a remote directory and a local one: [`TreeSync::plan`] looks
/// at both sides, [`TreeSync::run`] carries the plan out over a [`Pool`].
///
/// ```no_run
/// use ftpkit_core::{Client, Credentials, Pool, Security, SyncMode, SyncOptions, TreeSync};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let pool = Pool::new(Client::builder("127.0.0.1", Security::Plain), Credentials::anonymous(), 4);
/// let mut options = SyncOptions::default();
/// options.mode = SyncMode::Update;
/// let sync = TreeSync::download("/pub/data", "data").options(options);
/// let plan = sync.plan(&pool)?;
/// print!("{plan}"); // the dry run
/// let report = sync.run(&pool, &plan, None);
/// for f in report.failures() {
///     eprintln!("{}: {:?}", f.path, f.outcome);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TreeSync {
    direction: Direction,
    remote: RemotePath,
    local: PathBuf,
    options: SyncOptions,
    deadline: Option<Instant>,
}

impl TreeSync {
    /// Remote directory `remote` into local directory `local` (made when missing).
    pub fn download(remote: impl Into<RemotePath>, local: impl Into<PathBuf>) -> TreeSync {
        TreeSync {
            direction: Direction::Download,
            remote: remote.into(),
            local: local.into(),
            options: SyncOptions::default(),
            deadline: None,
        }
    }

    /// Local directory `local` into remote directory `remote` (made when missing).
    pub fn upload(local: impl Into<PathBuf>, remote: impl Into<RemotePath>) -> TreeSync {
        TreeSync {
            direction: Direction::Upload,
            ..TreeSync::download(remote, local)
        }
    }

    /// How to compare and transfer.
    pub fn options(mut self, options: SyncOptions) -> TreeSync {
        self.options = options;
        self
    }

    /// No file is started after `at` (those left are reported as not attempted). Give the
    /// pool's builder the same [`crate::ClientBuilder::deadline`] to cut transfers in
    /// flight too.
    pub fn deadline(mut self, at: Instant) -> TreeSync {
        self.deadline = Some(at);
        self
    }

    /// Walks both sides (the remote one on one session of `pool`) and compares them.
    /// Fails when the source cannot be read at all; a target that does not exist yet is
    /// an empty one.
    pub fn plan(&self, pool: &Pool) -> Result<Plan> {
        let mut remote_exists = true;
        let (remote, offset) = match remote_tree(pool, &self.remote, self.options.retry) {
            Ok(found) => found,
            Err(e) if self.direction == Direction::Upload && is_missing(&e) => {
                info!("tree: {} does not exist on the server yet", self.remote);
                remote_exists = false;
                let empty = RemoteTree {
                    root: walk::absolute(&mut *pool.get()?, &self.remote)?,
                    ..RemoteTree::default()
                };
                (empty, None)
            }
            Err(e) => return Err(e),
        };
        let local = LocalTree::scan(&self.local).map_err(|e| Error::Io {
            phase: crate::Phase::Command,
            source: std::io::Error::new(e.kind(), format!("reading {}: {e}", self.local.display())),
            last_reply: None,
        })?;
        let mut plan = match self.direction {
            Direction::Download => Plan::download(&remote, &local, offset, &self.options),
            Direction::Upload => Plan::upload(&local, &remote, offset, &self.options),
        };
        plan.remote_root = remote.root.clone();
        plan.remote_exists = remote_exists;
        Ok(plan)
    }

    /// Carries out `plan` (from [`TreeSync::plan`]) over `pool`'s sessions, calling
    /// `progress` as it goes. Never stops at the first failure: every step gets an
    /// outcome in the report.
    pub fn run(
        &self,
        pool: &Pool,
        plan: &Plan,
        progress: Option<TreeProgressFn<'_>>,
    ) -> TreeReport {
        if self.direction == Direction::Download {
            if let Err(e) = std::fs::create_dir_all(&self.local) {
                debug!("tree: cannot make {}: {e}", self.local.display());
            }
        }
        let job = run::Job {
            plan,
            remote_root: &plan.remote_root,
            local_root: &self.local,
            options: &self.options,
            deadline: self.deadline,
        };
        let create_remote_root = self.direction == Direction::Upload && !plan.remote_exists;
        run::run(&job, pool, create_remote_root, progress)
    }
}

/// A 550 (or 450) for the root: it does not exist.
fn is_missing(e: &Error) -> bool {
    matches!(e.reply().map(|r| r.code()), Some(550 | 450 | 553))
}

/// Walks the remote side (with every session of the pool) and measures how far its `LIST`
/// times are from UTC: `MDTM` is UTC by definition (RFC 3659), `LIST` times are the
/// server's local time.
fn remote_tree(
    pool: &Pool,
    root: &RemotePath,
    retry: RetryPolicy,
) -> Result<(RemoteTree, Option<i64>)> {
    let tree = walk::walk_pool(pool, root, retry)?;
    let mut session = pool.get()?;
    let client: &mut Client = &mut session;
    let needs_offset = !client.features().has("MLST") && client.features().has("MDTM");
    let mut offset = None;
    if needs_offset {
        let probe = tree.entries.iter().find(|e| {
            e.entry.kind == EntryKind::File
                && e.entry.modified.is_some()
                && plan::time_precision(&e.entry) <= Duration::from_secs(60)
        });
        if let Some(e) = probe {
            match client.mdtm(tree.root.join(&e.path)) {
                Ok(utc) => offset = clock_offset(e.entry.modified.unwrap_or(utc), utc),
                Err(err) => debug!("tree: MDTM {} failed: {err}", e.path),
            }
        }
    }
    if let Some(o) = offset {
        info!("tree: the server's LIST times are {o} s from UTC");
    }
    Ok((tree, offset))
}

/// Seconds `listed` is ahead of `utc`, rounded to a quarter hour (time zones are whole
/// quarter hours; the listing is only to the minute); `None` beyond a day.
fn clock_offset(listed: std::time::SystemTime, utc: std::time::SystemTime) -> Option<i64> {
    let diff = match listed.duration_since(utc) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    if diff.abs() > 26 * 3600 {
        return None;
    }
    let q = 900;
    let rounded = (diff + q / 2).div_euclid(q) * q;
    (rounded != 0).then_some(rounded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn clock_offsets_round_to_a_quarter_hour() {
        let t = |s| UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(clock_offset(t(100_000 + 3600 + 40), t(100_000)), Some(3600));
        assert_eq!(
            clock_offset(t(100_000), t(100_000 + 7200 - 50)),
            Some(-7200)
        );
        assert_eq!(clock_offset(t(100_000 + 59), t(100_000)), None);
        assert_eq!(clock_offset(t(500_000), t(100_000)), None);
    }
}

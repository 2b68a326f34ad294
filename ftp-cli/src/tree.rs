//! `ftpc get -r`, `ftpc put -r` and `ftpc mirror`: whole trees over a pool of sessions,
//! with a plan first (`--dry-run` prints it), one combined progress bar, a summary, and
//! with `--json` one receipt per file.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use ftpkit::{
    FileOutcome, Glob, Op, Outcome, RetryPolicy, SyncMode, SyncOptions, TreeProgress, TreeReport,
    TreeSync,
};

use crate::args::{Opts, TreeArgs};
use crate::failure::{usage, Failure};
use crate::session::{self, command_deadline, secs};

/// Which way, and in which mode by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Job {
    /// `get -r`: copy the remote tree.
    Get,
    /// `put -r`: copy the local tree.
    Put,
    /// `mirror`: update the local tree from the remote one.
    Mirror,
    /// `mirror --reverse`: update the remote tree from the local one.
    MirrorReverse,
}

pub(crate) fn run(
    job: Job,
    url: &str,
    local: PathBuf,
    args: &TreeArgs,
    opts: &Opts,
) -> Result<(), Failure> {
    if args.parallel == 0 || args.parallel > 64 {
        return Err(usage("--parallel must be between 1 and 64"));
    }
    let (pool, path) = session::pool(url, opts, args.parallel)?;
    let mut options = SyncOptions::default();
    options.mode = if args.update || matches!(job, Job::Mirror | Job::MirrorReverse) {
        SyncMode::Update
    } else {
        SyncMode::Copy
    };
    options.delete = args.delete;
    options.include = args.include.iter().map(Glob::new).collect();
    options.exclude = args.exclude.iter().map(Glob::new).collect();
    options.atomic_uploads = args.atomic;
    options.retry = RetryPolicy::attempts(args.retry.saturating_add(1));
    let mut sync = match job {
        Job::Get | Job::Mirror => TreeSync::download(session::rpath(&path)?, &local),
        Job::Put | Job::MirrorReverse => TreeSync::upload(&local, session::rpath(&path)?),
    }
    .options(options);
    if let Some(d) = secs("max-time", opts.max_time)? {
        sync = sync.deadline(command_deadline(d));
    }
    let plan = sync.plan(&pool)?;
    for p in &plan.problems {
        eprintln!("ftpc: warning: {p}");
    }
    if args.dry_run {
        print!("{plan}");
        return Ok(());
    }
    let bar = Bar::new();
    let callback = bar.callback();
    let progress = callback
        .as_ref()
        .map(|f| f as &(dyn Fn(&TreeProgress) + Sync));
    let report = sync.run(&pool, &plan, progress);
    bar.finish();
    pool.close();
    if args.json {
        let mut out = io::stdout().lock();
        for o in &report.outcomes {
            if o.op == Op::Transfer || o.failed() {
                let _ = writeln!(out, "{}", receipt(o));
            }
        }
    }
    summary(&report, plan.problems.len())
}

/// One JSON object per file: what scripts need to trust or redo it.
fn receipt(o: &FileOutcome) -> String {
    let (outcome, error) = match &o.outcome {
        Outcome::Done => ("ok", None),
        Outcome::Skipped => ("skipped", None),
        Outcome::Failed(e) => ("failed", Some(crate::failure::cli_message(e))),
        Outcome::NotAttempted => ("not attempted", None),
        _ => ("unknown", None),
    };
    let verified_by = match (&o.outcome, o.expected) {
        (Outcome::Done, Some(_)) => Some("size and final reply"),
        (Outcome::Done, None) => Some("final reply"),
        _ => None,
    };
    serde_json::json!({
        "path": o.path.to_string_lossy(),
        "op": format!("{:?}", o.op).to_lowercase(),
        "reason": o.reason.to_string(),
        "outcome": outcome,
        "bytes": o.bytes,
        "announced_size": o.expected,
        "verified_by": verified_by,
        "tls_resumed": o.tls_resumed,
        "attempts": o.attempts,
        "seconds": (o.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        "error": error,
    })
    .to_string()
}

/// The summary on stderr, and the exit status: non-zero when any step failed, naming them.
fn summary(report: &TreeReport, problems: usize) -> Result<(), Failure> {
    let (files, bytes) = report.transferred();
    let skipped = report
        .outcomes
        .iter()
        .filter(|o| matches!(o.outcome, Outcome::Skipped))
        .count();
    let deleted = report
        .outcomes
        .iter()
        .filter(|o| {
            matches!(o.op, Op::Delete | Op::RemoveDir) && matches!(o.outcome, Outcome::Done)
        })
        .count();
    let retried = report.outcomes.iter().filter(|o| o.attempts > 1).count();
    let secs = report.elapsed.as_secs_f64();
    let failed: Vec<&FileOutcome> = report.failures().collect();
    eprintln!(
        "ftpc: {files} files, {bytes} bytes in {secs:.1} s ({:.1} MB/s); {skipped} skipped, {deleted} deleted, {retried} retried, {} failed; {} sessions",
        bytes as f64 / secs.max(1e-3) / 1e6,
        failed.len(),
        report.sessions_opened,
    );
    if failed.is_empty() && problems == 0 {
        return Ok(());
    }
    if failed.is_empty() {
        // Part of a tree that could not be read was not copied: that is not a success.
        return Err(Failure {
            code: 7,
            message: format!("{problems} parts of the tree could not be read (above): what they hold was not transferred, and nothing was deleted"),
        });
    }
    let mut message = format!("{} of the tree's steps failed:", failed.len());
    for o in failed.iter().take(20) {
        let why = match &o.outcome {
            Outcome::Failed(e) => crate::failure::cli_message(e),
            _ => "not attempted before the deadline (--max-time)".into(),
        };
        message.push_str(&format!("\n  {}: {why}", o.path));
    }
    if failed.len() > 20 {
        message.push_str(&format!("\n  … and {} more", failed.len() - 20));
    }
    Err(Failure { code: 7, message })
}

/// One combined bar on a terminal: files, bytes, rate, ETA.
struct Bar {
    bar: Option<indicatif::ProgressBar>,
}

impl Bar {
    fn new() -> Bar {
        let bar =
            crate::progress::stderr_bar("{msg} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}");
        if let Some(b) = &bar {
            b.enable_steady_tick(Duration::from_millis(250));
        }
        Bar { bar }
    }

    fn callback(&self) -> Option<impl Fn(&TreeProgress) + Sync + '_> {
        let bar = self.bar.as_ref()?;
        Some(move |p: &TreeProgress| {
            bar.set_length(p.bytes_total.max(p.bytes_done));
            bar.set_position(p.bytes_done);
            let busy = p.connections.iter().filter(|c| c.is_some()).count();
            bar.set_message(format!(
                "files {}/{} ({} failed), {busy} active",
                p.files_done, p.files_total, p.files_failed
            ));
        })
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

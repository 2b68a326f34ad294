//! A progress bar on stderr, only when stderr is a terminal.

use std::io::{self, IsTerminal};

/// A progress bar on stderr, only when stderr is a terminal.
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

/// A bar drawn on stderr with `template`, or `None` when stderr is not a terminal (a log
/// file or a pipe gets no control characters).
pub(crate) fn stderr_bar(template: &str) -> Option<indicatif::ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

impl Progress {
    pub(crate) fn new(name: &str) -> Progress {
        let bar = stderr_bar("{msg} {bytes}/{total_bytes} {bytes_per_sec} {eta}");
        if let Some(b) = &bar {
            b.set_message(name.to_string());
        }
        Progress { bar }
    }

    pub(crate) fn update(&mut self, done: u64, total: Option<u64>) {
        if let Some(b) = &self.bar {
            if let Some(t) = total {
                b.set_length(t);
            }
            b.set_position(done);
        }
    }

    pub(crate) fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

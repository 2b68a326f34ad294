//! AutoConnect: try connection profiles in order under one time budget, and report every
//! attempt.
//!
//! A profile (explicit or implicit TLS on one backend, or plain FTP when the caller allowed
//! it) counts as working only after a protected data transfer succeeded: a login alone does
//! not prove that data-connection TLS and session reuse work. A handshake timeout means
//! "TLS does not work this way", so the next profile is tried; a rejected password stops
//! the search, since no other profile can fix it.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use log::info;

use crate::client::{Client, ClientBuilder};
use crate::config::{Config, Security, TlsMode};
use crate::deadline::Deadline;
use crate::error::{Error, Phase};
use crate::tls::{TlsConnector, TlsInfo};

/// One way of connecting.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Profile {
    /// Explicit TLS, implicit TLS or plain.
    pub mode: TlsMode,
    /// The TLS backend, `None` for plain FTP.
    pub backend: Option<&'static str>,
    /// The port tried.
    pub port: u16,
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.mode, self.backend) {
            (TlsMode::Plain, _) | (_, None) => write!(f, "plain FTP on port {}", self.port),
            (TlsMode::Implicit, Some(b)) => write!(f, "implicit TLS via {b} on port {}", self.port),
            (_, Some(b)) => write!(f, "explicit TLS via {b} on port {}", self.port),
        }
    }
}

/// A profile with the security stance that runs it: one entry of
/// [`AutoConnect::candidates`], run by [`AutoConnect::try_candidate`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Candidate {
    /// What the attempt is reported as.
    pub profile: Profile,
    /// The stance (and TLS connector) the attempt connects with.
    pub security: Security,
}

/// What happened to one profile.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Attempt {
    /// The profile tried.
    pub profile: Profile,
    /// The phase the attempt failed in; `None` when it worked.
    pub failed_in: Option<Phase>,
    /// The error, when it failed.
    pub error: Option<String>,
    /// The deadline that ended it, when it timed out: [`Deadline::Session`] means the
    /// budget (or an earlier [`Config::deadline`]) ran out, anything else that the server
    /// went silent.
    pub deadline: Option<Deadline>,
    /// What the control connection's TLS negotiated, when the handshake completed.
    pub tls: Option<TlsInfo>,
    /// What the data connection's TLS negotiated, when a protected listing ran.
    pub data_tls: Option<TlsInfo>,
    /// True once the login succeeded: whatever failed came after it (data protection or
    /// the protected listing), so the TLS negotiation itself worked.
    pub logged_in: bool,
    /// How long the attempt took.
    pub elapsed: Duration,
}

impl Attempt {
    /// True when the profile worked, protected data transfer included.
    pub fn worked(&self) -> bool {
        self.failed_in.is_none()
    }
}

/// Every attempt, in order.
#[derive(Debug, Clone, Default)]
pub struct AutoReport {
    /// The attempts.
    pub attempts: Vec<Attempt>,
}

impl fmt::Display for AutoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for a in &self.attempts {
            let tls = a
                .tls
                .as_ref()
                .and_then(|t| t.protocol.clone())
                .unwrap_or_else(|| "-".into());
            match &a.error {
                None => writeln!(f, "  ok      {} [{tls}] in {:.1?}", a.profile, a.elapsed)?,
                Some(e) => writeln!(
                    f,
                    "  failed  {} [{tls}] in {:.1?}: {e}",
                    a.profile, a.elapsed
                )?,
            }
        }
        Ok(())
    }
}

/// No profile worked.
#[derive(Debug, thiserror::Error)]
#[error("auto-connect: no way of connecting worked{}:\n{report}", stop_suffix(.stopped))]
#[non_exhaustive]
pub struct AutoConnectError {
    /// Every attempt made.
    pub report: AutoReport,
    /// Why the search stopped before trying every profile, if it did.
    pub stopped: Option<String>,
}

fn stop_suffix(s: &Option<String>) -> String {
    s.as_ref().map(|s| format!(" ({s})")).unwrap_or_default()
}

/// Tries profiles in order under one time budget.
///
/// ```no_run
/// use std::time::Duration;
/// use ftpkit_core::AutoConnect;
/// # fn connectors() -> Vec<std::sync::Arc<dyn ftpkit_core::TlsConnector>> { vec![] }
/// let auto = AutoConnect::new("ftp.example.com", connectors()).budget(Duration::from_secs(30));
/// match auto.connect("user", "secret") {
///     Ok((client, report)) => println!("connected:\n{report}"),
///     Err(e) => eprintln!("{e}"), // lists every attempt and why it failed
/// }
/// ```
#[derive(Debug, Clone)]
pub struct AutoConnect {
    host: String,
    port: Option<u16>,
    config: Config,
    connectors: Vec<Arc<dyn TlsConnector>>,
    implicit_port: u16,
    allow_implicit: bool,
    allow_plaintext: bool,
    budget: Duration,
}

impl AutoConnect {
    /// Tries explicit TLS on each connector in the order given (preferred first) on port 21,
    /// then implicit TLS on port 990 with each.
    pub fn new(host: impl Into<String>, connectors: Vec<Arc<dyn TlsConnector>>) -> AutoConnect {
        AutoConnect {
            host: host.into(),
            port: None,
            config: Config::default(),
            connectors,
            implicit_port: 990,
            allow_implicit: true,
            allow_plaintext: false,
            budget: Duration::from_secs(60),
        }
    }

    /// The port for plain and explicit TLS attempts (21 by default).
    pub fn port(mut self, port: u16) -> AutoConnect {
        self.port = Some(port);
        self
    }

    /// The settings of every attempt (deadlines, data mode, limits…); each attempt's
    /// deadlines are also cut to the budget. A [`Config::deadline`] bounds the search too
    /// when it comes first, and stays the deadline of the session that comes out of it.
    pub fn config(mut self, config: Config) -> AutoConnect {
        self.config = config;
        self
    }

    /// The port for implicit TLS attempts (990 by default).
    pub fn implicit_port(mut self, port: u16) -> AutoConnect {
        self.implicit_port = port;
        self
    }

    /// Whether to try implicit TLS at all (default yes).
    pub fn allow_implicit(mut self, yes: bool) -> AutoConnect {
        self.allow_implicit = yes;
        self
    }

    /// Whether plain FTP may be tried last. Off by default: it sends the password in the
    /// clear, so it must be a conscious choice.
    pub fn allow_plaintext(mut self, yes: bool) -> AutoConnect {
        self.allow_plaintext = yes;
        self
    }

    /// The total time for all attempts together (default 60 s). Each attempt's deadlines
    /// are cut to what is left. It bounds the search, not the session that comes out of it.
    pub fn budget(mut self, d: Duration) -> AutoConnect {
        self.budget = d;
        self
    }

    /// The profiles in the order they will be tried.
    pub fn profiles(&self) -> Vec<Profile> {
        self.candidates().into_iter().map(|c| c.profile).collect()
    }

    /// The profiles in the order they will be tried, each with the [`Security`] that runs
    /// it: explicit TLS with each connector, then implicit TLS with each (unless
    /// [`allow_implicit`](AutoConnect::allow_implicit) is off), then plain FTP only when
    /// [`allow_plaintext`](AutoConnect::allow_plaintext) is on.
    ///
    /// ```
    /// use ftpkit_core::{AutoConnect, Security, TlsMode};
    /// // No TLS connector, so plain FTP is the only candidate, and only when allowed.
    /// assert!(AutoConnect::new("ftp.example.com", Vec::new()).candidates().is_empty());
    /// let auto = AutoConnect::new("ftp.example.com", Vec::new())
    ///     .port(2121)
    ///     .allow_plaintext(true);
    /// let c = auto.candidates();
    /// assert_eq!(c.len(), 1);
    /// assert_eq!((c[0].profile.mode, c[0].profile.port), (TlsMode::Plain, 2121));
    /// assert!(matches!(c[0].security, Security::Plain));
    /// ```
    pub fn candidates(&self) -> Vec<Candidate> {
        let port = self.port.unwrap_or(21);
        let candidate = |security: Security, port| Candidate {
            profile: Profile {
                mode: security.mode(),
                backend: security.connector().map(|c| c.backend()),
                port,
            },
            security,
        };
        let mut plan = Vec::new();
        for c in &self.connectors {
            plan.push(candidate(Security::Explicit(c.clone()), port));
        }
        if self.allow_implicit {
            for c in &self.connectors {
                plan.push(candidate(Security::Implicit(c.clone()), self.implicit_port));
            }
        }
        if self.allow_plaintext {
            plan.push(candidate(Security::Plain, port));
        }
        plan
    }

    /// Runs one candidate the way [`connect`](AutoConnect::connect) runs each: connect, log
    /// in, list the current directory over a protected data connection. It works only if
    /// all three do. Every wait is cut to the budget, counted from this call, and to
    /// [`Config::deadline`] when that comes first; the session returned has the config's
    /// deadline again, not the budget's.
    ///
    /// Returns the record of the attempt, and the logged-in session or the error that ended
    /// it. The search rules of `connect` (a rejected password or a spent budget stops it)
    /// are the caller's to apply: this is for callers that run candidates their own way,
    /// all at once for a diagnosis, say.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::net::TcpListener;
    /// use ftpkit_core::{AutoConnect, Phase};
    /// // A server at its connection limit: it turns every connection away with 421.
    /// let server = TcpListener::bind("127.0.0.1:0").unwrap();
    /// let port = server.local_addr().unwrap().port();
    /// std::thread::spawn(move || {
    ///     for mut c in server.incoming().flatten() {
    ///         let _ = c.write_all(b"421 Too many connections\r\n");
    ///     }
    /// });
    /// let auto = AutoConnect::new("127.0.0.1", Vec::new()).port(port).allow_plaintext(true);
    /// for candidate in auto.candidates() {
    ///     let (attempt, result) = auto.try_candidate(&candidate, "user", "secret");
    ///     assert!(!attempt.worked() && !attempt.logged_in);
    ///     assert_eq!(attempt.failed_in, Some(Phase::Greeting));
    ///     let e = result.unwrap_err();
    ///     assert_eq!(e.reply().map(|r| r.code()), Some(421));
    /// }
    /// ```
    pub fn try_candidate(
        &self,
        candidate: &Candidate,
        user: &str,
        password: &str,
    ) -> (Attempt, Result<Client, Error>) {
        self.run(candidate, user, password, Instant::now())
    }

    /// When every wait of an attempt must end: the budget counted from `started`, or the
    /// config's own deadline if that is earlier.
    fn end(&self, started: Instant) -> Option<Instant> {
        let budget = started.checked_add(self.budget);
        match (budget, self.config.deadline) {
            (Some(b), Some(d)) => Some(b.min(d)),
            (b, d) => b.or(d),
        }
    }

    /// What ran out when an attempt hit [`Deadline::Session`].
    fn spent(&self, started: Instant) -> String {
        match self.config.deadline {
            Some(d) if started.checked_add(self.budget).is_none_or(|b| d < b) => {
                "the session deadline (Config::deadline) passed".into()
            }
            _ => format!("the time budget of {:?} ran out", self.budget),
        }
    }

    fn run(
        &self,
        candidate: &Candidate,
        user: &str,
        password: &str,
        started: Instant,
    ) -> (Attempt, Result<Client, Error>) {
        let profile = &candidate.profile;
        info!("auto-connect: trying {profile}");
        let t0 = Instant::now();
        let mut b = ClientBuilder::new(self.host.clone(), candidate.security.clone())
            .config(self.config.clone())
            .port(profile.port);
        if let Some(end) = self.end(started) {
            // Every wait of the attempt ends by the budget's end, not just each by itself.
            b = b.deadline(end);
        }
        let mut attempt = Attempt {
            profile: profile.clone(),
            failed_in: None,
            error: None,
            deadline: None,
            tls: None,
            data_tls: None,
            logged_in: false,
            elapsed: Duration::ZERO,
        };
        let result = (|| -> Result<Client, Error> {
            let mut client = b.connect()?;
            attempt.tls = client.tls_info();
            client.login(user, password)?;
            attempt.logged_in = true;
            client.list_raw("")?;
            attempt.data_tls = client.last_data_tls_info().cloned();
            // The budget bounds the search, not the session that comes out of it.
            client.set_session_deadline(self.config.deadline);
            Ok(client)
        })();
        attempt.elapsed = t0.elapsed();
        match &result {
            Ok(_) => info!("auto-connect: {profile} works ({:.1?})", attempt.elapsed),
            Err(e) => {
                info!(
                    "auto-connect: {profile} failed after {:.1?}: {e}",
                    attempt.elapsed
                );
                attempt.failed_in = Some(e.phase());
                attempt.error = Some(e.to_string());
                attempt.deadline = e.deadline();
            }
        }
        (attempt, result)
    }

    /// Tries each profile until one logs in and completes a protected listing.
    pub fn connect(
        self,
        user: &str,
        password: &str,
    ) -> Result<(Client, AutoReport), AutoConnectError> {
        let started = Instant::now();
        let mut report = AutoReport::default();
        for candidate in self.candidates() {
            if crate::deadline::passed(self.end(started)) {
                return Err(AutoConnectError {
                    report,
                    stopped: Some(self.spent(started)),
                });
            }
            let (attempt, result) = self.run(&candidate, user, password, started);
            report.attempts.push(attempt);
            let e = match result {
                Ok(client) => return Ok((client, report)),
                Err(e) => e,
            };
            if e.deadline() == Some(Deadline::Session) {
                return Err(AutoConnectError {
                    report,
                    stopped: Some(format!(
                        "{} during {}",
                        self.spent(started),
                        candidate.profile
                    )),
                });
            }
            if matches!(&e, Error::Reply { phase: Phase::Login, reply, .. } if reply.code() == 530)
            {
                return Err(AutoConnectError {
                    report,
                    stopped: Some("the server rejected the user name or password; no other way of connecting can fix that".into()),
                });
            }
        }
        Err(AutoConnectError {
            report,
            stopped: None,
        })
    }
}

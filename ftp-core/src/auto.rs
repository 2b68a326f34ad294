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
    /// budget ran out, anything else that the server went silent.
    pub deadline: Option<Deadline>,
    /// What the control connection's TLS negotiated, when the handshake completed.
    pub tls: Option<TlsInfo>,
    /// What the data connection's TLS negotiated, when a protected listing ran.
    pub data_tls: Option<TlsInfo>,
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
    /// deadlines are also cut to the budget.
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
    /// are cut to what is left.
    pub fn budget(mut self, d: Duration) -> AutoConnect {
        self.budget = d;
        self
    }

    /// The profiles in the order they will be tried.
    pub fn profiles(&self) -> Vec<Profile> {
        self.plan().into_iter().map(|(p, _)| p).collect()
    }

    fn plan(&self) -> Vec<(Profile, Security)> {
        let port = self.port.unwrap_or(21);
        let profile = |security: &Security, port| Profile {
            mode: security.mode(),
            backend: security.connector().map(|c| c.backend()),
            port,
        };
        let mut plan = Vec::new();
        for c in &self.connectors {
            let s = Security::Explicit(c.clone());
            plan.push((profile(&s, port), s));
        }
        if self.allow_implicit {
            for c in &self.connectors {
                let s = Security::Implicit(c.clone());
                plan.push((profile(&s, self.implicit_port), s));
            }
        }
        if self.allow_plaintext {
            plan.push((profile(&Security::Plain, port), Security::Plain));
        }
        plan
    }

    /// Tries each profile until one logs in and completes a protected listing.
    pub fn connect(
        self,
        user: &str,
        password: &str,
    ) -> Result<(Client, AutoReport), AutoConnectError> {
        let started = Instant::now();
        let mut report = AutoReport::default();
        for (profile, security) in self.plan() {
            let left = self.budget.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(AutoConnectError {
                    report,
                    stopped: Some(format!("the time budget of {:?} ran out", self.budget)),
                });
            }
            info!("auto-connect: trying {profile}");
            let t0 = Instant::now();
            let b = ClientBuilder::new(self.host.clone(), security)
                .config(self.config.clone())
                .port(profile.port)
                // Every wait of the attempt ends by the budget's end, not just each by itself.
                .deadline(started + self.budget);
            let mut tls = None;
            let mut data_tls = None;
            let result = (|| -> Result<Client, Error> {
                let mut client = b.connect()?;
                tls = client.tls_info();
                client.login(user, password)?;
                client.list_raw("")?;
                data_tls = client.last_data_tls_info().cloned();
                Ok(client)
            })();
            let elapsed = t0.elapsed();
            match result {
                Ok(client) => {
                    info!("auto-connect: {profile} works ({elapsed:.1?})");
                    report.attempts.push(Attempt {
                        profile,
                        failed_in: None,
                        error: None,
                        deadline: None,
                        tls,
                        data_tls,
                        elapsed,
                    });
                    return Ok((client, report));
                }
                Err(e) => {
                    info!("auto-connect: {profile} failed after {elapsed:.1?}: {e}");
                    let wrong_password = matches!(&e, Error::Reply { phase: Phase::Login, reply, .. } if reply.code() == 530);
                    let budget_over = e.deadline() == Some(Deadline::Session);
                    let stopped_in = profile.to_string();
                    report.attempts.push(Attempt {
                        profile,
                        failed_in: Some(e.phase()),
                        error: Some(e.to_string()),
                        deadline: e.deadline(),
                        tls,
                        data_tls,
                        elapsed,
                    });
                    if budget_over {
                        return Err(AutoConnectError {
                            report,
                            stopped: Some(format!(
                                "the time budget of {:?} ran out during {stopped_in}",
                                self.budget
                            )),
                        });
                    }
                    if wrong_password {
                        return Err(AutoConnectError {
                            report,
                            stopped: Some("the server rejected the user name or password; no other way of connecting can fix that".into()),
                        });
                    }
                }
            }
        }
        Err(AutoConnectError {
            report,
            stopped: None,
        })
    }
}

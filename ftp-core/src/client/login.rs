//! Logging in (`USER`, `PASS`, `ACCT`), then protecting data connections and reading the
//! server's features.

use super::*;

impl Client {
    /// Logs in; with TLS, then protects data connections (`PBSZ 0`, `PROT P`). Reads the
    /// server's features and turns on UTF-8 paths when offered.
    pub fn login(&mut self, user: &str, password: &str) -> Result<()> {
        self.login_with_account(user, password, None)
    }

    /// Logs in, answering a `332` (account needed) with `ACCT account`.
    pub fn login_with_account(
        &mut self,
        user: &str,
        password: &str,
        account: Option<&str>,
    ) -> Result<()> {
        let phase = PhaseLog::start(Phase::Login);
        let user_cmd = Command::with_arg("USER", "user name", user)?;
        let pass_cmd = Command::with_arg("PASS", "password", password)?.secret();
        let acct_cmd = account
            .map(|a| Command::with_arg("ACCT", "account", a).map(Command::secret))
            .transpose()?;
        if self.greeted_logged_in && self.tls_info().is_none() {
            // The greeting said 230: credentials would at best be ignored, and in plain FTP
            // they would cross the network in clear for nothing.
            info!("the server logged the session in with its greeting; not sending USER/PASS");
            phase.done();
            return self.after_login();
        }
        let mut reply = self.control.execute(&user_cmd, Phase::Login)?;
        if self.greeted_logged_in && reply.code() == 503 {
            // Over TLS the login is done again (AUTH may reset the session, RFC 2228); a
            // server that says "already logged in" keeps the greeting's login.
            info!("USER after a 230 greeting: {reply}; the session stays logged in");
            phase.done();
            return self.after_login();
        }
        let mut last_cmd = user_cmd.display();
        if reply.code() == 331 {
            reply = self.control.execute(&pass_cmd, Phase::Login)?;
            last_cmd = pass_cmd.display();
        }
        if reply.code() == 332 {
            let Some(acct) = &acct_cmd else {
                return Err(Error::Reply {
                    phase: Phase::Login,
                    command: last_cmd,
                    reply,
                    hint: Some(Hint::NeedAccount),
                });
            };
            reply = self.control.execute(acct, Phase::Login)?;
            last_cmd = acct.display();
        }
        // Any 2xx after USER, PASS or ACCT means logged in (230, 202, or a "200 proceed").
        if !reply.is_positive_completion() {
            let hint = login_hint(&reply);
            return Err(Error::Reply {
                phase: Phase::Login,
                command: last_cmd,
                reply,
                hint,
            });
        }
        phase.done();
        info!("logged in as {user}");
        self.after_login()
    }

    pub(super) fn after_login(&mut self) -> Result<()> {
        if self.tls_info().is_some() {
            let phase = PhaseLog::start(Phase::DataProtection);
            self.control.expect(
                &Command::bare("PBSZ 0"),
                Phase::DataProtection,
                expect::positive,
                None,
            )?;
            let reply = self
                .control
                .execute(&Command::bare("PROT P"), Phase::DataProtection)?;
            if reply.code() / 100 != 2 {
                return Err(Error::TlsRequired {
                    phase: Phase::DataProtection,
                    detail: format!(
                        "the server refused to protect data connections (PROT P: {reply}); refusing to transfer files in plaintext over a TLS session"
                    ),
                    hint: None,
                });
            }
            self.protect_data = true;
            if self.config.clear_command_channel {
                self.control.clear_command_channel()?;
            }
            phase.done();
        }
        let feat = self
            .control
            .execute(&Command::bare("FEAT"), Phase::Command)?;
        self.features = Features::from_reply(&feat);
        if self.features.has("UTF8") {
            // Failure is harmless: the server may have UTF-8 on already.
            let _ = self
                .control
                .execute(&Command::bare("OPTS UTF8 ON"), Phase::Command)?;
        }
        Ok(())
    }
}

/// What to try after a login reply that is not a success, fitted to the reply.
fn login_hint(reply: &Reply) -> Option<Hint> {
    match reply.code() {
        530 | 430 => Some(Hint::CheckCredentials),
        331 | 332 => Some(Hint::Note(
            "the server asked for more credentials than it was given",
        )),
        421 => Some(Hint::Note(
            "the server is closing the session (busy, or too many connections); try again later",
        )),
        500..=504 => Some(Hint::Note(
            "the server does not accept this login command sequence",
        )),
        534 | 533 => Some(Hint::MayRequireTls),
        c if c / 100 == 4 => Some(Hint::TryLater),
        _ => None,
    }
}

//! Assertions on ftpkit's errors, shared by the modules (here rather than in the test-support
//! crate, which does not depend on ftpkit).

use ftpkit::{Error, Phase};

/// Asserts that `err` is an `Error::Reply` in `phase` with reply `code`.
#[track_caller]
pub fn assert_reply(err: &Error, phase: Phase, code: u16) {
    match err {
        Error::Reply {
            phase: p, reply, ..
        } => {
            assert_eq!(*p, phase, "wrong phase in {err}");
            assert_eq!(reply.code(), code, "wrong code in {err}");
        }
        other => panic!("expected Error::Reply {code} in phase {phase}, got {other:?}"),
    }
}

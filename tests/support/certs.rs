//! Test certificates made in memory with rcgen: a private CA and server certificates it
//! signs, written as PEM files into a temporary directory.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// A CA, a server certificate for `localhost`, `127.0.0.1` and `::1`, and one for another
/// name (to test name mismatch), as PEM files.
pub struct TestCerts {
    _dir: tempfile::TempDir,
    /// The CA certificate (what a client trusts with `--ca-file`).
    pub ca: PathBuf,
    /// The server certificate chain (leaf).
    pub cert: PathBuf,
    /// The server's private key.
    pub key: PathBuf,
    /// Certificate and key in one file (what vsftpd's `rsa_cert_file` can take).
    pub combined: PathBuf,
    /// A certificate for `wrong.example` only, signed by the same CA, and its key.
    pub wrong_name_cert: PathBuf,
    /// The key of `wrong_name_cert`.
    pub wrong_name_key: PathBuf,
    /// A certificate for the right names, from the same CA, that expired in 2020.
    pub expired_cert: PathBuf,
    /// The key of `expired_cert`.
    pub expired_key: PathBuf,
}

impl TestCerts {
    /// Generates fresh certificates.
    pub fn generate() -> TestCerts {
        let dir = tempfile::tempdir().expect("temp dir");
        // vsftpd drops privileges; the files must be readable by anyone.
        let p = dir.path();
        std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "ftpkit test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf_with = |names: Vec<String>, cn: &str, expired: bool| {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(names).unwrap();
            params.distinguished_name.push(DnType::CommonName, cn);
            if expired {
                params.not_before = rcgen::date_time_ymd(2019, 1, 1);
                params.not_after = rcgen::date_time_ymd(2020, 1, 1);
            }
            let cert = params.signed_by(&key, &issuer).unwrap();
            (cert.pem(), key.serialize_pem())
        };
        let leaf = |names, cn| leaf_with(names, cn, false);
        let (cert, key) = leaf(
            vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            "localhost",
        );
        let (wrong_cert, wrong_key) = leaf(vec!["wrong.example".into()], "wrong.example");
        let (expired_cert, expired_key) = leaf_with(
            vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            "localhost",
            true,
        );

        let write = |name: &str, content: &str| -> PathBuf {
            let path = p.join(name);
            std::fs::write(&path, content).unwrap();
            path
        };
        TestCerts {
            ca: write("ca.pem", &ca_cert.pem()),
            cert: write("cert.pem", &cert),
            key: write("key.pem", &key),
            combined: write("combined.pem", &format!("{cert}{key}")),
            wrong_name_cert: write("wrong.pem", &wrong_cert),
            wrong_name_key: write("wrong-key.pem", &wrong_key),
            expired_cert: write("expired.pem", &expired_cert),
            expired_key: write("expired-key.pem", &expired_key),
            _dir: dir,
        }
    }

    /// The directory holding the files.
    pub fn dir(&self) -> &Path {
        self._dir.path()
    }
}

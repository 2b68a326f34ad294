//! Test certificates made in memory with rcgen, written as PEM files into temporary
//! directories: [`TestCerts`], the set the FTP tests use (a private CA and server
//! certificates it signs), and what it is made of, for tests that need other certificates: a
//! CA that signs leaves ([`Ca`]), a self-signed certificate ([`self_signed`]) and a directory
//! for the files ([`PemDir`]).

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DistinguishedName, IsCa, Issuer, KeyPair};
pub use rcgen::{DnType, KeyUsagePurpose};

/// A certificate and its private key, as PEM text.
pub struct CertKey {
    /// The certificate.
    pub cert: String,
    /// Its private key (PKCS#8).
    pub key: String,
}

/// A private certificate authority that signs leaf certificates.
pub struct Ca {
    cert: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    /// A self-signed CA certificate with the subject `subject` (attributes in this order) and
    /// the key usages `key_usages` (none: no key usage extension).
    pub fn new(subject: &[(DnType, &str)], key_usages: &[KeyUsagePurpose]) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = distinguished_name(subject);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = key_usages.to_vec();
        let cert = params.self_signed(&key).unwrap();
        Ca {
            cert: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// The CA certificate (what a client trusts).
    pub fn cert_pem(&self) -> &str {
        &self.cert
    }

    /// A certificate signed by the CA for `names` (DNS names or IP addresses), with the
    /// subject `subject`; valid from 1 January of the first year to 1 January of the second
    /// when `years` is given, else with rcgen's default validity (1975 to 4096).
    pub fn sign(
        &self,
        subject: &[(DnType, &str)],
        names: &[&str],
        years: Option<(i32, i32)>,
    ) -> CertKey {
        let mut params = CertificateParams::new(strings(names)).unwrap();
        params.distinguished_name = distinguished_name(subject);
        if let Some((from, to)) = years {
            params.not_before = rcgen::date_time_ymd(from, 1, 1);
            params.not_after = rcgen::date_time_ymd(to, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        CertKey {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }
}

/// A self-signed certificate (not a CA) for `names` (DNS names or IP addresses), with the
/// subject `subject`, or rcgen's default subject (`CN=rcgen self signed cert`) when that is
/// empty.
pub fn self_signed(subject: &[(DnType, &str)], names: &[&str]) -> CertKey {
    let mut params = CertificateParams::new(strings(names)).unwrap();
    if !subject.is_empty() {
        params.distinguished_name = distinguished_name(subject);
    }
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    CertKey {
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

fn distinguished_name(subject: &[(DnType, &str)]) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    for (attribute, value) in subject {
        dn.push(attribute.clone(), *value);
    }
    dn
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// A temporary directory for PEM files, removed when dropped.
pub struct PemDir(tempfile::TempDir);

impl PemDir {
    /// A fresh directory.
    pub fn new() -> PemDir {
        PemDir(tempfile::tempdir().expect("temp dir"))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// Writes `contents` to the file `name` in the directory; returns its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Default for PemDir {
    fn default() -> PemDir {
        PemDir::new()
    }
}

/// A CA, a server certificate for `localhost`, `127.0.0.1` and `::1`, and one for another
/// name (to test name mismatch), as PEM files.
pub struct TestCerts {
    _dir: PemDir,
    /// The CA certificate (what a client trusts with `--ca-file`).
    pub ca: PathBuf,
    /// The server certificate chain (leaf).
    pub cert: PathBuf,
    /// The server's private key.
    pub key: PathBuf,
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
        let dir = PemDir::new();
        // vsftpd drops privileges; the files must be readable by anyone.
        #[cfg(unix)]
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();

        let ca = Ca::new(&[(DnType::CommonName, "ftpkit test CA")], &[]);
        let loopback = ["localhost", "127.0.0.1", "::1"];
        let leaf = ca.sign(&[(DnType::CommonName, "localhost")], &loopback, None);
        let wrong = ca.sign(
            &[(DnType::CommonName, "wrong.example")],
            &["wrong.example"],
            None,
        );
        let expired = ca.sign(
            &[(DnType::CommonName, "localhost")],
            &loopback,
            Some((2019, 2020)),
        );

        TestCerts {
            ca: dir.write("ca.pem", ca.cert_pem()),
            cert: dir.write("cert.pem", &leaf.cert),
            key: dir.write("key.pem", &leaf.key),
            wrong_name_cert: dir.write("wrong.pem", &wrong.cert),
            wrong_name_key: dir.write("wrong-key.pem", &wrong.key),
            expired_cert: dir.write("expired.pem", &expired.cert),
            expired_key: dir.write("expired-key.pem", &expired.key),
            _dir: dir,
        }
    }
}

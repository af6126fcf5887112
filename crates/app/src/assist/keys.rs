//! The keys that seal the register's personal data at rest (AES-256-GCM), kept outside the
//! database: a key file named by configuration (`YOUXIANG_ASSIST_KEYS`, else beside a
//! SQLite database as `<file>.assist-keys`). One key a line, `id hex64`; the last line is
//! the current key (new seals), every key still opens what it sealed, so a rotation
//! (`assist rekey`: a new key appended, every household sealed again) needs no downtime —
//! a server meeting an unknown key id reads the file again.

use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

/// The environment variable naming the key file.
pub const KEYS_ENV: &str = "YOUXIANG_ASSIST_KEYS";

/// Sealed bytes: the key's id, the nonce and the ciphertext (with its tag), base64 (not
/// hex: runs of decimal digits in hex could look like ID or phone numbers to a leak scan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub key: String,
    pub nonce: String,
    pub ct: String,
}

/// The keys, the current one last.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<(String, [u8; 32])>,
    /// The file read, to read again when a key id is unknown (a rotation elsewhere).
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("ids", &self.ids())
            .field("path", &self.path)
            .finish()
    }
}

fn random<const N: usize>() -> Result<[u8; N], String> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| format!("无法取得随机数:{e}"))?;
    Ok(b)
}

impl Keyring {
    /// Reads key-file text: `id hex64` a line, `#` comments and blank lines skipped.
    pub fn parse(text: &str) -> Result<Keyring, String> {
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (Some(id), Some(hexkey), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(format!("密钥文件第{}行应为“编号 64位十六进制”", n + 1));
            };
            let bytes = hex::decode(hexkey)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| format!("密钥文件第{}行的密钥不是64位十六进制", n + 1))?;
            if keys.iter().any(|(k, _)| k == id) {
                return Err(format!("密钥文件中编号“{id}”重复"));
            }
            keys.push((id.to_string(), bytes));
        }
        if keys.is_empty() {
            return Err("密钥文件中没有密钥".to_string());
        }
        Ok(Keyring { keys, path: None })
    }

    /// Reads a key file.
    pub fn load(path: &Path) -> Result<Keyring, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("无法读取密钥文件 {}:{e}", path.display()))?;
        let mut ring = Keyring::parse(&text)?;
        ring.path = Some(path.to_path_buf());
        Ok(ring)
    }

    /// A new key line (`k<n> hex64`) whose id is not yet in `existing`.
    fn new_line(existing: &[String]) -> Result<String, String> {
        let mut n = existing.len() + 1;
        while existing.iter().any(|k| *k == format!("k{n}")) {
            n += 1;
        }
        Ok(format!("k{n} {}\n", hex::encode(random::<32>()?)))
    }

    /// Creates the key file with one new key when it does not exist (owner-only on Unix);
    /// true when it made one.
    pub fn create_if_absent(path: &Path) -> Result<bool, String> {
        if path.exists() {
            return Ok(false);
        }
        let text = format!(
            "# 困难群众个人信息密钥(AES-256-GCM)。勿提交、勿与数据库放在同一备份中。\n{}",
            Keyring::new_line(&[])?
        );
        write_private(path, &text)?;
        Ok(true)
    }

    /// Appends a new key to the file (it becomes the current key); returns its id.
    pub fn add_key(path: &Path) -> Result<String, String> {
        let ring = Keyring::load(path)?;
        let line = Keyring::new_line(&ring.ids())?;
        let old = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let sep = if old.ends_with('\n') || old.is_empty() {
            ""
        } else {
            "\n"
        };
        write_private(path, &format!("{old}{sep}{line}"))?;
        Ok(line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string())
    }

    /// A ring of one random key (tests, a throwaway database).
    pub fn generate() -> Result<Keyring, String> {
        Keyring::parse(&Keyring::new_line(&[])?)
    }

    pub fn ids(&self) -> Vec<String> {
        self.keys.iter().map(|(k, _)| k.clone()).collect()
    }

    /// The current key's id (the last).
    pub fn current(&self) -> &str {
        &self.keys.last().expect("a ring is never empty").0
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn key(&self, id: &str) -> Option<&[u8; 32]> {
        self.keys.iter().find(|(k, _)| k == id).map(|(_, b)| b)
    }

    /// Seals `plain` under the current key, bound to `context` (the record's id).
    pub fn seal(&self, plain: &[u8], context: &str) -> Result<Sealed, String> {
        let (id, key) = self.keys.last().expect("a ring is never empty");
        let cipher = Aes256Gcm::new_from_slice(key).map_err(|e| e.to_string())?;
        let nonce = random::<12>()?;
        let ct = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| "加密失败".to_string())?;
        Ok(Sealed {
            key: id.clone(),
            nonce: B64.encode(nonce),
            ct: B64.encode(ct),
        })
    }

    /// Opens what [`Keyring::seal`] sealed under any key of the ring.
    pub fn open(&self, sealed: &Sealed, context: &str) -> Result<Vec<u8>, String> {
        let key = self
            .key(&sealed.key)
            .ok_or_else(|| format!("密钥“{}”不在密钥文件中", sealed.key))?;
        let cipher = Aes256Gcm::new_from_slice(key).map_err(|e| e.to_string())?;
        let nonce = B64
            .decode(&sealed.nonce)
            .map_err(|_| "密文损坏".to_string())?;
        let ct = B64.decode(&sealed.ct).map_err(|_| "密文损坏".to_string())?;
        let nonce: [u8; 12] = nonce
            .as_slice()
            .try_into()
            .map_err(|_| "密文损坏".to_string())?;
        cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &ct,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| "解密失败:密钥不符或密文被改动".to_string())
    }
}

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| format!("无法创建 {}:{e}", dir.display()))?;
    }
    let tmp = path.with_extension("tmp-keys");
    std::fs::write(&tmp, text).map_err(|e| format!("无法写入 {}:{e}", tmp.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| e.to_string())?;
    }
    std::fs::rename(&tmp, path).map_err(|e| format!("无法写入 {}:{e}", path.display()))
}

/// The key file for a database: `YOUXIANG_ASSIST_KEYS` when set, else beside a SQLite
/// database file (`<file>.assist-keys`); `None` for PostgreSQL without the variable.
pub fn key_path_for(db_url: &str) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(KEYS_ENV)
        && !p.trim().is_empty()
    {
        return Some(PathBuf::from(p));
    }
    let file = db_url
        .strip_prefix("sqlite://")
        .or_else(|| db_url.strip_prefix("sqlite:"))?;
    let file = file.split('?').next().unwrap_or(file);
    if file.is_empty() || file.contains(":memory:") {
        return None;
    }
    Some(PathBuf::from(format!("{file}.assist-keys")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_round_trip_and_bind_to_their_record() {
        let ring = Keyring::generate().unwrap();
        let s = ring
            .seal("张小明 330902199001011234".as_bytes(), "H1")
            .unwrap();
        assert_eq!(s.key, "k1");
        assert!(!s.ct.contains("330902"));
        assert_eq!(
            ring.open(&s, "H1").unwrap(),
            "张小明 330902199001011234".as_bytes()
        );
        assert!(ring.open(&s, "H2").is_err(), "another record's context");
        let mut bad = s.clone();
        bad.ct
            .replace_range(0..2, if &bad.ct[0..2] == "00" { "01" } else { "00" });
        assert!(ring.open(&bad, "H1").is_err(), "tampered");
    }

    #[test]
    fn a_rotation_keeps_old_seals_readable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        assert!(Keyring::create_if_absent(&path).unwrap());
        assert!(!Keyring::create_if_absent(&path).unwrap());
        let old = Keyring::load(&path).unwrap();
        let sealed = old.seal(b"secret", "H1").unwrap();
        assert_eq!(Keyring::add_key(&path).unwrap(), "k2");
        let new = Keyring::load(&path).unwrap();
        assert_eq!(new.current(), "k2");
        assert_eq!(new.open(&sealed, "H1").unwrap(), b"secret");
        let resealed = new.seal(b"secret", "H1").unwrap();
        assert_eq!(resealed.key, "k2");
        assert!(old.open(&resealed, "H1").is_err(), "the old ring lacks k2");
        assert!(Keyring::parse("k1 abc").is_err());
        assert!(Keyring::parse("# only a comment\n").is_err());
    }
}

//! Anchoring the audit trail outside the database.
//!
//! The hash chain proves that no audited row was edited in place, but someone with full
//! database access can delete the tail and move the head back consistently, or rewrite the
//! chain from some row on. An anchor is the head (sequence number and hash) at a moment,
//! signed (HMAC-SHA-256) with a key kept outside the database; `audit verify --anchor`
//! then proves that the row the anchor names still exists with the same hash. Keep anchors
//! where the database administrator cannot change them (another machine, a signed e-mail,
//! the archive), and the key away from the database's host.

use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};

use crate::{App, AppError, Result};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The signed head of the audit trail at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// The sequence number of the last audit row when anchored.
    pub seq: i64,
    /// That row's hash.
    pub hash: String,
    /// When the anchor was made (UTC).
    pub at: chrono::NaiveDateTime,
    /// HMAC-SHA-256 of `seq`, `hash` and `at` with the anchor key, hex.
    pub signature: String,
}

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

fn mac(key: &[u8], seq: i64, hash: &str, at: &chrono::NaiveDateTime) -> Result<HmacSha256> {
    if key.len() < MIN_KEY_BYTES {
        return Err(AppError::Invalid(vec![format!(
            "锚定密钥至少 {MIN_KEY_BYTES} 字节(当前 {} 字节)",
            key.len()
        )]));
    }
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(key)
        .map_err(|e| AppError::Invalid(vec![format!("锚定密钥无效:{e}")]))?;
    m.update(format!("youxiang-audit-anchor\n{seq}\n{hash}\n{at:?}").as_bytes());
    Ok(m)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

impl Anchor {
    /// Signs a head with `key`.
    pub fn sign(key: &[u8], seq: i64, hash: String, at: chrono::NaiveDateTime) -> Result<Anchor> {
        let signature = hex(&mac(key, seq, &hash, &at)?.finalize().into_bytes());
        Ok(Anchor {
            seq,
            hash,
            at,
            signature,
        })
    }

    /// Whether the signature was made with `key` over these very fields.
    pub fn is_signed_by(&self, key: &[u8]) -> Result<bool> {
        let Some(sig) = unhex(&self.signature) else {
            return Ok(false);
        };
        Ok(mac(key, self.seq, &self.hash, &self.at)?
            .verify_slice(&sig)
            .is_ok())
    }
}

impl App {
    /// Signs the current head of the audit trail (after verifying the chain: an anchor of a
    /// broken chain would vouch for it).
    pub async fn audit_anchor(&self, key: &[u8]) -> Result<Anchor> {
        let report = self.audit_verify().await?;
        if !report.ok {
            return Err(AppError::Invalid(
                std::iter::once("审计链校验未通过,不能锚定:".to_string())
                    .chain(report.problems)
                    .collect(),
            ));
        }
        Anchor::sign(
            key,
            report.head_seq,
            report.head_hash,
            chrono::Utc::now().naive_utc(),
        )
    }

    /// What an anchor proves about the audit trail now: every problem found (empty when the
    /// row it names is still there with the same hash).
    pub async fn audit_check_anchor(&self, anchor: &Anchor, key: &[u8]) -> Result<Vec<String>> {
        if !anchor.is_signed_by(key)? {
            return Ok(vec![
                "锚定文件的签名与密钥不符(文件被改动,或密钥不对)".into(),
            ]);
        }
        if anchor.seq == 0 {
            return Ok(vec![]);
        }
        Ok(match self.db.audit_row(anchor.seq).await? {
            None => vec![format!(
                "锚定时(北京时间 {})审计记录已到序号 {},现在该记录不存在:其后的记录被删除",
                youxiang_core::china_time::beijing(anchor.at).format("%Y-%m-%d %H:%M"),
                anchor.seq
            )],
            Some(row) if row.hash != anchor.hash => vec![format!(
                "审计记录 {} 的哈希与锚定时不同:审计链自此或更早处被改写",
                anchor.seq
            )],
            Some(_) => vec![],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> chrono::NaiveDateTime {
        "2026-12-04T10:00:00".parse().unwrap()
    }

    #[test]
    fn a_signature_binds_every_field_to_the_key() {
        let key = [7u8; 32];
        let a = Anchor::sign(&key, 42, "ab".repeat(32), at()).unwrap();
        assert!(a.is_signed_by(&key).unwrap());
        assert!(!a.is_signed_by(&[8u8; 32]).unwrap());
        for changed in [
            Anchor {
                seq: 41,
                ..a.clone()
            },
            Anchor {
                hash: "cd".repeat(32),
                ..a.clone()
            },
            Anchor {
                at: at() + chrono::Duration::seconds(1),
                ..a.clone()
            },
            Anchor {
                signature: "zz".into(),
                ..a.clone()
            },
        ] {
            assert!(!changed.is_signed_by(&key).unwrap(), "{changed:?}");
        }
        assert!(
            Anchor::sign(&[1u8; 8], 1, String::new(), at()).is_err(),
            "short key"
        );
    }
}

//! The password policy (GB/T 22239-2019 level 3, 身份鉴别): what a new password must be,
//! and when a stored one must be changed. Pure: the caller passes the time.

use chrono::{NaiveDateTime, TimeDelta};

/// The shortest password accepted, in characters.
pub const MIN_CHARS: usize = 8;
/// The longest, in bytes (Argon2 hashes whatever it is given; a megabyte would be a
/// denial of service, not a password).
pub const MAX_BYTES: usize = 128;
/// How many of the four kinds (lower case, upper case, digits, other signs) it must mix.
pub const MIN_KINDS: usize = 3;
/// Days a password lasts before its owner must change it, unless configured otherwise.
pub const DEFAULT_MAX_AGE_DAYS: u32 = 90;

/// Every way `password` falls short of the policy for the user `login`, one Chinese
/// sentence each; empty when it is acceptable.
pub fn weaknesses(login: &str, password: &str) -> Vec<String> {
    let mut out = Vec::new();
    if password.chars().count() < MIN_CHARS {
        out.push(format!("密码至少 {MIN_CHARS} 个字符"));
    }
    if password.len() > MAX_BYTES {
        out.push(format!("密码不能超过 {MAX_BYTES} 字节"));
    }
    let kinds = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace()),
    ]
    .into_iter()
    .filter(|k| *k)
    .count();
    if kinds < MIN_KINDS {
        out.push(format!(
            "密码须包含小写字母、大写字母、数字、符号中的至少 {MIN_KINDS} 类"
        ));
    }
    let login = login.trim().to_lowercase();
    if login.chars().count() >= 3 && password.to_lowercase().contains(&login) {
        out.push("密码不能包含登录名".into());
    }
    if password.chars().any(char::is_control) {
        out.push("密码不能包含控制字符".into());
    }
    out
}

/// Why a stored password must be changed before anything else, if it must.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeDue {
    /// Someone else (the security administrator) set it: its owner must choose their own.
    SetByAnother,
    /// It is older than the maximum age.
    Expired,
}

impl ChangeDue {
    pub fn label_zh(self) -> &'static str {
        match self {
            ChangeDue::SetByAnother => "密码由管理员设置,须先修改为您自己的密码",
            ChangeDue::Expired => "密码已超过有效期,须先修改密码",
        }
    }
}

/// Whether a password set at `set_at` (UTC; `None` when unknown) must be changed at `now`.
/// A `max_age_days` of 0 means passwords never expire.
pub fn change_due(
    must_change: bool,
    set_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
    max_age_days: u32,
) -> Option<ChangeDue> {
    if must_change {
        return Some(ChangeDue::SetByAnother);
    }
    let set_at = set_at?;
    (max_age_days > 0 && now - set_at >= TimeDelta::days(i64::from(max_age_days)))
        .then_some(ChangeDue::Expired)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_mixes_three_kinds_and_is_long_enough() {
        assert!(weaknesses("li", "Demo@2025").is_empty());
        assert!(weaknesses("li", "abcDEF12").is_empty());
        assert!(weaknesses("li", "安全Pass12").is_empty());
        assert_eq!(weaknesses("li", "Ab1!").len(), 1, "too short only");
        let w = weaknesses("li", "demo2025");
        assert_eq!(w.len(), 1, "two kinds only: {w:?}");
        assert!(w[0].contains("至少 3 类"));
        assert!(!weaknesses("li", "abcdefgh").is_empty());
        assert!(!weaknesses("li", &"Aa1!".repeat(40)).is_empty(), "too long");
    }

    #[test]
    fn a_password_does_not_contain_the_login() {
        assert!(!weaknesses("office", "Office@2025").is_empty());
        assert!(!weaknesses("town1", "my-TOWN1-pw").is_empty());
        // Too short a login to matter.
        assert!(weaknesses("li", "Li@2025xyz").is_empty());
        assert!(
            !weaknesses("li", "Ab1!\u{7}xyzw").is_empty(),
            "control character"
        );
    }

    #[test]
    fn a_password_is_changed_when_set_by_another_or_too_old() {
        let t = |d: &str| {
            NaiveDateTime::parse_from_str(&format!("{d} 08:00:00"), "%Y-%m-%d %H:%M:%S").unwrap()
        };
        let now = t("2026-12-04");
        assert_eq!(
            change_due(true, Some(now), now, 90),
            Some(ChangeDue::SetByAnother)
        );
        assert_eq!(
            change_due(false, Some(t("2026-09-05")), now, 90),
            Some(ChangeDue::Expired)
        );
        assert_eq!(change_due(false, Some(t("2026-09-06")), now, 90), None);
        assert_eq!(
            change_due(false, Some(t("2020-01-01")), now, 0),
            None,
            "never expires"
        );
        assert_eq!(change_due(false, None, now, 90), None, "unknown age");
    }
}

//! Where a command-line action comes from: `cli:<os-user>@<host>`, the origin every audit row
//! the command line appends is marked with (the web marks none: its user signed in).
//!
//! The user is the process's real uid (from `/proc/self/status`, not the environment), named
//! through `/etc/passwd`; failing that `$USER`, then `uid <n>`. The host is `/etc/hostname`
//! (or the kernel's hostname, then `$HOSTNAME`).

/// `cli:<os-user>@<host>` of this process.
pub fn cli_origin() -> String {
    format!("cli:{}@{}", os_user(), host())
}

/// An audit row's origin as the `audit` table shows it: `命令行 root@host`, or `网页` for a
/// row without one (the signed-in user through the web).
pub fn label(origin: Option<&str>) -> String {
    match origin {
        None => "网页".to_string(),
        Some(o) => match o.strip_prefix("cli:") {
            Some(who) => format!("命令行 {who}"),
            None => o.to_string(),
        },
    }
}

fn os_user() -> String {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| real_uid(&s));
    if let Some(name) = uid.and_then(|uid| {
        std::fs::read_to_string("/etc/passwd")
            .ok()
            .and_then(|p| passwd_name(&p, uid))
    }) {
        return name;
    }
    if let Some(user) = std::env::var("USER")
        .ok()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
    {
        return user;
    }
    match uid {
        Some(uid) => format!("uid {uid}"),
        None => "未知用户".to_string(),
    }
}

fn host() -> String {
    ["/etc/hostname", "/proc/sys/kernel/hostname"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .chain(std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .find(|h| !h.is_empty())
        .unwrap_or_else(|| "未知主机".to_string())
}

/// The real uid (the first number of the `Uid:` line) of a `/proc/<pid>/status` text.
fn real_uid(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// The login name of `uid` in a `/etc/passwd` text.
fn passwd_name(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let _password = fields.next()?;
        let id: u32 = fields.next()?.parse().ok()?;
        (id == uid && !name.is_empty() && !name.starts_with('#')).then(|| name.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_uid_is_named_from_passwd() {
        let status = "Name:\tyouxiang\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t1000\t0\t0\t0\n";
        assert_eq!(
            real_uid(status),
            Some(1000),
            "the real uid, not the effective"
        );
        assert_eq!(real_uid("Name:\tx\n"), None);
        let passwd =
            "root:x:0:0:root:/root:/bin/bash\n# a comment\nli:x:1000:1000:李四:/home/li:/bin/sh\n";
        assert_eq!(passwd_name(passwd, 1000).as_deref(), Some("li"));
        assert_eq!(passwd_name(passwd, 0).as_deref(), Some("root"));
        assert_eq!(passwd_name(passwd, 42), None);
        let origin = cli_origin();
        assert!(
            origin.starts_with("cli:") && origin.contains('@'),
            "{origin}"
        );
        assert_eq!(label(Some("cli:li@host-1")), "命令行 li@host-1");
        assert_eq!(label(None), "网页");
    }
}

//! Helpers shared by the tests of every crate (a dev-dependency only): skipping loudly, and
//! small plan and place fixtures.
//!
//! A test that cannot run its check on this machine (a shared data file, a font, a tool is
//! absent) calls [`skip`] instead of returning quietly. Outside CI that prints a
//! `SKIPPED [key]: why` line and the test returns. Under CI (`CI=true`) a skip is a failure
//! unless its key is named in the allow-list `scripts/ci-skips-allowed`, which
//! `scripts/test` passes on as `YOUXIANG_CI_SKIPS_ALLOWED`: a suite that can skip a check
//! and still pass cannot be trusted to have run it.

use std::fmt::Display;
use std::path::{Path, PathBuf};

/// Whether this run is a CI run (`CI=true`, as CI systems set it).
pub fn under_ci() -> bool {
    matches!(
        std::env::var("CI")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Ok("true" | "1" | "yes")
    )
}

/// Whether the CI allow-list names `key`.
pub fn skip_allowed(key: &str) -> bool {
    std::env::var("YOUXIANG_CI_SKIPS_ALLOWED")
        .map(|list| list.split([' ', ',', '\n']).any(|k| k == key))
        .unwrap_or(false)
}

/// Records that the rest of the calling test does not run here, and why. Under CI, panics
/// unless `key` is allowed to skip. The caller returns right after.
#[track_caller]
pub fn skip(key: &str, why: impl Display) {
    let line = format!("SKIPPED [{key}]: {why}");
    if under_ci() && !skip_allowed(key) {
        panic!(
            "{line}\nUnder CI a skipped check is a failure: install what it needs, or name \
             `{key}` in scripts/ci-skips-allowed with the reason."
        );
    }
    eprintln!("{line}");
}

/// The repository root (this crate lives in `crates/testkit`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A scratch directory for one test, removed when the value is dropped. Its name carries
/// the test process's id, so that [`scratch_dir`] can sweep what a killed test run left
/// behind (a CI machine's disk is not ours to fill).
pub fn scratch_dir(label: &str) -> tempfile::TempDir {
    assert!(!label.contains('-'), "a scratch label has no dash: {label}");
    sweep_dead_scratch();
    tempfile::Builder::new()
        .prefix(&format!("youxiang-{label}-{}-", std::process::id()))
        .tempdir()
        .expect("a scratch directory under the system's temporary folder")
}

/// Removes `youxiang-<label>-<pid>-…` directories of test processes that no longer run.
/// Once per process; best effort (another process may be sweeping at the same moment).
fn sweep_dead_scratch() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(rest) = name.strip_prefix("youxiang-") else {
                continue;
            };
            // `<label>-<pid>-<random>`: labels have no dash.
            let mut parts = rest.splitn(3, '-');
            let (Some(_label), Some(pid), Some(_random)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let Ok(pid) = pid.parse::<u32>() else {
                continue;
            };
            if cfg!(target_os = "linux") && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    });
}

/// A file built once for a test binary and shared by every process that runs it.
///
/// nextest runs each test in a process of its own, so a `OnceLock` builds a costly fixture
/// (the demo database: a minute and more in a debug build) once per *test*. This keys the file
/// by the test binary itself (its size and modification time): every process of one build
/// shares it, a rebuilt binary builds it afresh. One builder at a time, under a lock file;
/// the file appears by rename, so no reader sees it half written. Older keys' files of the
/// same name are removed by the next builder.
///
/// `build` writes the file at the path it is given (a fresh temporary name in the cache
/// folder) and returns once it is complete.
pub fn built_once(name: &str, build: impl FnOnce(&Path)) -> PathBuf {
    assert!(
        !name.contains('-') && !name.contains('/'),
        "a cached file's name has no dash or slash: {name}"
    );
    let dir = std::env::temp_dir().join("youxiang-built-once");
    std::fs::create_dir_all(&dir).expect("the cache folder under the temporary folder");
    let key = binary_key();
    let path = dir.join(format!("{name}-{key}"));
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(format!("{name}.lock")))
        .expect("the cache's lock file");
    lock.lock().expect("the cache's lock");
    if !path.exists() {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let n = entry.file_name();
                let n = n.to_string_lossy();
                // Another build's file, unless it is recent: a test run of another build
                // (another checkout) may be copying it right now.
                let stale = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > std::time::Duration::from_secs(6 * 3600));
                if n.starts_with(&format!("{name}-")) && stale {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        let partial = dir.join(format!("{name}.partial.{}", std::process::id()));
        build(&partial);
        std::fs::rename(&partial, &path).expect("the built file moved into place");
    }
    drop(lock);
    path
}

/// Waits (up to five seconds) for SQLite's `<path>-wal` to be gone: closing the last
/// connection checkpoints the log into the file, so a copy of the file alone is complete.
pub fn wait_for_sqlite_checkpoint(path: &Path) {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    for _ in 0..100 {
        if !wal.exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Copies a SQLite database (with its `-wal` and `-shm` files when present) to `to`.
pub fn copy_sqlite(from: &Path, to: &Path) {
    for s in ["", "-wal", "-shm"] {
        let f = format!("{}{s}", from.display());
        let t = format!("{}{s}", to.display());
        let _ = std::fs::remove_file(&t);
        if Path::new(&f).exists() {
            std::fs::copy(&f, &t).expect("copy the database");
        }
    }
}

/// This test binary's identity for [`built_once`]: its length and modification time.
fn binary_key() -> String {
    let exe = std::env::current_exe().expect("the test binary's path");
    let meta = std::fs::metadata(&exe).expect("the test binary's metadata");
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let stem = exe
        .file_name()
        .map(|s| s.to_string_lossy().replace('-', "_"))
        .unwrap_or_default();
    format!("{stem}_{}_{modified}", meta.len())
}

/// `../shared/<rel>` from the repository root when it exists; otherwise records the skip
/// (key `shared-data`) and gives `None`.
#[track_caller]
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = repo_root().join("../shared").join(rel);
    if p.exists() {
        Some(p)
    } else {
        skip("shared-data", format!("{} is absent", p.display()));
        None
    }
}

/// A plan (place `330902`, 2022–2027) whose indicators are the given codes, each yearly,
/// `latest`, taking any finite number; and a tree of the plan's place with the given places
/// right below it. For tests of the layers below the plan (the store, the engine) that need
/// checked writes but not the Dinghai plan.
pub fn simple_plan_and_tree(
    indicators: &[String],
    places: &[String],
) -> (youxiang_core::Plan, youxiang_core::place::PlaceTree) {
    use youxiang_core::place::{Level, Place, PlaceTree};
    use youxiang_core::plan::{Aggregation, Indicator, IndicatorSource, Plan, Polarity};
    let plan = Plan {
        code: "test-plan".into(),
        name: "测试方案".into(),
        issuer: "定海区人民政府".into(),
        place: "330902".into(),
        published: String::new(),
        baseline_year: 2022,
        target_years: vec![2025, 2027],
        version: 1,
        domains: vec![],
        indicators: indicators
            .iter()
            .map(|code| Indicator {
                code: code.clone(),
                name: code.clone(),
                unit: "个".into(),
                domain: "YY".into(),
                polarity: Polarity::HigherIsBetter,
                aggregation: Aggregation::Latest,
                accumulation: Default::default(),
                frequency: youxiang_core::period::PeriodKind::Year,
                flow: Default::default(),
                report_level: None,
                milestone: false,
                lead_unit: "区卫健局".into(),
                partner_units: vec![],
                limit: None,
                source: IndicatorSource::Table { seq: 1 },
                data_source: String::new(),
                definition: String::new(),
                baseline: youxiang_core::Target::parse("1").expect("baseline"),
                targets: Default::default(),
                note: String::new(),
            })
            .collect(),
        tasks: vec![],
        projects: vec![],
        revisions: vec![],
    };
    let place = |code: &str, parent: Option<&str>, level| Place {
        code: code.into(),
        name: format!("地点{code}"),
        level,
        parent: parent.map(Into::into),
        lon: None,
        lat: None,
        population: Default::default(),
    };
    let mut all = vec![place("330902", None, Level::County)];
    all.extend(
        places
            .iter()
            .map(|c| place(c, Some("330902"), Level::Other)),
    );
    (plan, PlaceTree::build(all).expect("a tree"))
}

/// The committed Dinghai places (`data/dinghai-places.csv`: real towns, villages,
/// populations 2022–2025), read plainly (the file has no quoted fields) for tests and
/// benchmarks below the readers of `ingest`.
pub fn dinghai_tree() -> youxiang_core::place::PlaceTree {
    use youxiang_core::place::{Level, Place, PlaceTree};
    let text = std::fs::read_to_string(repo_root().join("data/dinghai-places.csv"))
        .expect("data/dinghai-places.csv");
    let places = text
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            Place {
                code: f[0].into(),
                name: f[1].into(),
                level: Level::parse(f[2]).expect("level"),
                parent: (!f[3].is_empty()).then(|| f[3].to_string()),
                lon: f[4].parse().ok(),
                lat: f[5].parse().ok(),
                population: (0..4)
                    .map(|i| (2022 + i as i32, f[6 + i].parse().expect("population")))
                    .collect(),
            }
        })
        .collect();
    PlaceTree::build(places).expect("the Dinghai places form a tree")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allow_list_is_split_on_spaces_commas_and_lines() {
        // SAFETY: the only test of this crate: nothing reads the environment concurrently.
        let old = std::env::var("YOUXIANG_CI_SKIPS_ALLOWED").ok();
        unsafe { std::env::set_var("YOUXIANG_CI_SKIPS_ALLOWED", "libreoffice,a b\nc") };
        assert!(skip_allowed("libreoffice") && skip_allowed("b") && skip_allowed("c"));
        assert!(!skip_allowed("libre") && !skip_allowed("shared-data"));
        match old {
            Some(v) => unsafe { std::env::set_var("YOUXIANG_CI_SKIPS_ALLOWED", v) },
            None => unsafe { std::env::remove_var("YOUXIANG_CI_SKIPS_ALLOWED") },
        }
    }
}

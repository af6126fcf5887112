//! Finding and loading a CJK font for the PDF.

use crate::ReportError;
use skrifa::raw::FileRef;
use skrifa::{MetadataProvider, string::StringId};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The environment variable that names a font file (TTF, OTF or TTC) to use.
pub const FONT_ENV: &str = "YOUXIANG_CJK_FONT";
/// Optional: the bold face's file.
pub const FONT_BOLD_ENV: &str = "YOUXIANG_CJK_FONT_BOLD";

/// One face of a font file: for a collection (.ttc) the index of the face in it.
#[derive(Clone)]
pub struct FontFace {
    /// Where it was read from.
    pub path: PathBuf,
    /// The face's index in a collection (0 for a single font).
    pub index: u32,
    /// The face's family name, e.g. `Noto Sans CJK SC`.
    pub family: String,
    pub(crate) data: Arc<Vec<u8>>,
}

impl std::fmt::Debug for FontFace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontFace")
            .field("path", &self.path)
            .field("index", &self.index)
            .field("family", &self.family)
            .finish()
    }
}

impl FontFace {
    /// Loads a font file. For a collection, picks the Simplified Chinese face (family name
    /// ending in `SC`, or containing `GB`/`Hei`/`Song`) when there is one, else the first
    /// face that has Chinese glyphs. Fails when the file has no face that maps `中`.
    pub fn load(path: &Path) -> Result<FontFace, ReportError> {
        let data = std::fs::read(path)
            .map_err(|e| ReportError::Font(format!("无法读取字体文件 {}: {e}", path.display())))?;
        Self::from_bytes(path.to_path_buf(), data)
    }

    /// Like [`FontFace::load`] from bytes already read; `path` is only for messages.
    pub fn from_bytes(path: PathBuf, data: Vec<u8>) -> Result<FontFace, ReportError> {
        let (index, family) = {
            let file = FileRef::new(&data).map_err(|e| {
                ReportError::Font(format!("{} 不是可用的字体文件: {e}", path.display()))
            })?;
            let mut best: Option<(u32, String, i32)> = None;
            for (i, f) in file.fonts().enumerate() {
                let Ok(f) = f else { continue };
                if f.charmap().map('中').is_none() {
                    continue;
                }
                let family = f
                    .localized_strings(StringId::FAMILY_NAME)
                    .english_or_first()
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                let mono = family.contains("Mono");
                let score = if family.ends_with(" SC") || family.contains("SC ") {
                    3
                } else if family.contains("GB") || family.contains("Hei") || family.contains("Song")
                {
                    2
                } else {
                    1
                } - if mono { 2 } else { 0 };
                if best.as_ref().is_none_or(|b| score > b.2) {
                    best = Some((i as u32, family, score));
                }
            }
            let Some((i, fam, _)) = best else {
                return Err(ReportError::Font(format!(
                    "字体文件 {} 不含中文字形。{}",
                    path.display(),
                    install_hint()
                )));
            };
            (i, fam)
        };
        Ok(FontFace {
            path,
            index,
            family,
            data: Arc::new(data),
        })
    }
}

/// The fonts the PDF is set in: a regular face and, when found, a bold one for headings.
#[derive(Debug, Clone)]
pub struct FontSource {
    /// Body text.
    pub regular: FontFace,
    /// Headings; the regular face is used when `None`.
    pub bold: Option<FontFace>,
}

impl FontSource {
    /// Uses one font file for everything (bold comes from the same face).
    pub fn from_file(path: impl AsRef<Path>) -> Result<FontSource, ReportError> {
        let regular = FontFace::load(path.as_ref())?;
        let bold = bold_sibling(path.as_ref()).and_then(|p| FontFace::load(&p).ok());
        Ok(FontSource { regular, bold })
    }
}

/// `NotoSansCJK-Regular.ttc` → `NotoSansCJK-Bold.ttc` when that file exists.
fn bold_sibling(p: &Path) -> Option<PathBuf> {
    let name = p.file_name()?.to_str()?;
    if !name.contains("Regular") {
        return None;
    }
    let b = p.with_file_name(name.replace("Regular", "Bold"));
    b.exists().then_some(b)
}

fn install_hint() -> String {
    format!(
        "请安装中文字体：Debian/Ubuntu 执行 `apt-get install fonts-noto-cjk`（或 fonts-wqy-zenhei）；\
         或设置环境变量 {FONT_ENV}=/path/to/font.ttc 指向一个含中文字形的 TTF/OTF/TTC 字体文件。"
    )
}

/// Well-known places of CJK fonts on Linux, best first.
const KNOWN: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/adobe-source-han-sans/SourceHanSansCN-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:\\Windows\\Fonts\\msyh.ttc",
    "C:\\Windows\\Fonts\\simhei.ttf",
];

/// File name fragments that mark a CJK font when scanning font folders.
const HINTS: &[&str] = &[
    "notosanscjk",
    "sourcehansans",
    "wqy",
    "notoserifcjk",
    "sourcehanserif",
    "droidsansfallback",
    "simhei",
    "simsun",
    "msyh",
    "uming",
    "ukai",
];

/// Finds a CJK font on this system: first the file named by `YOUXIANG_CJK_FONT` (and
/// `YOUXIANG_CJK_FONT_BOLD`), then the usual Debian/Fedora/macOS/Windows paths, then a scan
/// of the font folders for a file whose name marks a CJK font. When none is found the error
/// says to install `fonts-noto-cjk` or to set `YOUXIANG_CJK_FONT`.
pub fn find_cjk_font() -> Result<FontSource, ReportError> {
    let env = std::env::var_os(FONT_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let env_bold = std::env::var_os(FONT_BOLD_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let mut dirs: Vec<PathBuf> = vec!["/usr/share/fonts".into(), "/usr/local/share/fonts".into()];
    if let Some(h) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(&h).join(".local/share/fonts"));
        dirs.push(PathBuf::from(&h).join(".fonts"));
    }
    find_in(env, env_bold, KNOWN, &dirs)
}

/// [`find_cjk_font`] with its inputs given, for tests.
pub(crate) fn find_in(
    env: Option<PathBuf>,
    env_bold: Option<PathBuf>,
    known: &[&str],
    dirs: &[PathBuf],
) -> Result<FontSource, ReportError> {
    if let Some(p) = env {
        let regular = FontFace::load(&p)
            .map_err(|e| ReportError::Font(format!("环境变量 {FONT_ENV} 指向的字体不可用：{e}")))?;
        let bold = match env_bold {
            Some(b) => Some(FontFace::load(&b)?),
            None => bold_sibling(&p).and_then(|b| FontFace::load(&b).ok()),
        };
        return Ok(FontSource { regular, bold });
    }
    for k in known {
        let p = Path::new(k);
        if p.is_file()
            && let Ok(f) = FontSource::from_file(p)
        {
            return Ok(f);
        }
    }
    let mut found = Vec::new();
    for d in dirs {
        scan(d, 0, &mut found);
    }
    found.sort_by_key(|p| {
        let n = p.to_string_lossy().to_lowercase();
        (
            HINTS.iter().position(|h| n.contains(h)).unwrap_or(99),
            !n.contains("regular"),
            n,
        )
    });
    for p in found {
        if let Ok(f) = FontSource::from_file(&p) {
            return Ok(f);
        }
    }
    Err(ReportError::Font(format!(
        "未找到中文（CJK）字体，无法生成 PDF。{}",
        install_hint()
    )))
}

fn scan(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 4 {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            scan(&p, depth + 1, out);
        } else {
            let n = p.to_string_lossy().to_lowercase();
            let ext_ok = [".ttf", ".otf", ".ttc", ".otc"]
                .iter()
                .any(|x| n.ends_with(x));
            if ext_ok && HINTS.iter().any(|h| n.contains(h)) && !n.contains("bold") {
                out.push(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_font_names_the_package_and_the_variable() {
        let e = find_in(None, None, &[], &[]).unwrap_err().to_string();
        assert!(e.contains("fonts-noto-cjk"), "{e}");
        assert!(e.contains("YOUXIANG_CJK_FONT"), "{e}");
    }

    #[test]
    fn a_bad_env_font_is_reported_with_its_path() {
        let e = find_in(Some("/nonexistent/font.ttc".into()), None, &[], &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/nonexistent/font.ttc") && e.contains(FONT_ENV),
            "{e}"
        );
    }

    #[test]
    fn a_file_that_is_no_font_is_refused() {
        let e = FontFace::from_bytes("x.ttf".into(), b"not a font".to_vec())
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.ttf"), "{e}");
    }
}

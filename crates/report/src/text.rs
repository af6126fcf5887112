//! Text measurement with the font's own advances, and line breaking for Chinese text:
//! a break is allowed between any two CJK characters, Latin words and numbers with their
//! unit stay together, and closing punctuation never starts a line nor opening punctuation
//! ends one (禁则).

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};
use std::cell::RefCell;
use std::collections::HashMap;

/// Advances of one face, in em, cached per character.
pub struct Measurer<'a> {
    font: Option<FontRef<'a>>,
    cache: RefCell<HashMap<char, f32>>,
}

impl<'a> Measurer<'a> {
    pub fn new(data: &'a [u8], index: u32) -> Measurer<'a> {
        Measurer {
            font: FontRef::from_index(data, index).ok(),
            cache: RefCell::new(HashMap::new()),
        }
    }

    fn advance(&self, c: char) -> f32 {
        if let Some(v) = self.cache.borrow().get(&c) {
            return *v;
        }
        let v = self
            .font
            .as_ref()
            .and_then(|f| {
                let g = f.charmap().map(c)?;
                f.glyph_metrics(Size::new(1.0), LocationRef::default())
                    .advance_width(g)
            })
            .unwrap_or(if is_wide(c) { 1.0 } else { 0.55 });
        self.cache.borrow_mut().insert(c, v);
        v
    }

    /// The width of `s` at `size` points.
    pub fn width(&self, s: &str, size: f32) -> f32 {
        s.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }

    /// Breaks `s` into lines no wider than `max` points (a single unbreakable piece wider
    /// than that is cut by characters). Explicit `\n` starts a new line.
    pub fn wrap(&self, s: &str, size: f32, max: f32) -> Vec<String> {
        let mut out = Vec::new();
        for para in s.split('\n') {
            self.wrap_para(para, size, max, &mut out);
        }
        if out.is_empty() {
            out.push(String::new());
        }
        out
    }

    fn wrap_para(&self, s: &str, size: f32, max: f32, out: &mut Vec<String>) {
        let tokens = tokenize(s);
        let mut line: Vec<String> = Vec::new();
        let mut w = 0.0;
        let mut i = 0;
        while i < tokens.len() {
            let t = tokens[i];
            let tw = self.width(t, size);
            if w + tw <= max + 0.01 {
                line.push(t.to_string());
                w += tw;
                i += 1;
                continue;
            }
            if line.is_empty() {
                // one piece wider than the line: cut it by characters
                let mut cur = String::new();
                let mut cw = 0.0;
                for c in t.chars() {
                    let a = self.advance(c) * size;
                    if cw + a > max && !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                        cw = 0.0;
                    }
                    cur.push(c);
                    cw += a;
                }
                w = cw;
                line.push(cur);
                i += 1;
                continue;
            }
            // 禁则: a closing mark may not start the next line, an opening one may not end
            // this one: carry the last piece over with it.
            let starts_bad = t.chars().next().is_some_and(no_start);
            let ends_bad = line
                .last()
                .and_then(|l| l.chars().last())
                .is_some_and(no_end);
            let mut carry: Vec<String> = Vec::new();
            if starts_bad || ends_bad {
                // carry pieces over until the break is allowed (never emptying the line)
                while line.len() > 1 {
                    let next_first = carry
                        .first()
                        .map(|c: &String| c.as_str())
                        .unwrap_or(t)
                        .chars()
                        .next();
                    let last = line.last().and_then(|l| l.chars().last());
                    if next_first.is_some_and(no_start) || last.is_some_and(no_end) {
                        carry.insert(0, line.pop().unwrap_or_default());
                    } else {
                        break;
                    }
                }
            }
            out.push(line.concat().trim_end().to_string());
            line = carry;
            w = line.iter().map(|l| self.width(l, size)).sum();
            // a space does not start a line
            if t.trim().is_empty() {
                i += 1;
            }
        }
        let last = line.concat().trim_end().to_string();
        if !last.is_empty() || out.is_empty() {
            out.push(last);
        }
    }
}

pub fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF |
        0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF |
        0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x2018..=0x201F)
}

fn no_start(c: char) -> bool {
    "，。、；：！？）》」』】〕”’%‰,.;:!?)]}·…—～".contains(c)
}

fn no_end(c: char) -> bool {
    "（《「『【〔“‘([{".contains(c)
}

/// Pieces that may not be split: one CJK character, or a run of non-CJK non-space
/// characters (a number with its ASCII unit, a Latin word), or a run of spaces.
fn tokenize(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut kind = 0u8; // 0 none, 1 word, 2 space
    for (i, c) in s.char_indices() {
        let k = if is_wide(c) || "●▲■○↑↓–".contains(c) {
            3
        } else if c.is_whitespace() {
            2
        } else {
            1
        };
        if k == 3 {
            if i > start {
                out.push(&s[start..i]);
            }
            out.push(&s[i..i + c.len_utf8()]);
            start = i + c.len_utf8();
            kind = 0;
        } else if k != kind {
            if i > start {
                out.push(&s[start..i]);
            }
            start = i;
            kind = k;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Measurer, no_end, no_start, tokenize};

    /// Numbers with their decimals and percent sign are one token.
    #[test]
    fn tokens_keep_numbers_whole() {
        let t = tokenize("应达4.38个，落后6.4%");
        assert_eq!(t, vec!["应", "达", "4.38", "个", "，", "落", "后", "6.4%"]);
    }

    #[test]
    fn wrap_without_font_uses_fallback_widths() {
        let m = Measurer::new(&[], 0);
        let lines = m.wrap("一二三四五六七八九十,一二三", 10.0, 50.0);
        assert_eq!(lines[0], "一二三四五");
        // the comma never starts a line
        assert!(lines.iter().all(|l| !l.starts_with(',')), "{lines:?}");
        let joined: String = lines.concat();
        assert_eq!(joined, "一二三四五六七八九十,一二三");
    }

    #[test]
    fn kinsoku_holds_at_every_width() {
        let m = Measurer::new(&[], 0);
        let t = "无数据的单位列为“无数据”，不按零分计（见附表）。并列者名次相同，应达4.38个，实际4.10个。";
        for w in 30..200 {
            let lines = m.wrap(t, 10.0, w as f32);
            assert_eq!(lines.concat(), t, "width {w}");
            for l in &lines[1..] {
                let c = l.chars().next().unwrap();
                assert!(!no_start(c), "width {w}: line starts with {c}: {lines:?}");
            }
            for l in &lines[..lines.len() - 1] {
                let c = l.chars().last().unwrap();
                assert!(!no_end(c), "width {w}: line ends with {c}: {lines:?}");
            }
        }
    }

    #[test]
    fn long_piece_is_cut() {
        let m = Measurer::new(&[], 0);
        let lines = m.wrap("abcdefghijklmnopqrstuvwxyz", 10.0, 30.0);
        assert!(lines.len() > 3);
        assert_eq!(lines.concat(), "abcdefghijklmnopqrstuvwxyz");
    }
}

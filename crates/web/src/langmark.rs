//! Chinese passages on an English page marked `lang="zh-CN"` (WCAG 3.1.2, GB/T 37668): the
//! plan's own terms — indicator, domain, place and unit names, targets as written — stay
//! Chinese in English mode, and a screen reader must read them as Chinese. Done once, on
//! the rendered page, rather than in every template: whatever Chinese reaches an English
//! page is Chinese, wherever it came from.

/// Elements whose content is plain text (no child elements allowed) or not shown as text:
/// their Chinese is left as it is (`<title>`, `<option>` cannot hold a `<span>`).
const TEXT_ONLY: &[&str] = &["script", "style", "title", "textarea", "option"];

/// Whether `c` is Chinese: CJK ideographs, CJK punctuation and full-width forms.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FFEF}')
}

/// An English page with every run of Chinese text marked `<span lang="zh-CN">`; any other
/// page (Chinese, or a fragment without `<html lang="en">`) as it is.
pub fn mark_chinese(html: String) -> String {
    let head = html.get(..200).unwrap_or(&html);
    if !head.contains("<html lang=\"en\"") || !html.chars().any(is_cjk) {
        return html;
    }
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut rest = html.as_str();
    while !rest.is_empty() {
        // Text up to the next tag.
        let text_end = rest.find('<').unwrap_or(rest.len());
        mark_text(&rest[..text_end], &mut out);
        rest = &rest[text_end..];
        if rest.is_empty() {
            break;
        }
        // The tag itself, verbatim (attributes are not text).
        let tag_end = rest.find('>').map_or(rest.len(), |i| i + 1);
        let tag = &rest[..tag_end];
        rest = &rest[tag_end..];
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if TEXT_ONLY.contains(&name.as_str()) {
            // Copy up to the closing tag unchanged; a Chinese choice of a list is marked on
            // the `<option>` itself.
            let close = format!("</{name}");
            let end = find_ascii_ci(rest, &close).unwrap_or(rest.len());
            let content = &rest[..end];
            match tag.strip_suffix('>') {
                Some(open)
                    if name == "option"
                        && !open.contains(" lang=")
                        && content.chars().any(is_cjk) =>
                {
                    out.push_str(open);
                    out.push_str(" lang=\"zh-CN\">");
                }
                _ => out.push_str(tag),
            }
            out.push_str(content);
            rest = &rest[end..];
        } else {
            out.push_str(tag);
        }
    }
    out
}

/// The first position of `needle` (ASCII) in `hay`, ignoring ASCII case.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    (0..h.len().saturating_sub(n.len() - 1)).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// A text node's runs of Chinese wrapped: a run starts and ends with a Chinese character
/// and goes on across digits, spaces, signs and entities, but not across a Latin letter
/// (`T08 医疗机构` marks the name only; `12.5 万人次` the unit only).
fn mark_text(text: &str, out: &mut String) {
    let mut copied = 0;
    let mut run: Option<(usize, usize)> = None;
    let mut chars = text.char_indices().peekable();
    let close = |run: &mut Option<(usize, usize)>, copied: &mut usize, out: &mut String| {
        if let Some((start, end)) = run.take() {
            out.push_str(&text[*copied..start]);
            out.push_str("<span lang=\"zh-CN\">");
            out.push_str(&text[start..end]);
            out.push_str("</span>");
            *copied = end;
        }
    };
    while let Some((i, c)) = chars.next() {
        if is_cjk(c) {
            let end = i + c.len_utf8();
            run = Some(run.map_or((i, end), |(s, _)| (s, end)));
        } else if c == '&' {
            // An entity (`&amp;`) is one neutral sign, its letters no word.
            while chars
                .next_if(|(_, c)| *c != ';' && !c.is_whitespace())
                .is_some()
            {}
        } else if c.is_alphabetic() {
            close(&mut run, &mut copied, out);
        }
    }
    close(&mut run, &mut copied, out);
    out.push_str(&text[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en(body: &str) -> String {
        format!("<!doctype html>\n<html lang=\"en\">\n<body>{body}</body></html>")
    }

    #[test]
    fn chinese_runs_on_an_english_page_are_marked() {
        let got = mark_chinese(en("<td>T08 医疗卫生机构诊疗人次</td><td>12.5 万人次</td>"));
        assert_eq!(
            got,
            en(
                "<td>T08 <span lang=\"zh-CN\">医疗卫生机构诊疗人次</span></td><td>12.5 <span lang=\"zh-CN\">万人次</span></td>"
            )
        );
    }

    #[test]
    fn a_run_goes_on_across_digits_and_signs_but_stops_at_a_latin_word() {
        let got = mark_chinese(en(
            "<p>目标 ≥ 28.07\u{FF08}本地分解\u{FF09} target &amp; 基期</p>",
        ));
        assert_eq!(
            got,
            en(
                "<p><span lang=\"zh-CN\">目标 ≥ 28.07\u{FF08}本地分解\u{FF09}</span> target &amp; <span lang=\"zh-CN\">基期</span></p>"
            )
        );
    }

    #[test]
    fn attributes_and_text_only_elements_are_left_alone() {
        let page = "<!doctype html>\n<html lang=\"en\"><head><title>定海区</title></head>\
            <body><a title=\"定海\" href=\"/x\">x</a><select><option>all</option></select>\
            <script>var a = '定海';</script></body></html>";
        assert_eq!(mark_chinese(page.to_string()), page);
    }

    #[test]
    fn a_chinese_option_is_marked_on_itself() {
        let got = mark_chinese(en("<select><option value=\"T01\">T01 托位数</option>\
            <option lang=\"en\">all</option></select>"));
        assert_eq!(
            got,
            en(
                "<select><option value=\"T01\" lang=\"zh-CN\">T01 托位数</option>\
                <option lang=\"en\">all</option></select>"
            )
        );
    }

    #[test]
    fn a_chinese_page_is_unchanged() {
        let page = "<!doctype html>\n<html lang=\"zh-CN\"><body>定海区</body></html>";
        assert_eq!(mark_chinese(page.to_string()), page);
    }
}

//! Writes the sample report as HTML, PDF and Word into the folder given on the command line:
//!
//! ```sh
//! cargo run -p youxiang-report --example sample_report -- /artifacts/report
//! ```
//!
//! The PDF needs a CJK font (`apt-get install fonts-noto-cjk`, or `YOUXIANG_CJK_FONT=…`).

#[path = "../tests/sample/mod.rs"]
mod sample;

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("用法: sample_report <输出目录>")?,
    );
    std::fs::create_dir_all(&dir)?;
    let r = sample::sample();
    let stem = "定海区-2025Q3-季度分析报告";
    let html = dir.join(format!("{stem}.html"));
    std::fs::write(&html, youxiang_report::render_html(&r))?;
    println!("{}", html.display());
    let docx = dir.join(format!("{stem}.docx"));
    std::fs::write(&docx, youxiang_report::render_docx(&r)?)?;
    println!("{}", docx.display());
    let fonts = youxiang_report::find_cjk_font()?;
    let pdf = dir.join(format!("{stem}.pdf"));
    let bytes = youxiang_report::render_pdf(&r, &fonts)?;
    std::fs::write(&pdf, &bytes)?;
    println!(
        "{} ({} 字节, 字体 {} #{} {})",
        pdf.display(),
        bytes.len(),
        fonts.regular.path.display(),
        fonts.regular.index,
        fonts.regular.family
    );
    std::fs::write(dir.join("sample.json"), serde_json::to_string_pretty(&r)?)?;
    Ok(())
}

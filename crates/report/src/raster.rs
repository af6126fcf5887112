//! Rasterises a chart [`Drawing`] to PNG (for the Word document) with tiny-skia; text is
//! drawn from the CJK font's own glyph outlines (skrifa), so no other font machinery is
//! needed.

use crate::draw::{Drawing, Rgb, Shape};
use crate::font::{FontFace, FontSource};
use crate::text::Measurer;
use skrifa::instance::{LocationRef, Size};
use skrifa::outline::{DrawSettings, OutlinePen};
use skrifa::{FontRef, MetadataProvider};
use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Rect, Stroke, StrokeDash, Transform};

struct Pen<'a> {
    pb: &'a mut PathBuilder,
    x: f32,
    y: f32,
}

impl OutlinePen for Pen<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        self.pb.move_to(self.x + x, self.y - y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.pb.line_to(self.x + x, self.y - y);
    }
    fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
        self.pb
            .quad_to(self.x + cx0, self.y - cy0, self.x + x, self.y - y);
    }
    fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
        self.pb.cubic_to(
            self.x + cx0,
            self.y - cy0,
            self.x + cx1,
            self.y - cy1,
            self.x + x,
            self.y - y,
        );
    }
    fn close(&mut self) {
        self.pb.close();
    }
}

fn paint(c: Rgb) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(c.0, c.1, c.2, 255);
    p.anti_alias = true;
    p
}

struct Face<'a> {
    font: FontRef<'a>,
    m: Measurer<'a>,
}

impl<'a> Face<'a> {
    fn new(f: &'a FontFace) -> Option<Face<'a>> {
        Some(Face {
            font: FontRef::from_index(&f.data, f.index).ok()?,
            m: Measurer::new(&f.data, f.index),
        })
    }
}

/// The drawing as a PNG at `scale` pixels per point, on white.
pub fn png(d: &Drawing, fonts: &FontSource, scale: f32) -> Option<Vec<u8>> {
    let reg = Face::new(&fonts.regular)?;
    let bold = fonts.bold.as_ref().and_then(Face::new);
    let w = (d.w * scale).ceil() as u32;
    let h = (d.h * scale).ceil() as u32;
    let mut pm = Pixmap::new(w, h)?;
    pm.fill(tiny_skia::Color::WHITE);
    let ts = Transform::from_scale(scale, scale);
    for s in &d.shapes {
        match s {
            Shape::Rect {
                fill,
                stroke,
                x,
                y,
                w,
                h,
            } => {
                let Some(r) = Rect::from_xywh(*x, *y, w.max(0.01), h.max(0.01)) else {
                    continue;
                };
                if let Some(c) = fill {
                    pm.fill_rect(r, &paint(*c), ts, None);
                }
                if let Some((c, sw)) = stroke {
                    let path = PathBuilder::from_rect(r);
                    let st = Stroke {
                        width: *sw,
                        ..Default::default()
                    };
                    pm.stroke_path(&path, &paint(*c), &st, ts, None);
                }
            }
            Shape::Line {
                pts,
                width,
                color,
                dash,
            } => {
                let mut pb = PathBuilder::new();
                for (k, (x, y)) in pts.iter().enumerate() {
                    if k == 0 {
                        pb.move_to(*x, *y);
                    } else {
                        pb.line_to(*x, *y);
                    }
                }
                if let Some(path) = pb.finish() {
                    let st = Stroke {
                        width: *width,
                        dash: if *dash {
                            StrokeDash::new(vec![4.0, 3.0], 0.0)
                        } else {
                            None
                        },
                        ..Default::default()
                    };
                    pm.stroke_path(&path, &paint(*color), &st, ts, None);
                }
            }
            Shape::Dot { x, y, r, color } => {
                if let Some(path) = PathBuilder::from_circle(*x, *y, *r) {
                    pm.fill_path(&path, &paint(*color), FillRule::Winding, ts, None);
                }
            }
            Shape::Text {
                x,
                y,
                size,
                bold: b,
                color,
                anchor,
                text,
            } => {
                let face = if *b {
                    bold.as_ref().unwrap_or(&reg)
                } else {
                    &reg
                };
                let width = face.m.width(text, *size);
                let mut cx = anchor.left(*x, width);
                let outlines = face.font.outline_glyphs();
                let cmap = face.font.charmap();
                let mut pb = PathBuilder::new();
                for ch in text.chars() {
                    if let Some(g) = cmap.map(ch).and_then(|gid| outlines.get(gid)) {
                        let mut pen = Pen {
                            pb: &mut pb,
                            x: cx,
                            y: *y,
                        };
                        let _ = g.draw(
                            DrawSettings::unhinted(Size::new(*size), LocationRef::default()),
                            &mut pen,
                        );
                    }
                    cx += face.m.width(ch.encode_utf8(&mut [0; 4]), *size);
                }
                if let Some(path) = pb.finish() {
                    pm.fill_path(&path, &paint(*color), FillRule::Winding, ts, None);
                }
            }
        }
    }
    pm.encode_png().ok()
}

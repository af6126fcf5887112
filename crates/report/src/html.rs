//! The HTML page: one self-contained document, inline CSS and SVG, no script.

use crate::draw::{self, esc};
use crate::{Light, QuarterlyReport, RankChange, fmt};
use std::fmt::Write as _;

const CSS: &str = r#"
:root { --green:#1a7f37; --yellow:#9a6700; --red:#c62828; --grey:#6e7781; --accent:#0b5cad; --line:#d0d7de; --muted:#57606a; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif; color:#1f2328; margin:0; background:#f6f8fa; line-height:1.7; }
main { max-width: 960px; margin: 0 auto; background:#fff; padding: 2rem 2.5rem 3rem; }
header.title { text-align:center; border-bottom: 2px solid #1f2328; padding-bottom: .8rem; margin-bottom: 1rem; }
h1 { font-size: 1.6rem; margin: .2rem 0 .4rem; }
.meta { color: var(--muted); font-size: .9rem; margin: .1rem 0; }
.note { color: var(--red); font-weight: bold; }
h2 { color: var(--accent); font-size: 1.3rem; border-bottom: 1px solid var(--accent); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .3rem; }
.counts { color: var(--muted); font-size: .85rem; margin: 0 0 .4rem; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: .7rem; margin: .8rem 0; }
.kpi { border: 1px solid var(--line); border-top: 4px solid; border-radius: 4px; text-align: center; padding: .4rem; }
.kpi b { font-size: 2rem; display: block; line-height: 1.2; }
.l-green { color: var(--green); } .l-yellow { color: var(--yellow); } .l-red { color: var(--red); } .l-no_data { color: var(--grey); }
.kpi.l-green { border-top-color: var(--green); } .kpi.l-yellow { border-top-color: var(--yellow); }
.kpi.l-red { border-top-color: var(--red); } .kpi.l-no_data { border-top-color: var(--grey); }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .4rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: .25rem .45rem; vertical-align: top; text-align: left; }
thead th { background: #eef2f6; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.c { text-align: center; white-space: nowrap; }
tr.total td { font-weight: bold; background: #f6f8fa; }
.light { font-weight: bold; white-space: nowrap; }
.missing { color: var(--red); font-weight: bold; }
.up { color: var(--green); } .down { color: var(--red); } .flag { color: var(--red); }
table.lagtab { table-layout: fixed; }
table.lagtab td { overflow-wrap: anywhere; }
.rule, .small { color: var(--muted); font-size: .82rem; }
figure { margin: 1rem 0; text-align: center; }
figure svg { width: 100%; height: auto; }
th { white-space: nowrap; }
figcaption { color: var(--muted); font-size: .85rem; }
.trends { display: grid; grid-template-columns: 1fr 1fr; gap: .6rem 1.2rem; }
details { text-align: left; font-size: .85rem; }
ol.points li { margin: .25rem 0; }
footer { margin-top: 2rem; text-align: right; }
@media (max-width: 700px) { main { padding: 1rem; } .kpis { grid-template-columns: repeat(2, 1fr); } .trends { grid-template-columns: 1fr; } .wide { overflow-x: auto; } }
@page { size: A4; margin: 18mm 16mm 18mm; }
@media print {
  body { background: #fff; font-size: 10.5pt; }
  table { font-size: 8.5pt; }
  main { max-width: none; padding: 0; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, figure, .kpis, .lag { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  details { display: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

fn light_class(l: Light) -> &'static str {
    match l {
        Light::Green => "l-green",
        Light::Yellow => "l-yellow",
        Light::Red => "l-red",
        Light::NoData => "l-no_data",
    }
}

fn light_td(l: Light) -> String {
    format!(
        r#"<td class="c"><span class="light {}">{}</span></td>"#,
        light_class(l),
        esc(&fmt::light(l))
    )
}

fn figure(d: &draw::Drawing, table: Option<String>) -> String {
    let mut o = format!("<figure>{}", d.to_svg());
    let _ = write!(o, "<figcaption>{}</figcaption>", esc(&d.title));
    if let Some(t) = table {
        let _ = write!(o, "<details><summary>图表数据</summary>{t}</details>");
    }
    o.push_str("</figure>");
    o
}

pub fn render(r: &QuarterlyReport) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let _ = write!(
        o,
        r#"<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header class="title">
<h1>{title}</h1>
<p class="meta">{issuer} · {quarter} · 数据截至{as_of}</p>
<p class="meta">生成时间：{gen_at}</p>
"#,
        title = esc(&r.title),
        issuer = esc(&r.issuer),
        quarter = esc(&r.quarter),
        as_of = esc(&r.as_of),
        gen_at = esc(&r.generated_at),
    );
    if let Some(n) = &r.data_note {
        let _ = writeln!(o, r#"<p class="meta note">{}</p>"#, esc(n));
    }
    o.push_str("</header>\n");

    // 一、总体情况
    let _ = writeln!(o, r#"<section id="summary"><h2>{}</h2>"#, fmt::H_SUMMARY);
    o.push_str(r#"<div class="kpis">"#);
    for l in Light::ALL {
        let _ = write!(
            o,
            r#"<div class="kpi {c}"><b>{n}<small>项</small></b><span class="{c}">{m} {lab}</span></div>"#,
            c = light_class(l),
            n = r.summary.lights.get(l),
            m = l.mark(),
            lab = esc(&draw::light_label(l)),
        );
    }
    o.push_str("</div>");
    let _ = write!(
        o,
        r#"<p class="small">统计口径：{}（共{}项）。</p><ol class="points">"#,
        esc(&r.summary.counted),
        r.summary.lights.total()
    );
    for k in &r.summary.key_points {
        let _ = write!(o, "<li>{}</li>", esc(k));
    }
    o.push_str("</ol>");
    o.push_str(&figure(&draw::domain_lights(r, 560.0), None));
    o.push_str("</section>\n");

    // 二、各领域进展
    let _ = writeln!(o, r#"<section id="domains"><h2>{}</h2>"#, fmt::H_DOMAINS);
    for (i, d) in r.domains.iter().enumerate() {
        let _ = write!(
            o,
            r#"<h3>{}{}（牵头单位：{}）</h3><p class="counts">{}</p><div class="wide"><table><thead><tr><th>编码</th><th>指标</th><th class="num">年度目标</th><th class="num">当前值</th><th class="num">序时进度</th><th>状态</th><th>说明</th></tr></thead><tbody>"#,
            fmt::ordinal(i),
            esc(&d.name),
            esc(&d.lead_unit),
            esc(&fmt::counts(&d.lights))
        );
        for x in &d.indicators {
            let _ = write!(
                o,
                r#"<tr><td class="c">{}</td><td>{}（{}）</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>{}<td>{}</td></tr>"#,
                esc(&x.code),
                esc(&x.name),
                esc(&x.unit),
                esc(&fmt::target(&x.target, &x.unit)),
                esc(&fmt::with_unit(x.value.as_deref(), &x.unit)),
                esc(&fmt::with_unit(x.expected.as_deref(), &x.unit)),
                light_td(x.light),
                esc(&x.reason)
            );
        }
        o.push_str("</tbody></table></div>");
    }
    if !r.trends.is_empty() {
        let _ = write!(
            o,
            r#"<h3>{}{}</h3><p class="small">实线为实际值，虚线为年度目标路径（按序时进度）；图中末点标注最新值及单位。</p><div class="trends">"#,
            fmt::ordinal(r.domains.len()),
            fmt::H_TRENDS
        );
        for t in &r.trends {
            let d = draw::trend(t, 300.0, 150.0);
            let mut tb = format!(
                r#"<table><thead><tr><th>期别</th><th class="num">实际值（{u}）</th><th class="num">目标路径（{u}）</th></tr></thead><tbody>"#,
                u = esc(&t.unit)
            );
            for (p, (a, g)) in t.periods.iter().zip(t.actual.iter().zip(&t.target_path)) {
                let _ = write!(
                    tb,
                    r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                    esc(p),
                    a.map(draw::short_num).unwrap_or_else(|| "—".into()),
                    g.map(draw::short_num).unwrap_or_else(|| "—".into())
                );
            }
            tb.push_str("</tbody></table>");
            o.push_str(&figure(&d, Some(tb)));
        }
        o.push_str("</div>");
    }
    o.push_str("</section>\n");

    // 三、滞后指标
    let _ = writeln!(o, r#"<section id="lagging"><h2>{}</h2>"#, fmt::H_LAGGING);
    if r.lagging.is_empty() {
        o.push_str("<p>本季度无红灯、黄灯指标。</p>");
    } else {
        o.push_str(r#"<div class="wide"><table class="lagtab"><colgroup><col style="width:16%"><col style="width:8%"><col style="width:8%"><col style="width:17%"><col style="width:9%"><col style="width:21%"><col style="width:21%"></colgroup><thead><tr><th>指标</th><th>地区</th><th>状态</th><th>当前值 / 序时进度 / 差距</th><th>牵头单位</th><th>原因</th><th>措施</th></tr></thead><tbody>"#);
        for g in &r.lagging {
            let cell = |v: &Option<String>| {
                let t = fmt::entered(v);
                if t == "未填报" {
                    r#"<td class="missing">未填报</td>"#.to_string()
                } else {
                    format!("<td>{}</td>", esc(&t))
                }
            };
            let _ = write!(
                o,
                r#"<tr class="lag"><td>{} {}</td><td>{}</td>{}<td>{} / {}<br>{}</td><td>{}</td>{}{}</tr>"#,
                esc(&g.code),
                esc(&g.name),
                esc(&g.place),
                light_td(g.light),
                esc(&fmt::with_unit(g.value.as_deref(), &g.unit)),
                esc(&fmt::with_unit(g.expected.as_deref(), &g.unit)),
                esc(&g.gap),
                esc(&g.lead_unit),
                cell(&g.cause),
                cell(&g.measures)
            );
        }
        o.push_str("</tbody></table></div>");
    }
    o.push_str("</section>\n");

    // 四、月度排名
    let _ = writeln!(o, r#"<section id="ranking"><h2>{}</h2>"#, fmt::H_RANKING);
    for (i, rk) in r.rankings.iter().enumerate() {
        let _ = write!(
            o,
            r#"<h3>{}{}（{}）</h3><table><thead><tr><th class="c">名次</th><th>单位</th><th class="num">得分</th><th class="c">名次变化</th><th>标记</th></tr></thead><tbody>"#,
            fmt::ordinal(i),
            esc(&rk.title),
            esc(&rk.period)
        );
        for x in &rk.rows {
            let cls = match x.change {
                RankChange::Up(_) => "up",
                RankChange::Down(_) => "down",
                _ => "",
            };
            let _ = write!(
                o,
                r#"<tr><td class="c">{}</td><td>{}</td><td class="num">{}</td><td class="c {cls}">{}</td><td class="flag">{}</td></tr>"#,
                if x.rank == 0 {
                    "—".to_string()
                } else {
                    x.rank.to_string()
                },
                esc(&x.unit),
                esc(&fmt::score(x.score, &rk.score_unit)),
                esc(&x.change.text()),
                esc(&x.flags.join("；"))
            );
        }
        let _ = write!(
            o,
            r#"</tbody></table><p class="rule">排名规则：{}</p>"#,
            esc(&rk.rule)
        );
        o.push_str(&figure(&draw::ranking(rk, 560.0), None));
    }
    o.push_str("</section>\n");

    // 五、督办情况
    let s = &r.supervision;
    let _ = write!(
        o,
        r#"<section id="supervision"><h2>{}</h2><p class="small">统计范围：{}</p><table><thead><tr><th>单位</th><th class="num">立项</th><th class="num">办结</th><th class="num">逾期</th><th class="num">办结率</th><th class="num">逾期率</th></tr></thead><tbody>"#,
        fmt::H_SUPERVISION,
        esc(&s.scope)
    );
    for (x, total) in s
        .units
        .iter()
        .map(|x| (x, false))
        .chain([(&s.totals, true)])
    {
        let _ = write!(
            o,
            r#"<tr{}><td>{}</td><td class="num">{}件</td><td class="num">{}件</td><td class="num{}">{}件</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            if total { r#" class="total""# } else { "" },
            esc(&x.unit),
            x.raised,
            x.closed,
            if x.overdue > 0 { " flag" } else { "" },
            x.overdue,
            fmt::pct(x.closure_rate),
            fmt::pct(x.overdue_rate)
        );
    }
    o.push_str("</tbody></table><h3>逾期未办结督办单</h3>");
    if s.overdue_open.is_empty() {
        o.push_str("<p>无逾期未办结的督办单。</p>");
    } else {
        o.push_str(r#"<table><thead><tr><th>编号</th><th>事项</th><th>牵头单位</th><th class="c">办理期限</th><th class="num">逾期</th><th class="c">状态</th><th>催办层级</th></tr></thead><tbody>"#);
        for x in &s.overdue_open {
            let _ = write!(
                o,
                r#"<tr><td>{}</td><td>{}</td><td>{}</td><td class="c">{}</td><td class="num flag">{}天</td><td class="c">{}</td><td>{}</td></tr>"#,
                esc(&x.number),
                esc(&x.subject),
                esc(&x.lead_unit),
                esc(&x.deadline),
                x.days_overdue,
                esc(&x.state),
                esc(x.escalation.as_deref().unwrap_or("—"))
            );
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</section>\n");

    // 六、群众满意度调查
    if let Some(sv) = &r.survey {
        let _ = write!(
            o,
            r#"<section id="survey"><h2>{}</h2><p>{}。{}。</p><table><thead><tr><th>项目</th><th class="num">满意度指数</th><th class="num">样本量</th><th class="num">误差</th></tr></thead><tbody>"#,
            fmt::H_SURVEY,
            esc(&sv.title),
            esc(&sv.method)
        );
        for x in &sv.items {
            let _ = write!(
                o,
                r#"<tr><td>{}</td><td class="num">{}分</td><td class="num">{}人</td><td class="num">±{}分</td></tr>"#,
                esc(&x.item),
                fmt::num(x.index, 1),
                x.n,
                fmt::num(x.margin, 1)
            );
        }
        o.push_str("</tbody></table></section>\n");
    }

    let _ = write!(
        o,
        "<footer><p>{}</p><p>{}</p></footer>\n</main>\n</body>\n</html>\n",
        esc(&r.issuer),
        esc(&r.generated_at)
    );
    o
}

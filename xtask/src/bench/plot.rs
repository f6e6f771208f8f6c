//! The benchmark's figure as hand-written SVG (no plotting crate): on the left, requests reaching the
//! origin per second around recovery, one line per strategy, against the spare capacity; on the right,
//! recovery → reload p50 and p99 per strategy, against the target. Both axes are logarithmic (with a
//! zero at the bottom) because the strategies differ by orders of magnitude.

use std::fmt::Write as _;

pub struct Line<'a> {
    pub name: &'a str,
    /// One value per second, starting `Figure::series_start_s` seconds after recovery.
    pub per_second: &'a [u32],
    pub emphasis: bool,
}

pub struct Bar<'a> {
    pub name: &'a str,
    pub p50_s: Option<f64>,
    pub p99_s: Option<f64>,
}

pub struct Figure<'a> {
    pub title: String,
    pub subtitle: String,
    /// Where the series start relative to recovery (negative: before it).
    pub series_start_s: i64,
    pub lines: Vec<Line<'a>>,
    pub spare_rps: u32,
    pub bars: Vec<Bar<'a>>,
    pub reload_p99_target_s: f64,
}

const WIDTH: f64 = 1200.0;
const HEIGHT: f64 = 520.0;
const TOP: f64 = 80.0;
const BOTTOM: f64 = 420.0;
const LEFT_PANEL: (f64, f64) = (80.0, 620.0);
const RIGHT_PANEL: (f64, f64) = (720.0, 1090.0);
/// Okabe–Ito colours (readable with colour-blindness), in strategy order.
const COLOURS: [&str; 6] = [
    "#0072B2", "#D55E00", "#E69F00", "#009E73", "#CC79A7", "#7F7F7F",
];

/// log10(1 + v): a log scale that still has a place for zero.
fn symlog(v: f64) -> f64 {
    (1.0 + v.max(0.0)).log10()
}

/// The smallest power of ten (as an exponent, at least `min`) that `value` does not exceed.
fn decades_for(value: f64, min: u32) -> u32 {
    let mut decades = min;
    while 10f64.powi(decades as i32) < value {
        decades += 1;
    }
    decades
}

fn y_of(value: f64, decades: u32) -> f64 {
    BOTTOM - (BOTTOM - TOP) * symlog(value) / symlog(10f64.powi(decades as i32))
}

fn tick_label(decade: u32) -> String {
    match decade {
        0 => "1".to_owned(),
        1 => "10".to_owned(),
        2 => "100".to_owned(),
        3 => "1k".to_owned(),
        4 => "10k".to_owned(),
        5 => "100k".to_owned(),
        d => format!("1e{d}"),
    }
}

/// Horizontal grid lines and labels at 0, 1, 10, 100, … for one panel.
fn y_axis(svg: &mut String, (x0, x1): (f64, f64), decades: u32, label: &str) {
    let mut ticks = vec![(0.0, "0".to_owned())];
    ticks.extend((0..=decades).map(|d| (10f64.powi(d as i32), tick_label(d))));
    for (value, text) in ticks {
        let y = y_of(value, decades);
        let _ = writeln!(
            svg,
            r##"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#e3e3e3"/><text x="{:.1}" y="{:.1}" text-anchor="end">{text}</text>"##,
            x0 - 6.0,
            y + 4.0
        );
    }
    let mid = (TOP + BOTTOM) / 2.0;
    let _ = writeln!(
        svg,
        r#"<text transform="translate({:.1},{mid:.1}) rotate(-90)" text-anchor="middle">{label}</text>"#,
        x0 - 48.0
    );
    let _ = writeln!(
        svg,
        r##"<line x1="{x0}" y1="{TOP}" x2="{x0}" y2="{BOTTOM}" stroke="#555"/><line x1="{x0}" y1="{BOTTOM}" x2="{x1}" y2="{BOTTOM}" stroke="#555"/>"##
    );
}

pub fn svg(figure: &Figure) -> String {
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12" fill="#222">
<rect width="100%" height="100%" fill="#fff"/>
<text x="{LEFT0}" y="28" font-size="17" font-weight="600">{title}</text>
<text x="{LEFT0}" y="48" fill="#555">{subtitle}</text>"##,
        LEFT0 = LEFT_PANEL.0 - 50.0,
        title = escape(&figure.title),
        subtitle = escape(&figure.subtitle),
    );
    series_panel(&mut svg, figure);
    bars_panel(&mut svg, figure);
    legend(&mut svg, figure);
    svg.push_str("</svg>\n");
    svg
}

fn series_panel(svg: &mut String, figure: &Figure) {
    let (x0, x1) = LEFT_PANEL;
    let seconds = figure
        .lines
        .iter()
        .map(|l| l.per_second.len())
        .max()
        .unwrap_or(1)
        .max(2);
    let peak = figure
        .lines
        .iter()
        .flat_map(|l| l.per_second.iter().copied())
        .max()
        .unwrap_or(0)
        .max(figure.spare_rps);
    let decades = decades_for(f64::from(peak), 2);
    let start = figure.series_start_s;
    let x_of = |second: f64| x0 + (x1 - x0) * (second - start as f64) / (seconds - 1) as f64;
    let _ = writeln!(
        svg,
        r#"<text x="{x0}" y="{:.1}" font-weight="600">Requests reaching the origin per second</text>"#,
        TOP - 12.0
    );
    y_axis(svg, (x0, x1), decades, "requests / s (log scale)");
    // Time ticks every 30 s, labelled relative to recovery.
    let end = start + seconds as i64 - 1;
    let first_tick = start.div_euclid(30) * 30;
    for s in (first_tick..=end).step_by(30).filter(|s| *s >= start) {
        let x = x_of(s as f64);
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{BOTTOM}" x2="{x:.1}" y2="{:.1}" stroke="#555"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{s:+}</text>"##,
            BOTTOM + 5.0,
            BOTTOM + 18.0
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">seconds since the origin came back</text>"#,
        (x0 + x1) / 2.0,
        BOTTOM + 36.0
    );
    let recovery_x = x_of(0.0);
    let spare_y = y_of(f64::from(figure.spare_rps), decades);
    let _ = writeln!(
        svg,
        r##"<line x1="{recovery_x:.1}" y1="{TOP}" x2="{recovery_x:.1}" y2="{BOTTOM}" stroke="#222" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.1}">recovery</text>
<line x1="{x0}" y1="{spare_y:.1}" x2="{x1}" y2="{spare_y:.1}" stroke="#222" stroke-dasharray="8 4"/><text x="{:.1}" y="{:.1}" text-anchor="end">spare capacity C − λ = {} req/s</text>"##,
        recovery_x + 4.0,
        TOP + 12.0,
        x1 - 4.0,
        spare_y - 5.0,
        figure.spare_rps
    );
    // Emphasised line last, so it is drawn on top.
    let mut order: Vec<usize> = (0..figure.lines.len()).collect();
    order.sort_by_key(|&i| figure.lines[i].emphasis);
    for i in order {
        let line = &figure.lines[i];
        let mut points = String::new();
        for (k, &v) in line.per_second.iter().enumerate() {
            let _ = write!(
                points,
                "{:.1},{:.1} ",
                x_of((start + k as i64) as f64),
                y_of(f64::from(v), decades)
            );
        }
        let _ = writeln!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="{}" stroke-linejoin="round"/>"#,
            points.trim_end(),
            COLOURS[i % COLOURS.len()],
            if line.emphasis { 3.0 } else { 1.4 }
        );
    }
}

fn bars_panel(svg: &mut String, figure: &Figure) {
    let (x0, x1) = RIGHT_PANEL;
    let highest = figure
        .bars
        .iter()
        .flat_map(|b| [b.p50_s, b.p99_s])
        .flatten()
        .fold(figure.reload_p99_target_s, f64::max);
    let decades = decades_for(highest, 2);
    let _ = writeln!(
        svg,
        r#"<text x="{x0}" y="{:.1}" font-weight="600">Recovery → reload: p50 (light), p99 (dark)</text>"#,
        TOP - 12.0
    );
    y_axis(svg, (x0, x1), decades, "seconds (log scale)");
    let slot = (x1 - x0) / figure.bars.len().max(1) as f64;
    let bar_width = slot * 0.32;
    for (i, bar) in figure.bars.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let left = x0 + slot * i as f64 + slot * 0.16;
        for (k, (value, opacity)) in [(bar.p50_s, 0.45), (bar.p99_s, 1.0)]
            .into_iter()
            .enumerate()
        {
            let x = left + bar_width * k as f64;
            // A percentile that never happened fills the panel and says so.
            let (y, label) = match value {
                Some(s) => (y_of(s, decades), format_seconds(s)),
                None => (TOP, "never".to_owned()),
            };
            let _ = writeln!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar_width:.1}" height="{:.1}" fill="{colour}" fill-opacity="{opacity}"/><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10">{label}</text>"#,
                BOTTOM - y,
                x + bar_width / 2.0,
                y - 3.0
            );
        }
        let _ = writeln!(
            svg,
            r#"<text transform="translate({:.1},{:.1}) rotate(-30)" text-anchor="end">{}</text>"#,
            left + bar_width,
            BOTTOM + 16.0,
            escape(bar.name)
        );
    }
    let target_y = y_of(figure.reload_p99_target_s, decades);
    // Labelled in the right margin, where no bar can hide it.
    let _ = writeln!(
        svg,
        r##"<line x1="{x0}" y1="{target_y:.1}" x2="{x1}" y2="{target_y:.1}" stroke="#C00" stroke-dasharray="6 3"/><text x="{:.1}" y="{:.1}" fill="#C00">target p99</text><text x="{:.1}" y="{:.1}" fill="#C00">≤ {:.1} s</text>"##,
        x1 + 6.0,
        target_y - 2.0,
        x1 + 6.0,
        target_y + 12.0,
        figure.reload_p99_target_s
    );
}

fn legend(svg: &mut String, figure: &Figure) {
    let y = HEIGHT - 22.0;
    let mut x = LEFT_PANEL.0;
    for (i, line) in figure.lines.iter().enumerate() {
        let _ = writeln!(
            svg,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="{}"/><text x="{:.1}" y="{y:.1}"{}>{}</text>"#,
            y - 4.0,
            x + 24.0,
            y - 4.0,
            COLOURS[i % COLOURS.len()],
            if line.emphasis { 3.0 } else { 2.0 },
            x + 30.0,
            if line.emphasis {
                r#" font-weight="600""#
            } else {
                ""
            },
            escape(line.name)
        );
        x += 40.0 + 7.5 * line.name.len() as f64;
    }
}

fn format_seconds(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.1}")
    } else {
        format!("{s:.0}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_every_strategy_and_the_reference_lines() {
        let series = [1u32, 2, 500, 0];
        let figure = Figure {
            title: "t & <b>".to_owned(),
            subtitle: String::new(),
            series_start_s: -1,
            lines: vec![
                Line {
                    name: "ours",
                    per_second: &series,
                    emphasis: true,
                },
                Line {
                    name: "theirs",
                    per_second: &series,
                    emphasis: false,
                },
            ],
            spare_rps: 400,
            bars: vec![
                Bar {
                    name: "ours",
                    p50_s: Some(2.0),
                    p99_s: None,
                },
                Bar {
                    name: "theirs",
                    p50_s: Some(20.0),
                    p99_s: Some(2_000.0),
                },
            ],
            reload_p99_target_s: 32.5,
        };
        let svg = svg(&figure);
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<rect x=").count(), 4);
        assert!(svg.contains("t &amp; &lt;b&gt;"));
        assert!(svg.contains(">never<"));
        assert!(svg.contains(">≤ 32.5 s<"));
        assert!(svg.contains("spare capacity C − λ = 400 req/s"));
    }

    #[test]
    fn the_log_scale_puts_zero_at_the_bottom_and_the_top_decade_at_the_top() {
        assert_eq!(y_of(0.0, 3), BOTTOM);
        assert!((y_of(1_000.0, 3) - TOP).abs() < 1e-9);
        assert_eq!(decades_for(400.0, 2), 3);
        assert_eq!(decades_for(50.0, 2), 2);
    }
}

extension PortalAssets {
    /// `/static/portal.css`. Logical properties only (`margin-inline-start`,
    /// `text-align: start`...), so the Arabic pages mirror by `dir="rtl"`
    /// alone. Colours meet WCAG AA contrast (4.5:1 for text) on their
    /// backgrounds; focus is a 3px outline on everything focusable.
    static let css = #"""
:root {
  --ink: #1b1f24; --muted: #4a5360; --paper: #ffffff; --line: #c4c9d0; --wash: #f4f6f8;
  --accent: #0b57d0; --accent-ink: #ffffff; --danger: #a50e0e; --focus: #c25400;
  --ok-bg: #e6f4ea; --ok-ink: #0d5a27; --bad-bg: #fce8e6; --bad-ink: #a50e0e;
  --info-bg: #e8f0fe; --info-ink: #174ea6; --warn-bg: #fef7e0; --warn-ink: #7a4a00; --grey-bg: #eceff1; --grey-ink: #3c4043;
  font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK KR", sans-serif;
  color: var(--ink); background: var(--paper); line-height: 1.5;
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.vh { position: absolute !important; inline-size: 1px; block-size: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.skip { position: absolute; inset-inline-start: 0.5rem; inset-block-start: -3rem; background: var(--paper); padding: 0.5rem 1rem; z-index: 10; }
.skip:focus { inset-block-start: 0.5rem; }
.masthead { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: center; padding: 0.75rem 1.5rem; background: #14213d; color: #ffffff; }
.masthead a { color: #ffffff; }
.brand { font-weight: 700; font-size: 1.2rem; text-decoration: none; }
.who { margin: 0; flex: 1 1 auto; }
.session { display: flex; gap: 1rem; align-items: center; }
.link-button { background: none; border: 0; padding: 0; color: inherit; font: inherit; text-decoration: underline; cursor: pointer; }
.masthead .link-button { color: #ffffff; }
.main-nav { background: var(--wash); border-block-end: 1px solid var(--line); padding-inline: 1.5rem; }
.main-nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; }
.main-nav a { display: inline-block; padding-block: 0.6rem; text-decoration: none; color: var(--ink); border-block-end: 3px solid transparent; }
.main-nav a[aria-current="page"] { border-block-end-color: var(--accent); font-weight: 600; }
.scope { padding: 0.5rem 1.5rem; border-block-end: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; align-items: center; }
.scope-title { margin: 0; color: var(--muted); font-size: 0.9rem; }
.chips { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.4rem; }
.chips a { display: inline-block; padding: 0.15rem 0.7rem; border: 1px solid var(--line); border-radius: 1rem; text-decoration: none; }
.chips a[aria-current="true"] { background: var(--accent); color: var(--accent-ink); border-color: var(--accent); }
.scope-form { display: flex; gap: 0.5rem; align-items: center; }
main { padding: 1rem 1.5rem 3rem; max-inline-size: 90rem; }
main:focus { outline: none; }
h1 { font-size: 1.6rem; margin-block: 0.5rem 1rem; }
h2 { font-size: 1.2rem; margin-block: 1.75rem 0.75rem; }
.lead { font-size: 1.05rem; color: var(--muted); }
.muted { color: var(--muted); }
.notice { border-inline-start: 5px solid; padding: 0.5rem 1rem; margin-block: 0 1rem; }
.notice p { margin: 0.25rem 0; }
.notice-success { background: var(--ok-bg); border-color: var(--ok-ink); }
.notice-error { background: var(--bad-bg); border-color: var(--bad-ink); }
.notice-info { background: var(--info-bg); border-color: var(--info-ink); }
.table-wrap { overflow-x: auto; margin-block-end: 1rem; }
table { border-collapse: collapse; inline-size: 100%; font-variant-numeric: tabular-nums; }
caption { text-align: start; font-weight: 600; padding-block: 0.5rem; }
th, td { text-align: start; padding: 0.4rem 0.6rem; border-block-end: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
thead th { background: var(--wash); font-weight: 600; white-space: nowrap; }
.num { text-align: end; white-space: nowrap; }
td.empty, p.empty { color: var(--muted); font-style: italic; }
tfoot th, tfoot td { font-weight: 600; }
.badge { display: inline-block; padding: 0.05rem 0.55rem; border-radius: 0.8rem; font-size: 0.85rem; background: var(--grey-bg); color: var(--grey-ink); white-space: nowrap; }
.badge-accepted, .badge-paid, .badge-closed, .badge-grade-a { background: var(--ok-bg); color: var(--ok-ink); }
.badge-rejected, .badge-overdue, .badge-default, .badge-disabled, .badge-grade-d { background: var(--bad-bg); color: var(--bad-ink); }
.badge-received, .badge-open, .badge-closing, .badge-credit { background: var(--info-bg); color: var(--info-ink); }
.badge-partly-paid, .badge-escalated, .badge-grade-b, .badge-grade-c { background: var(--warn-bg); color: var(--warn-ink); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.35rem 1.25rem; margin: 0 0 1rem; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.prose { white-space: pre-wrap; }
.cards { display: flex; flex-wrap: wrap; gap: 1rem; }
.card { display: grid; grid-template-columns: 1fr max-content; gap: 0.2rem 1rem; margin: 0; padding: 0.75rem 1rem; border: 1px solid var(--line); border-radius: 0.5rem; min-inline-size: 15rem; }
.card dt { color: var(--muted); }
.card dd { margin: 0; text-align: end; font-variant-numeric: tabular-nums; }
.strong { font-weight: 700; }
.form { max-inline-size: 40rem; margin-block-end: 1.5rem; }
.form.narrow { max-inline-size: 24rem; }
.field { margin-block-end: 0.9rem; }
.field > label, legend { display: block; font-weight: 600; margin-block-end: 0.25rem; }
input[type="text"], input[type="password"], input[type="email"], input[type="url"], input[type="date"], input[type="file"], select, textarea {
  inline-size: 100%; max-inline-size: 32rem; padding: 0.45rem 0.55rem; border: 1px solid #6b7280; border-radius: 0.3rem; font: inherit; color: var(--ink); background: var(--paper);
}
input[aria-invalid="true"], select[aria-invalid="true"], textarea[aria-invalid="true"] { border-color: var(--bad-ink); border-width: 2px; }
.hint { color: var(--muted); font-size: 0.9rem; margin: 0.2rem 0 0; }
.error { color: var(--bad-ink); font-weight: 600; margin: 0.2rem 0 0; }
.warning { color: var(--warn-ink); background: var(--warn-bg); padding: 0.2rem 0.4rem; margin: 0.2rem 0 0; }
fieldset { border: 1px solid var(--line); border-radius: 0.4rem; padding: 0.5rem 1rem; }
.choice { display: flex; gap: 0.5rem; align-items: center; }
.pair { display: flex; flex-wrap: wrap; gap: 0 1rem; }
.pair .field { flex: 1 1 16rem; }
.actions { display: flex; flex-wrap: wrap; gap: 0.6rem; align-items: center; margin-block: 0.5rem 1rem; }
button, .button { font: inherit; padding: 0.45rem 1rem; border-radius: 0.3rem; border: 1px solid var(--accent); background: var(--paper); color: var(--accent); cursor: pointer; text-decoration: none; display: inline-block; }
button.primary { background: var(--accent); color: var(--accent-ink); }
button.danger { border-color: var(--danger); color: var(--danger); }
button:hover, .button:hover { text-decoration: underline; }
form.inline { display: inline; margin: 0; }
.filters { display: flex; flex-wrap: wrap; gap: 0 1rem; align-items: flex-end; margin-block-end: 0.5rem; }
.filters .field { min-inline-size: 10rem; }
.filters input, .filters select { max-inline-size: 14rem; }
.pager { margin-block: 0.5rem 1.5rem; }
.downloads a { margin-inline-end: 0.4rem; }
.progress { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin-block: 0.5rem; }
.progress[hidden] { display: none; }
progress { inline-size: 20rem; max-inline-size: 100%; block-size: 1.1rem; }
.disclosure { margin-block: 0 1.5rem; }
.disclosure > summary { cursor: pointer; font-weight: 600; color: var(--accent); }
.two-forms { display: flex; flex-wrap: wrap; gap: 2rem; }
.two-forms .form { flex: 1 1 20rem; }
.grade-summary { list-style: none; padding: 0; display: flex; gap: 1.25rem; flex-wrap: wrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 34rem), 1fr)); gap: 1.5rem; margin-block: 1.5rem; }
.chart-figure { margin: 0; border: 1px solid var(--line); border-radius: 0.5rem; padding: 0.75rem 1rem; }
.chart-figure figcaption { font-weight: 600; margin-block-end: 0.5rem; }
.chart { inline-size: 100%; block-size: auto; }
.chart .series-0 { fill: #0b57d0; }
.chart .series-1 { fill: #188038; }
.chart .negative { fill: #b3261e; }
.chart .axis { stroke: #6b7280; stroke-width: 1; }
.chart text { fill: #1b1f24; font-size: 14px; font-family: inherit; }
.chart-data summary { cursor: pointer; color: var(--accent); margin-block-start: 0.5rem; }
.live-status { color: var(--muted); min-block-size: 1.5em; margin: 0; }
.as-of { color: var(--muted); }
.error-code { color: var(--muted); }
.foot { padding: 1rem 1.5rem; border-block-start: 1px solid var(--line); color: var(--muted); font-size: 0.9rem; }
@media (max-width: 40rem) {
  .masthead, main, .scope, .main-nav { padding-inline: 0.75rem; }
  .facts { grid-template-columns: 1fr; }
}
@media (prefers-reduced-motion: no-preference) { .chart rect { transition: height 0.3s, width 0.3s, y 0.3s; } }
"""#
}

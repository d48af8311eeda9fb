/* The search page: pagefind's JS API over this site's index (/<site>/pagefind/) or,
 * for the whole group, every site's index merged (pagefind's mergeIndex; each site
 * is built into its own bundle). ?q= is the query, ?scope=site|group the range.
 * Results are built as DOM nodes, never as HTML strings, so page text can never
 * become markup. */
const PAGE = 10;
const CHECKED = 300;            // results read and checked per query (see keep())
const FILTERS = ["site", "column", "type", "year"];
const form = document.querySelector("form[data-search]");
const input = form.querySelector("input[name=q]");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const tools = document.getElementById("search-tools");
const sortBy = document.getElementById("search-sort");
const selects = Object.fromEntries(FILTERS.map((k) => [k, tools.querySelector(`select[data-filter=${k}]`)]));
const group = JSON.parse(form.dataset.group || "[]");
const engines = {};             // scope -> pagefind module set up for it
let found = [];                 // every kept result of the current query
let shown = [];                 // after filters and sorting, still to show
let lastQuery = "";
let run_id = 0;

/* pagefind 1.5 splits a zh query with the browser's Intl.Segmenter, whose ICU
 * dictionary disagrees with the jieba words of the index (Debian's Chromium cuts
 * 营商 into 营 + 商 and then finds the wrong pages; pagefind issue #1237). On this
 * page, word segmentation therefore splits at spaces only: the words reach the
 * index as typed. */
const NativeSegmenter = Intl.Segmenter;
if (NativeSegmenter) {
  Intl.Segmenter = class extends NativeSegmenter {
    constructor(locale, options) {
      super(locale, options);
      this.byWords = !!options && options.granularity === "word";
    }
    segment(text) {
      if (!this.byWords) return super.segment(text);
      return text.split(/(\s+)/).filter(Boolean).map((segment) => ({ segment }));
    }
  };
}
const HAN = /[\u3400-\u9fff\uf900-\ufaff]/;
const HAN_RUN = /[\u3400-\u9fff\uf900-\ufaff]{3,}/g;
const ZWSP = /\u200b/g;         // pagefind's word boundaries inside its stored text
const SENTENCE_END = "。！？；\n";

function scope() {
  const checked = form.querySelector("input[name=scope]:checked");
  return checked ? checked.value : "site";
}

/* One pagefind module per scope (an import with a query string is a module of its
 * own): "site" searches this site's bundle; "group" merges every other site's. */
async function pagefind(which) {
  if (!engines[which]) {
    engines[which] = (async () => {
      const pf = await import(`${form.dataset.bundle}pagefind.js?${which}`);
      // In the page, not a worker: the worker would segment with the unpatched Intl.Segmenter.
      await pf.options({ baseUrl: form.dataset.base, noWorker: true });
      if (which === "group") {
        for (const site of group) {
          if (site.bundle === form.dataset.bundle) continue;
          // A site without any item has no index yet: leave it out, do not fail the search.
          const entry = await fetch(`${site.bundle}pagefind-entry.json`).catch(() => null);
          if (entry && entry.ok) await pf.mergeIndex(site.bundle, { baseUrl: site.base });
        }
      }
      return pf;
    })();
  }
  return engines[which];
}

// A run of 3+ Chinese characters that is not one word of the index is most often
// two-character words: 营商环境 -> 营商 环境 (the last piece matches as a prefix).
function pairs(q) {
  return q.replace(HAN_RUN, (run) => run.match(/.{1,2}/gu).join(" "));
}

// Last resort: the first character of each term, which starts a word of the index
// wherever the term starts one (稳岗返还 is indexed as 稳 岗 返还).
function initials(q) {
  return q.split(/\s+/).filter(Boolean).map((t) => (HAN.test(t[0]) ? t[0] : t)).join(" ");
}

function text(d) {
  return (d.content || "").replace(ZWSP, "");
}

/* pagefind answers an unknown word with pages holding parts of it (找错 finds 找);
 * readers of Chinese expect the words they typed, so a page is kept only if its
 * text holds every Chinese term as written. */
function keep(d, terms) {
  const all = `${(d.meta && d.meta.title) || ""} ${text(d)}`;
  return terms.every((t) => !HAN.test(t) || all.includes(t));
}

async function find(q, which) {
  const pf = await pagefind(which);
  const terms = q.split(/\s+/).filter(Boolean);
  for (const attempt of [...new Set([q, pairs(q), initials(q)])]) {
    const search = await pf.search(attempt);
    if (!search || !search.results.length) continue;
    const data = await Promise.all(search.results.slice(0, CHECKED).map((r) => r.data()));
    const kept = data.filter((d) => keep(d, terms));
    if (kept.length) return kept;
  }
  return [];
}

/* The snippet: from the body (the title, which pagefind stores first, left out), starting
 * at the sentence holding the first term, every term marked whole. */
function snippet(d, terms) {
  const title = (d.meta && d.meta.title) || "";
  let body = text(d);
  if (title && body.startsWith(title)) body = body.slice(title.length).replace(/^[.\s]+/, "");
  const at = Math.min(...terms.map((t) => body.indexOf(t)).filter((i) => i >= 0), Infinity);
  let start = 0;
  let lead = "";
  if (at !== Infinity && at > 0) {
    // The sentence holding the term (pagefind joins blocks with ". "), else its clause.
    const before = (marks, span) => Math.max(...marks.map((c) => body.lastIndexOf(c, at - 1)).filter((i) => i >= at - span), -1);
    const sentence = before([...SENTENCE_END, ". "], 60);
    const clause = before(["，", "、", "：", ","], 30);
    if (sentence >= 0) start = sentence + (body.startsWith(". ", sentence) ? 2 : 1);
    else if (clause >= 0) { start = clause + 1; lead = "…"; }
    else if (at > 40) { start = at - 20; lead = "…"; }
  }
  let piece = body.slice(start, start + 120).trim();
  if (start + 120 < body.length) piece += "…";
  const p = document.createElement("p");
  p.className = "search-excerpt";
  if (lead) p.append(lead);
  const wanted = terms.filter(Boolean).map((t) => t.toLowerCase());
  let i = 0;
  while (i < piece.length) {
    const lower = piece.toLowerCase();
    let best = -1;
    let len = 0;
    for (const t of wanted) {
      const j = lower.indexOf(t, i);
      if (j >= 0 && (best < 0 || j < best || (j === best && t.length > len))) { best = j; len = t.length; }
    }
    if (best < 0) { p.append(piece.slice(i)); break; }
    if (best > i) p.append(piece.slice(i, best));
    const m = document.createElement("mark");
    m.textContent = piece.slice(best, best + len);
    p.append(m);
    i = best + len;
  }
  return p;
}

function facts(d) {
  const meta = d.meta || {};
  const line = document.createElement("p");
  line.className = "search-meta";
  for (const [label, value] of [["网站", meta.site], ["栏目", meta.column], ["来源", meta.source], ["发布日期", meta.date]]) {
    if (!value) continue;
    const span = document.createElement("span");
    span.textContent = `${label}：${value}`;
    line.append(span);
  }
  return line;
}

function showMore() {
  const first = list.children.length;
  const terms = lastQuery.split(/\s+/).filter(Boolean);
  for (const d of shown.splice(0, PAGE)) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = d.url;
    a.textContent = (d.meta && d.meta.title) || d.url;
    li.append(a, facts(d), snippet(d, terms));
    list.append(li);
  }
  more.hidden = shown.length === 0;
  return list.children[first];
}

// Facets from each page's metadata (site, column, type; the year of its date).
function value(d, key) {
  const meta = d.meta || {};
  return (key === "year" ? (meta.date || "").slice(0, 4) : meta[key]) || "";
}

/* Filter choices from the results themselves, with their counts. */
function fillFilters() {
  for (const key of FILTERS) {
    const select = selects[key];
    const before = select.value;
    const counts = new Map();
    for (const d of found) counts.set(value(d, key), (counts.get(value(d, key)) || 0) + 1);
    const values = [...counts.keys()].filter(Boolean).sort((a, b) => (key === "year" ? b.localeCompare(a) : a.localeCompare(b, "zh")));
    const all = document.createElement("option");
    all.value = "";
    all.textContent = "全部";
    select.replaceChildren(all, ...values.map((v) => {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = `${v}（${counts.get(v)}）`;
      return o;
    }));
    select.value = values.includes(before) ? before : "";
  }
}

function render() {
  const active = FILTERS.filter((k) => selects[k].value);
  shown = found.filter((d) => active.every((k) => value(d, k) === selects[k].value));
  if (sortBy.value === "date") {
    shown.sort((a, b) => ((b.meta && b.meta.date) || "").localeCompare((a.meta && a.meta.date) || ""));
  }
  const total = shown.length;
  list.replaceChildren();
  showMore();
  status.textContent = !found.length
    ? `未找到与“${lastQuery}”相关的信息，请换一个关键词。`
    : active.length
      ? `找到 ${found.length} 条与“${lastQuery}”相关的信息，筛选后 ${total} 条。`
      : `找到 ${total} 条与“${lastQuery}”相关的信息。`;
}

async function run(q) {
  const id = ++run_id;
  list.replaceChildren();
  more.hidden = true;
  tools.hidden = true;
  found = [];
  lastQuery = q;
  if (!q) {
    status.textContent = "请输入要搜索的关键词。";
    return;
  }
  status.textContent = "正在搜索……";
  let results;
  try {
    results = await find(q, scope());
  } catch (e) {
    if (id === run_id) status.textContent = "本站暂无可检索的信息。";
    return;
  }
  if (id !== run_id) return;            // a newer search has started
  found = results;
  fillFilters();
  tools.hidden = found.length === 0;
  render();
}

function go() {
  const q = input.value.trim();
  const url = new URL(window.location.href);
  url.searchParams.set("q", q);
  url.searchParams.set("scope", scope());
  window.history.pushState(null, "", url);
  run(q);
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  go();
});
form.querySelectorAll("input[name=scope]").forEach((r) => r.addEventListener("change", () => {
  for (const key of FILTERS) selects[key].value = "";
  if (input.value.trim()) go();
}));
for (const select of [...Object.values(selects), sortBy]) select.addEventListener("change", render);
more.addEventListener("click", () => {
  const added = showMore();
  if (added) added.querySelector("a").focus();     // keyboard users continue at the new results
});
window.addEventListener("popstate", () => start());

function start() {
  const params = new URLSearchParams(window.location.search);
  const q = (params.get("q") || "").trim();
  const wanted = form.querySelector(`input[name=scope][value="${params.get("scope")}"]`);
  if (wanted) wanted.checked = true;
  input.value = q;
  if (q) run(q);
}
start();

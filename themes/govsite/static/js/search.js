/* The search page: pagefind's JS API over this site's own index (/<site>/pagefind/),
 * reading ?q= from the address. Results are built as DOM nodes, never as HTML
 * strings, so page text can never become markup. */
const PAGE = 10;
const CHECKED = 300;            // results read and checked per query (see keep())
const form = document.querySelector("form[data-search]");
const input = form.querySelector("input[name=q]");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
let engine = null;
let matches = [];
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

async function pagefind() {
  if (!engine) {
    engine = await import(form.dataset.bundle + "pagefind.js");
    // In the page, not a worker: the worker would segment with the unpatched Intl.Segmenter.
    await engine.options({ baseUrl: form.dataset.base, noWorker: true });
  }
  return engine;
}

// A run of 3+ Chinese characters that is not one word of the index is most often
// two-character words: 营商环境 -> 营商 环境 (the last piece matches as a prefix).
function pairs(q) {
  return q.replace(HAN_RUN, (run) => run.match(/.{1,2}/gu).join(" "));
}

/* pagefind answers an unknown word with pages holding parts of it (找错 finds 找);
 * readers of Chinese expect the words they typed, so a page is kept only if its
 * text holds every Chinese term as written. */
function keep(data, terms) {
  const text = `${(data.meta && data.meta.title) || ""} ${data.content || ""}`;
  return terms.every((t) => !HAN.test(t) || text.includes(t));
}

async function find(q) {
  const pf = await pagefind();
  let search = await pf.search(q);
  if (!search.results.length && pairs(q) !== q) search = await pf.search(pairs(q));
  const terms = q.split(/\s+/).filter(Boolean);
  const data = await Promise.all(search.results.slice(0, CHECKED).map((r) => r.data()));
  return data.filter((d) => keep(d, terms));
}

// pagefind's excerpt is escaped text with <mark> around the hits: keep exactly that.
function excerpt(html) {
  const p = document.createElement("p");
  p.className = "search-excerpt";
  const doc = new DOMParser().parseFromString(html, "text/html");
  doc.body.childNodes.forEach((n) => {
    if (n.nodeName === "MARK") {
      const m = document.createElement("mark");
      m.textContent = n.textContent;
      p.append(m);
    } else {
      p.append(document.createTextNode(n.textContent));
    }
  });
  return p;
}

function showMore() {
  const first = list.children.length;
  for (const d of matches.splice(0, PAGE)) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = d.url;
    a.textContent = (d.meta && d.meta.title) || d.url;
    li.append(a, excerpt(d.excerpt || ""));
    list.append(li);
  }
  more.hidden = matches.length === 0;
  return list.children[first];
}

async function run(q) {
  const id = ++run_id;
  list.replaceChildren();
  more.hidden = true;
  matches = [];
  if (!q) {
    status.textContent = "请输入要搜索的关键词。";
    return;
  }
  status.textContent = "正在搜索……";
  let found;
  try {
    found = await find(q);
  } catch (e) {
    if (id === run_id) status.textContent = "本站暂无可检索的信息。";
    return;
  }
  if (id !== run_id) return;            // a newer search has started
  const total = found.length;
  matches = found;
  showMore();
  status.textContent = total
    ? `找到 ${total} 条与“${q}”相关的信息。`
    : `未找到与“${q}”相关的信息，请换一个关键词。`;
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  const q = input.value.trim();
  const url = new URL(window.location.href);
  url.searchParams.set("q", q);
  window.history.pushState(null, "", url);
  run(q);
});
more.addEventListener("click", () => {
  const added = showMore();
  if (added) added.querySelector("a").focus();     // keyboard users continue at the new results
});
window.addEventListener("popstate", () => start());

function start() {
  const q = (new URLSearchParams(window.location.search).get("q") || "").trim();
  input.value = q;
  if (q) run(q);
}
start();

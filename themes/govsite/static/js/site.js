/* The theme's only page script (loaded in <head>, not deferred).
 * 适老化 toolbar (大字版, 高对比度) remembered in localStorage and carried to the
 * group's other domains (?a11y= on links to them: localStorage is per domain), the
 * navigation's column families (disclosure buttons) and its phone fold, and the
 * item page's 字号 大 中 小 / 打印. Without JavaScript the controls stay hidden and
 * the page works as plain HTML. */
(function () {
  "use strict";
  var KEY = "govsite.a11y";
  var PARAM = "a11y";
  var root = document.documentElement;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function chosen() {
    try { return window.localStorage.getItem(KEY) !== null; } catch (e) { return false; }
  }
  function save(prefs) {
    try { window.localStorage.setItem(KEY, JSON.stringify(prefs)); } catch (e) { /* private mode: this page only */ }
  }
  function apply(prefs) {
    root.classList.toggle("a11y-large", !!prefs.large);
    root.classList.toggle("a11y-contrast", !!prefs.contrast);
  }
  // ?a11y=large.contrast | large | contrast | off: the setting a reader chose on another site of the group.
  function encode(prefs) {
    var on = ["large", "contrast"].filter(function (k) { return prefs[k]; });
    return on.length ? on.join(".") : "off";
  }
  function fromAddress() {
    var match = /[?&]a11y=([a-z.]+)/.exec(window.location.search);
    if (!match) return null;
    var parts = match[1].split(".");
    return { large: parts.indexOf("large") >= 0, contrast: parts.indexOf("contrast") >= 0 };
  }

  // Before the first paint, so a remembered or carried setting never flickers.
  root.classList.add("js");
  var carried = fromAddress();
  if (carried) {
    save(carried);
    try {        // the setting is remembered now: a copied address should not carry it
      var clean = new URL(window.location.href);
      clean.searchParams.delete(PARAM);
      window.history.replaceState(window.history.state, "", clean.toString());
    } catch (e) { /* keep the address */ }
  }
  apply(load());

  function groupHosts() {          // js/group.js, made by the build (workflow/build/sitesettings.py)
    return window.GOVSITE_GROUP || [];
  }

  /* Links to the group's other domains carry the reader's choice, once they made one. */
  function carryToGroup() {
    var hosts = groupHosts();
    if (!chosen()) return;
    var value = encode(load());
    document.querySelectorAll("a[href]").forEach(function (a) {
      var url;
      try { url = new URL(a.getAttribute("href"), window.location.href); } catch (e) { return; }
      if (url.host === window.location.host || hosts.indexOf(url.hostname) < 0) return;
      url.searchParams.set(PARAM, value);
      a.setAttribute("href", url.toString());
    });
  }

  function setupToolbar() {
    var bar = document.querySelector("[data-a11y-bar]");
    if (!bar) return;
    var buttons = bar.querySelectorAll("button[data-a11y]");
    function show(prefs) {
      apply(prefs);
      buttons.forEach(function (b) {
        var k = b.getAttribute("data-a11y");
        if (k !== "reset") b.setAttribute("aria-pressed", prefs[k] ? "true" : "false");
      });
    }
    buttons.forEach(function (b) {
      b.addEventListener("click", function () {
        var k = b.getAttribute("data-a11y");
        var prefs = k === "reset" ? {} : load();
        if (k !== "reset") prefs[k] = !prefs[k];
        save(prefs);
        show(prefs);
        carryToGroup();
      });
    });
    show(load());
    bar.hidden = false;
    document.querySelectorAll("[data-a11y-entry]").forEach(function (e) { e.hidden = false; });
  }

  function setupNav() {
    var btn = document.querySelector("[data-nav-toggle]");
    var list = btn && document.getElementById(btn.getAttribute("aria-controls"));
    if (!list) return;
    var nav = btn.closest("nav");
    function set(open) {
      btn.setAttribute("aria-expanded", open ? "true" : "false");
      nav.setAttribute("data-open", open ? "true" : "false");
    }
    btn.addEventListener("click", function () { set(btn.getAttribute("aria-expanded") !== "true"); });
    set(false);
    btn.hidden = false;   // CSS shows it, and folds the list, on narrow screens only
  }

  /* Column families: a button opens its columns (disclosure); Escape, a click elsewhere
   * or focus moving on closes it. One is open at a time. */
  function setupFamilies() {
    var toggles = document.querySelectorAll(".family-toggle");
    function close(except) {
      toggles.forEach(function (t) { if (t !== except) t.setAttribute("aria-expanded", "false"); });
    }
    toggles.forEach(function (t) {
      var item = t.closest("[data-family]");
      t.hidden = false;
      item.classList.add("has-toggle");
      t.addEventListener("click", function () {
        var open = t.getAttribute("aria-expanded") !== "true";
        close(t);
        t.setAttribute("aria-expanded", open ? "true" : "false");
      });
      item.addEventListener("keydown", function (e) {
        if (e.key === "Escape" && t.getAttribute("aria-expanded") === "true") {
          t.setAttribute("aria-expanded", "false");
          t.focus();
        }
      });
      item.addEventListener("focusout", function (e) {
        if (!item.contains(e.relatedTarget)) t.setAttribute("aria-expanded", "false");
      });
    });
    document.addEventListener("click", function (e) {
      if (!e.target.closest || !e.target.closest("[data-family]")) close(null);
    });
  }

  function setupItemTools() {
    var tools = document.querySelector("[data-item-tools]");
    var item = tools && tools.closest("article");
    if (!item) return;
    var sizes = tools.querySelectorAll("button[data-size]");
    sizes.forEach(function (b) {
      b.addEventListener("click", function () {
        sizes.forEach(function (o) {
          item.classList.remove("size-" + o.getAttribute("data-size"));
          o.setAttribute("aria-pressed", o === b ? "true" : "false");
        });
        item.classList.add("size-" + b.getAttribute("data-size"));
      });
    });
    tools.querySelector("[data-print]").addEventListener("click", function () { window.print(); });
    tools.hidden = false;
  }

  /* Paper says when it was printed. */
  function setupPrintDate() {
    function stamp() {
      var d = new Date();
      var text = d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2) + "-" + ("0" + d.getDate()).slice(-2);
      document.querySelectorAll("[data-print-date]").forEach(function (e) { e.textContent = text; });
    }
    stamp();
    window.addEventListener("beforeprint", stamp);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupToolbar();
    setupNav();
    setupFamilies();
    setupItemTools();
    setupPrintDate();
    carryToGroup();
  });
})();

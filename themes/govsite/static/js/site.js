/* The theme's only page script (loaded in <head>, not deferred).
 * 适老化 toolbar (大字版, 高对比度) remembered in localStorage, the mobile nav
 * disclosure, and the item page's 字号 大 中 小 / 打印. Without JavaScript the
 * controls stay hidden and the page works as plain HTML. */
(function () {
  "use strict";
  var KEY = "govsite.a11y";
  var root = document.documentElement;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function save(prefs) {
    try { window.localStorage.setItem(KEY, JSON.stringify(prefs)); } catch (e) { /* private mode: this page only */ }
  }
  function apply(prefs) {
    root.classList.toggle("a11y-large", !!prefs.large);
    root.classList.toggle("a11y-contrast", !!prefs.contrast);
  }

  // Before the first paint, so a remembered setting never flickers.
  root.classList.add("js");
  apply(load());

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

  document.addEventListener("DOMContentLoaded", function () {
    setupToolbar();
    setupNav();
    setupItemTools();
  });
})();

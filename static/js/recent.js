/*
 * "Recently viewed" and "Continue exploring", kept in the visitor's own browser.
 *
 * This file never runs unless personalization is granted: pages carry it as an inert
 * <script type="text/plain" data-consent-category="personalization"> that consent.js
 * activates for granted categories only. The key below is declared in the
 * personalization category, so withdrawing it removes the key (consent.js) and reloads
 * a page where this ran. The server never sees the list: every page is the same for
 * every visitor, and the home page's sections stay hidden unless this fills them.
 *
 * - A term page (#recent-term: url, title, related terms) is put first in the list.
 * - The home page fills [data-recent] with the list and [data-recent-more] with related
 *   terms of those read, not yet read.
 */
(function () {
  "use strict";

  var KEY = "glossary.recent";
  var KEEP = 8;
  var SUGGEST = 8;
  var URL_RE = /^\/glossary\/[A-Za-z0-9_-]+\/$/;

  function valid(entry) {
    return Boolean(entry && typeof entry.url === "string" && URL_RE.test(entry.url) &&
      typeof entry.title === "string" && entry.title.length > 0 && entry.title.length < 300);
  }

  function load() {
    try {
      var list = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list.filter(valid) : [];
    } catch (error) {
      return [];
    }
  }

  function save(list) {
    try {
      localStorage.setItem(KEY, JSON.stringify(list));
    } catch (error) {
      // Storage full or disabled: nothing remembered.
    }
  }

  function remember() {
    var block = document.getElementById("recent-term");
    if (!block) return;
    var term;
    try {
      term = JSON.parse(block.textContent);
    } catch (error) {
      return;
    }
    if (!valid(term)) return;
    var entry = {
      url: term.url,
      title: term.title,
      related: (Array.isArray(term.related) ? term.related : []).filter(valid).map(function (other) {
        return { url: other.url, title: other.title };
      })
    };
    var list = load().filter(function (seen) { return seen.url !== entry.url; });
    list.unshift(entry);
    save(list.slice(0, KEEP));
  }

  function fill(section, entries) {
    var list = section.querySelector("ul");
    if (!list || !entries.length) return;
    list.replaceChildren.apply(list, entries.map(function (entry) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = entry.url;
      link.textContent = entry.title;
      item.appendChild(link);
      return item;
    }));
    section.hidden = false;
  }

  function show() {
    var recentSection = document.querySelector("[data-recent]");
    var moreSection = document.querySelector("[data-recent-more]");
    if (!recentSection && !moreSection) return;
    var recent = load();
    var seen = Object.create(null);
    recent.forEach(function (entry) { seen[entry.url] = true; });
    var more = [];
    recent.forEach(function (entry) {
      (entry.related || []).filter(valid).forEach(function (other) {
        if (seen[other.url] || more.length >= SUGGEST) return;
        seen[other.url] = true;
        more.push(other);
      });
    });
    if (recentSection) fill(recentSection, recent);
    if (moreSection) fill(moreSection, more);
  }

  remember();
  show();
})();

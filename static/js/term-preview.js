/*
 * Term previews: a small popover with the title and summary of a linked term.
 *
 * Enhances the cross-links in an article body (a.term-link[data-term]); without this
 * script they are plain links. The previews travel with the page in the JSON block
 * <script type="application/json" id="term-previews">, so no request is made per link.
 *
 * Behaviour (WAI-ARIA APG tooltip pattern, WCAG 2.2 SC 1.4.13):
 * - Mouse: hovering a link shows its preview after a short delay; the pointer can move
 *   onto the preview without it closing (hoverable); it closes shortly after the pointer
 *   leaves both.
 * - Keyboard: focusing a link shows its preview; Escape closes it and focus stays on the
 *   link (dismissible); it stays until focus moves or Escape (persistent).
 * - Touch: the first tap on a link shows its preview, with a "Read the full entry" link;
 *   a second tap on the same link (or that link) goes to the term. Tapping elsewhere
 *   closes it.
 * - Screen readers: while shown, the link is described by the preview (aria-describedby
 *   pointing at the role="tooltip" element).
 *
 * CSP: no inline styles are written into the HTML; the popover is placed through the
 * CSSOM (element.style), which style-src 'self' allows.
 */
(function () {
  "use strict";

  var dataBlock = document.getElementById("term-previews");
  if (!dataBlock) return;

  var previews;
  try {
    previews = JSON.parse(dataBlock.textContent);
  } catch (error) {
    return;
  }

  var LINK_SELECTOR = ".term-body a.term-link[data-term]";
  var SHOW_DELAY = 150;
  var HIDE_DELAY = 300;
  var GAP = 6;
  var MARGIN = 8;

  var popover = document.createElement("div");
  popover.id = "term-preview";
  popover.className = "term-preview";
  popover.setAttribute("role", "tooltip");
  popover.hidden = true;

  var titleEl = document.createElement("p");
  titleEl.className = "term-preview-title";
  var summaryEl = document.createElement("p");
  summaryEl.className = "term-preview-summary";
  var moreEl = document.createElement("p");
  moreEl.className = "term-preview-more";
  var moreLink = document.createElement("a");
  moreEl.appendChild(moreLink);
  popover.appendChild(titleEl);
  popover.appendChild(summaryEl);
  popover.appendChild(moreEl);
  // Inside <main> so that every piece of content sits in a landmark.
  (document.querySelector("main") || document.body).appendChild(popover);

  var current = null; // the link whose preview is shown
  var mode = null; // "hover", "focus" or "tap"
  var showTimer = null;
  var hideTimer = null;
  var lastPointerType = "";
  var dismissedLink = null; // Escape pressed: do not reopen on hover until the pointer leaves

  function linkFrom(target) {
    return target && target.closest ? target.closest(LINK_SELECTOR) : null;
  }

  function previewFor(link) {
    var slug = link.getAttribute("data-term");
    return Object.prototype.hasOwnProperty.call(previews, slug) ? previews[slug] : null;
  }

  function clearTimers() {
    window.clearTimeout(showTimer);
    window.clearTimeout(hideTimer);
    showTimer = hideTimer = null;
  }

  function place(link) {
    var rects = link.getClientRects();
    if (!rects.length) return;
    var first = rects[0];
    var last = rects[rects.length - 1];
    var viewportWidth = document.documentElement.clientWidth;
    var viewportHeight = document.documentElement.clientHeight;

    popover.style.left = "0px";
    popover.style.top = "0px";
    var width = popover.offsetWidth;
    var height = popover.offsetHeight;

    var left = Math.min(first.left, viewportWidth - width - MARGIN);
    left = Math.max(MARGIN, left);
    var spaceBelow = viewportHeight - last.bottom;
    var top =
      spaceBelow < height + GAP && first.top > height + GAP
        ? first.top - height - GAP
        : last.bottom + GAP;

    popover.style.left = left + window.scrollX + "px";
    popover.style.top = top + window.scrollY + "px";
  }

  function show(link, how) {
    var data = previewFor(link);
    if (!data) return;
    clearTimers();
    if (current && current !== link) hide();
    titleEl.textContent = data.title;
    summaryEl.textContent = data.summary;
    moreLink.href = link.href;
    moreLink.textContent = link.closest(".term-body").getAttribute("data-preview-more") || "";
    moreEl.hidden = how !== "tap";
    current = link;
    mode = how;
    link.setAttribute("aria-describedby", popover.id);
    popover.hidden = false;
    place(link);
  }

  function hide() {
    clearTimers();
    if (current) current.removeAttribute("aria-describedby");
    current = null;
    mode = null;
    popover.hidden = true;
  }

  function scheduleHide() {
    window.clearTimeout(showTimer);
    showTimer = null;
    window.clearTimeout(hideTimer);
    hideTimer = window.setTimeout(hide, HIDE_DELAY);
  }

  // Mouse and pen: hover with a short intent delay; the popover itself is hoverable.
  document.addEventListener("pointerover", function (event) {
    if (event.pointerType === "touch") return;
    var link = linkFrom(event.target);
    if (link) {
      if (link === dismissedLink) return;
      window.clearTimeout(hideTimer);
      hideTimer = null;
      if (current === link) return;
      window.clearTimeout(showTimer);
      showTimer = window.setTimeout(function () {
        show(link, "hover");
      }, SHOW_DELAY);
    } else if (popover.contains(event.target)) {
      window.clearTimeout(hideTimer);
      hideTimer = null;
    }
  });

  document.addEventListener("pointerout", function (event) {
    if (event.pointerType === "touch") return;
    var link = linkFrom(event.target);
    var leavingPopover = popover.contains(event.target);
    if (!link && !leavingPopover) return;
    var to = event.relatedTarget;
    if (to && (popover.contains(to) || (current && current.contains(to)))) return;
    if (link && link === dismissedLink) dismissedLink = null;
    if (link && !current) {
      window.clearTimeout(showTimer);
      showTimer = null;
      return;
    }
    if (mode === "hover") scheduleHide();
  });

  // Keyboard: focus shows, leaving focus hides (unless focus moves into the popover).
  document.addEventListener("focusin", function (event) {
    var link = linkFrom(event.target);
    if (link) {
      if (mode === "tap" && current === link) return;
      if (lastPointerType === "touch") return; // a tap: the click handler decides
      show(link, "focus");
    } else if (popover.contains(event.target)) {
      clearTimers();
    }
  });

  document.addEventListener("focusout", function (event) {
    if (!current) return;
    var to = event.relatedTarget;
    if (to && (to === current || popover.contains(to))) return;
    if (event.target === current || popover.contains(event.target)) {
      if (mode === "focus" || mode === "tap") hide();
    }
  });

  // Escape dismisses the preview wherever focus is; focus stays on (or returns to) the link.
  document.addEventListener("keydown", function (event) {
    lastPointerType = "";
    if (event.key !== "Escape" || !current) return;
    var link = current;
    var focusWasInside = popover.contains(document.activeElement);
    dismissedLink = link;
    hide();
    if (focusWasInside) link.focus();
    event.preventDefault();
  });

  // Touch: the first tap shows the preview, a second tap on the same link follows it.
  document.addEventListener(
    "pointerdown",
    function (event) {
      lastPointerType = event.pointerType || "";
      if (!current) return;
      if (popover.contains(event.target) || current.contains(event.target)) return;
      if (event.pointerType === "touch") hide();
    },
    true
  );

  document.addEventListener("click", function (event) {
    var link = linkFrom(event.target);
    if (!link || !previewFor(link)) return;
    var pointerType = typeof event.pointerType === "string" ? event.pointerType : lastPointerType;
    if (pointerType !== "touch") return;
    if (current === link && mode === "tap") return; // second tap: follow the link
    event.preventDefault();
    show(link, "tap");
  });

  window.addEventListener("resize", function () {
    if (current) place(current);
  });
})();

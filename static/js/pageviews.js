/*
 * First-party page-view counting: one beacon to this site when a term page is read.
 *
 * This file never runs unless analytics is granted: the page carries it as an inert
 * <script type="text/plain" data-consent-category="analytics"> that consent.js
 * activates for granted categories only (and withdrawal reloads the page). The server
 * checks the consent cookie again before counting. No cookie, no identifier: the beacon
 * says which term, nothing else.
 */
(function () {
  "use strict";

  var source = document.querySelector("script[data-pageview-term]");
  if (!source || !navigator.sendBeacon) return;
  var body = new URLSearchParams();
  body.append("term", source.dataset.pageviewTerm);
  navigator.sendBeacon(source.dataset.pageviewUrl, body);
})();

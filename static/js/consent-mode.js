/*
 * Google Consent Mode v2 defaults, before any Google tag can run.
 *
 * Loaded (not deferred) at the top of <head> only when CONSENT_GOOGLE_TAG_ID is set; the
 * tag id comes from this script element's data-google-tag-id (no inline script: the CSP
 * allows none). Everything is denied except security_storage until consent.js sends
 * gtag("consent", "update", ...) with the visitor's choices. The Google tag itself
 * (https://www.googletagmanager.com/gtag/js?id=...) is a tracking script in the admin,
 * inert until its category is granted; it reads these queued commands when it loads.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var tagId = script && script.getAttribute("data-google-tag-id");
  window.dataLayer = window.dataLayer || [];
  window.gtag = window.gtag || function gtag() { window.dataLayer.push(arguments); };
  window.gtag("consent", "default", {
    ad_storage: "denied",
    ad_user_data: "denied",
    ad_personalization: "denied",
    analytics_storage: "denied",
    personalization_storage: "denied",
    functionality_storage: "denied",
    security_storage: "granted",
    wait_for_update: 500
  });
  window.gtag("set", "ads_data_redaction", true);
  if (tagId) {
    window.gtag("js", new Date());
    window.gtag("config", tagId);
  }
})();

/*
 * Cookie consent: runs tracking scripts only for granted categories and sends the
 * consent forms without a reload. Works on HTML that already works without it.
 * How and why: docs/consent-script.md.
 */
(function () {
  "use strict";

  var configBlock = document.getElementById("consent-config");
  if (!configBlock) return;
  var config;
  try {
    config = JSON.parse(configBlock.textContent);
  } catch (error) {
    return;
  }

  // Every sentence the script shows comes from the page, in the page's language
  // ({% consent_config %} renders it next to the configuration).
  var messages = {};
  var messagesBlock = document.getElementById("consent-messages");
  try {
    if (messagesBlock) messages = JSON.parse(messagesBlock.textContent);
  } catch (error) {
    messages = {};
  }
  function say(key, values) {
    var text = messages[key] || "";
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(values[name]);
    });
    return text;
  }

  document.documentElement.classList.add("consent-js");

  var VERSION_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$/;
  var DECLINED = "-1";
  var categories = Object.create(null);
  config.categories.forEach(function (category) {
    categories[category.varname] = category;
  });
  var ran = Object.create(null);
  var banner = document.querySelector("[data-consent-banner]");

  function cookieEntries() {
    return document.cookie ? document.cookie.split(";") : [];
  }

  function readCookie(name) {
    var value = "";
    cookieEntries().forEach(function (entry) {
      var at = entry.indexOf("=");
      if (at > -1 && entry.slice(0, at).trim() === name) value = entry.slice(at + 1).trim();
    });
    if (value.length > 1 && value.charAt(0) === '"' && value.charAt(value.length - 1) === '"') {
      value = value.slice(1, -1);
      if (value.indexOf("\\") > -1) return "";
    }
    return value;
  }

  var ID_RE = /^[0-9abcdefghjkmnpqrstvwxyz]{22}$/;
  var POLICY_RE = /^[0-9a-f]{12}$/;
  var TEXT_VERSION_RE = /^[1-9][0-9]{0,8}$/;
  var META = [".at", ".v", ".l", ".t", ".id", ".g"];

  // The rules of consent/state.py read_cookie().
  function parseConsent(raw) {
    var result = { choices: Object.create(null), status: "none", consentId: "", gpcGrant: false, decidedAt: null };
    if (!raw || raw.length > config.maxCookieLength) return result;
    var now = Date.now();
    var skew = config.clockSkewSeconds * 1000;
    var pairs = raw.split("|").map(function (part) { return part.split("="); });
    var counts = Object.create(null);
    var meta = Object.create(null);
    pairs.forEach(function (pair) { counts[pair[0]] = (counts[pair[0]] || 0) + 1; });
    pairs.forEach(function (pair) {
      if (pair.length !== 2 || counts[pair[0]] !== 1) return;
      if (META.indexOf(pair[0]) > -1) {
        meta[pair[0]] = pair[1];
        return;
      }
      var category = categories[pair[0]];
      if (!category || category.required) return;
      if (pair[1] === DECLINED) {
        result.choices[pair[0]] = false;
        return;
      }
      if (!VERSION_RE.test(pair[1])) return;
      var moment = Date.parse(pair[1]);
      if (isNaN(moment) || moment > now + skew) return;
      result.choices[pair[0]] = true;
    });
    var decidedAt = VERSION_RE.test(meta[".at"] || "") ? Date.parse(meta[".at"]) : NaN;
    if (decidedAt > now + skew) decidedAt = NaN;
    result.decidedAt = isNaN(decidedAt) ? null : decidedAt;
    result.consentId = ID_RE.test(meta[".id"] || "") ? meta[".id"] : "";
    result.gpcGrant = meta[".g"] === "1";
    var version = POLICY_RE.test(meta[".v"] || "") ? meta[".v"] : "";
    // The texts of the language the decision was made in must still be the ones it saw.
    var language = meta[".l"] || "";
    var known = Object.prototype.hasOwnProperty.call(config.textVersions, language);
    var textVersion = TEXT_VERSION_RE.test(meta[".t"] || "") ? Number(meta[".t"]) : null;
    var textsCurrent = known && textVersion === config.textVersions[language];
    if (!Object.keys(result.choices).length) result.status = "none";
    else if (result.decidedAt === null || version !== config.policyVersion || !textsCurrent) result.status = "outdated";
    else if (result.decidedAt < now - config.maxAgeDays * 86400000) result.status = "expired";
    else result.status = "current";
    return result;
  }

  var gpc = navigator.globalPrivacyControl === true;

  function gpcOverridden(stored, decisions, varname) {
    return stored.gpcGrant && decisions[varname] === true;
  }

  function currentState() {
    var stored = parseConsent(readCookie(config.cookieName));
    var decisions = Object.create(null);
    if (stored.status === "current") {
      Object.keys(stored.choices).forEach(function (varname) { decisions[varname] = stored.choices[varname]; });
    }
    var gpcPending = [];
    if (gpc) {
      config.gpcRefuses.forEach(function (varname) {
        var category = categories[varname];
        if (!category || category.required || gpcOverridden(stored, decisions, varname)) return;
        if (decisions[varname] !== false) gpcPending.push(varname);
        decisions[varname] = false;
      });
    }
    return {
      stored: stored,
      gpcPending: gpcPending,
      decisions: decisions,
      granted: function (varname) {
        var category = categories[varname];
        return Boolean(category && (category.required || decisions[varname] === true));
      },
      refused: function (varname) { return decisions[varname] === false; },
      undecided: config.categories.some(function (category) {
        return !category.required && !(category.varname in decisions);
      })
    };
  }

  function optionalNames() {
    return config.categories.filter(function (c) { return !c.required; }).map(function (c) { return c.varname; });
  }

  function updateConsentMode(state) {
    if (!config.googleConsentMode || typeof window.gtag !== "function") return;
    function flag(varname) { return state.granted(varname) ? "granted" : "denied"; }
    window.gtag("consent", "update", {
      analytics_storage: flag("analytics"),
      ad_storage: flag("marketing"),
      ad_user_data: flag("marketing"),
      ad_personalization: flag("marketing"),
      personalization_storage: flag("personalization")
    });
  }

  function announce(state) {
    updateConsentMode(state);
    var names = optionalNames();
    document.dispatchEvent(new CustomEvent("consent:change", {
      detail: {
        granted: names.filter(function (name) { return state.granted(name); }),
        refused: names.filter(function (name) { return !state.granted(name); }),
        undecided: names.filter(function (name) { return !(name in state.decisions); })
      }
    }));
  }

  function showAskedAgain(state) {
    var stored = state.stored;
    if (!banner || (stored.status !== "outdated" && stored.status !== "expired")) return;
    var notice = banner.querySelector("[data-consent-asked-again]");
    if (!notice) return;
    var why = say(stored.status === "expired" ? "askedAgainExpired" : "askedAgainOutdated");
    var earlier = optionalNames().map(function (name) {
      var key = stored.choices[name] === true ? "categoryOn" : "categoryOff";
      return say(key, { category: categories[name].name });
    });
    var text = document.createElement("p");
    text.textContent = why + " " + say("earlierChoices", { choices: earlier.join(", ") });
    notice.replaceChildren(text);
    var form = document.createElement("form");
    form.method = "post";
    form.action = config.preferencesUrl;
    form.setAttribute("data-consent-form", "");
    form.setAttribute("data-consent-keep", "");
    optionalNames().forEach(function (name) {
      if (stored.choices[name] !== true) return;
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = "granted";
      field.value = name;
      form.appendChild(field);
    });
    var button = document.createElement("button");
    button.type = "submit";
    button.name = "action";
    button.value = "save";
    button.className = "consent-button";
    button.textContent = say("keepEarlier");
    form.appendChild(button);
    notice.appendChild(form);
    notice.hidden = false;
  }

  function activateScripts(state) {
    var pending = Array.prototype.filter.call(
      document.querySelectorAll('script[type="text/plain"][data-consent-category]'),
      function (inert) {
        return !inert.hasAttribute("data-consent-ran") && state.granted(inert.dataset.consentCategory);
      }
    );
    pending.forEach(function (inert) { inert.setAttribute("data-consent-ran", ""); });
    (function runFrom(index) {
      if (index >= pending.length) return;
      var inert = pending[index];
      var live = document.createElement("script");
      ran[inert.dataset.consentCategory] = true;
      if (inert.dataset.consentSrc) {
        live.async = false;
        live.onload = live.onerror = function () { runFrom(index + 1); };
        live.src = inert.dataset.consentSrc;
        inert.after(live);
      } else {
        live.textContent = inert.textContent;
        inert.after(live);
        later(function () { runFrom(index + 1); });
      }
    })(0);
  }

  function activateEmbeds(state) {
    document.querySelectorAll("[data-consent-embed]").forEach(function (embed) {
      var template = embed.querySelector("template");
      if (state.granted(embed.dataset.consentEmbed) && template) {
        embed.replaceChildren(template.content.cloneNode(true));
        embed.classList.add("consent-embed-loaded");
        return;
      }
      var load = embed.querySelector("[data-consent-embed-load]");
      if (load && template) load.hidden = false;
    });
  }

  function namesMatching(declared, names) {
    if (declared.charAt(declared.length - 1) !== "*") return names.indexOf(declared) > -1 ? [declared] : [];
    var prefix = declared.slice(0, -1);
    return names.filter(function (name) { return name.indexOf(prefix) === 0; });
  }

  function removeClientStorage(varname) {
    var category = categories[varname];
    if (!category) return;
    var names = cookieEntries().map(function (entry) { return entry.split("=")[0].trim(); });
    category.cookies.forEach(function (declared) {
      namesMatching(declared.name, names).forEach(function (name) {
        var expired = name + "=; Max-Age=0; path=" + (declared.path || "/");
        document.cookie = expired;
        document.cookie = expired + "; domain=" + (declared.domain || location.hostname);
      });
    });
    var keys = [];
    try {
      for (var i = 0; i < localStorage.length; i++) keys.push(localStorage.key(i));
      category.localStorage.forEach(function (declared) {
        namesMatching(declared, keys).forEach(function (key) { localStorage.removeItem(key); });
      });
    } catch (error) {
      // Storage disabled: nothing stored either.
    }
  }

  // Short tasks, so none blocks input (INP).
  function later(task) {
    window.setTimeout(task, 0);
  }

  function apply(state) {
    later(function () { activateScripts(state); });
    later(function () { activateEmbeds(state); });
  }

  function confirmationText(form, submitter) {
    var action = form.getAttribute("action") || "";
    if (gpc && action === config.acceptUrl) {
      return say("acceptedWithGpc");
    }
    if (action === config.acceptUrl) return say("acceptedAll");
    if (action === config.declineUrl) return say("rejectedOptional");
    if (submitter && submitter.value === "accept_all") return say("acceptedAll");
    if (submitter && submitter.value === "reject_all") return say("rejectedOptional");
    if (form.hasAttribute("data-consent-keep")) return say("keptEarlier");
    return say("saved");
  }

  function showBannerConfirmation(text) {
    if (!banner) return;
    var message = banner.querySelector("[data-consent-message]");
    var confirmation = banner.querySelector("[data-consent-confirmation]");
    if (message) message.hidden = true;
    if (!confirmation) return;
    confirmation.querySelector("[data-consent-confirmation-text]").textContent = text;
    confirmation.hidden = false;
    confirmation.focus();
  }

  function showPreferencesStatus(form, state, text) {
    form.querySelectorAll('input[type="checkbox"][name="granted"]').forEach(function (box) {
      box.checked = state.granted(box.value);
    });
    var status = document.querySelector("[data-consent-status]");
    if (!status) return;
    status.hidden = false;
    var strong = status.querySelector("strong");
    if (strong) strong.textContent = text;
  }

  function afterDecision(form, submitter, result) {
    var state = currentState();
    var reload = false;
    config.categories.forEach(function (category) {
      if (!state.refused(category.varname)) return;
      removeClientStorage(category.varname);
      if (ran[category.varname]) reload = true;
    });
    if (reload) {
      window.location.reload();
      return;
    }
    var text = confirmationText(form, submitter);
    if (form.hasAttribute("data-consent-preferences")) showPreferencesStatus(form, state, text);
    else if (banner && banner.contains(form)) showBannerConfirmation(text);
    if (banner && !banner.contains(form) && !state.undecided) banner.hidden = true;
    apply(state);
    announce(state);
    document.dispatchEvent(new CustomEvent("consent:changed", { detail: result }));
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error("consent: " + response.status);
      return response.json();
    });
  }

  function send(form, submitter) {
    var body = new FormData(form);
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    if (gpc) body.append("gpc", "1");
    // getAttribute: a control named "action" would shadow form.action.
    return post(new URL(form.getAttribute("action") || "", location.href), body);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-consent-form]");
    if (!form) return;
    event.preventDefault();
    var submitter = event.submitter || null;
    send(form, submitter).then(
      function (result) { afterDecision(form, submitter, result); },
      function () {
        // Fall back to the plain form post.
        if (submitter && submitter.name) {
          var field = document.createElement("input");
          field.type = "hidden";
          field.name = submitter.name;
          field.value = submitter.value;
          form.appendChild(field);
        }
        form.submit();
      }
    );
  });

  document.addEventListener("click", function (event) {
    var hide = event.target.closest("[data-consent-hide]");
    if (hide && banner) {
      banner.hidden = true;
      var main = document.getElementById("main-content");
      if (main) main.focus();
      return;
    }
    var load = event.target.closest("[data-consent-embed-load]");
    if (load) {
      var embed = load.closest("[data-consent-embed]");
      var body = new FormData();
      body.append("category", embed.dataset.consentEmbed);
      body.append("via", "embed");
      post(config.acceptUrl, body).then(function () {
        var state = currentState();
        apply(state);
        announce(state);
      }, function () {
        var failed = embed.querySelector("[data-consent-embed-error]");
        if (!failed) {
          failed = document.createElement("p");
          failed.setAttribute("role", "alert");
          failed.setAttribute("data-consent-embed-error", "");
          load.parentNode.insertAdjacentElement("afterend", failed);
        }
        failed.textContent = say("embedFailed");
      });
    }
  });

  function showGpcNotices() {
    if (!gpc) return;
    document.querySelectorAll("[data-consent-gpc-notice]").forEach(function (notice) {
      notice.hidden = false;
    });
  }

  function recordGpc(state) {
    var askedAgain = state.stored.status === "outdated" || state.stored.status === "expired";
    if (!state.gpcPending.length || askedAgain) return;
    var body = new FormData();
    state.gpcPending.forEach(function (varname) { body.append("category", varname); });
    body.append("via", "gpc");
    body.append("gpc", "1");
    post(config.declineUrl, body).then(function () {
      state.gpcPending.forEach(removeClientStorage);
      announce(currentState());
    }, function () {});
  }

  function start() {
    var state = currentState();
    showGpcNotices();
    recordGpc(state);
    // A page from a cache or history may still carry the banner.
    if (banner && !state.undecided) banner.hidden = true;
    else showAskedAgain(state);
    apply(state);
    announce(state);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else later(start);
})();

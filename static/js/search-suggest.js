/* Title suggestions for the search box: the ARIA 1.2 combobox pattern (list autocomplete).
   Enhances every input[data-suggest-url]; without JavaScript the form simply submits.
   One request per pause in typing, answers remembered per text, stale answers ignored. */
(function () {
  "use strict";

  var DELAY_MS = 250;
  var MIN_LENGTH = 2;

  function enhance(input, number) {
    var url = input.getAttribute("data-suggest-url");
    var form = input.form;
    var row = input.parentNode;
    var listId = (input.id || "search-" + number) + "-suggestions";
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var answers = new Map();
    var timer = null;
    var controller = null;
    var active = -1;

    list.id = listId;
    list.className = "search-suggestions";
    list.setAttribute("role", "listbox");
    // The page gives the words, in its language (templates/includes/search_form.html).
    list.setAttribute("aria-label", input.getAttribute("data-suggest-label") || "");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    row.appendChild(list);
    form.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-expanded", "false");

    function options() {
      return list.querySelectorAll('[role="option"]');
    }

    function open() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var all = options();
      if (!all.length) return;
      active = (index + all.length) % all.length;
      all.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    function render(suggestions) {
      list.textContent = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      suggestions.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = listId + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-url", item.url);
        option.textContent = item.title;
        if (item.alias) {
          var alias = document.createElement("span");
          alias.className = "search-suggestion-alias";
          alias.textContent = " (" + item.alias + ")";
          option.appendChild(alias);
        }
        list.appendChild(option);
      });
      if (suggestions.length && document.activeElement === input) {
        open();
        status.textContent = (input.getAttribute("data-suggest-status") || "")
          .split("{count}").join(String(suggestions.length));
      } else {
        close();
        status.textContent = "";
      }
    }

    function fetchSuggestions(text) {
      if (answers.has(text)) {
        render(answers.get(text));
        return;
      }
      if (controller) controller.abort();
      controller = new AbortController();
      fetch(url + "?q=" + encodeURIComponent(text), {
        headers: { Accept: "application/json" },
        signal: controller.signal,
      })
        .then(function (response) {
          return response.ok ? response.json() : { suggestions: [] };
        })
        .then(function (data) {
          var suggestions = Array.isArray(data.suggestions) ? data.suggestions : [];
          answers.set(text, suggestions);
          if (input.value.trim() === text) render(suggestions);
        })
        .catch(function () {
          /* Aborted or offline: the plain search still works. */
        });
    }

    function go(option) {
      window.location.assign(option.getAttribute("data-url"));
    }

    input.addEventListener("input", function () {
      var text = input.value.trim();
      window.clearTimeout(timer);
      if (text.length < MIN_LENGTH) {
        if (controller) controller.abort();
        render([]);
        return;
      }
      timer = window.setTimeout(function () {
        fetchSuggestions(text);
      }, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      var count = options().length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!count) return;
        event.preventDefault();
        if (list.hidden) open();
        highlight(event.key === "ArrowDown" ? active + 1 : active < 0 ? -1 : active - 1);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          go(options()[active]);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          render([]);
        }
      } else if (event.key === "Tab") {
        close();
      }
    });

    input.addEventListener("blur", close);
    // Keep focus in the input while an option is clicked, so the click lands.
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    list.addEventListener("click", function (event) {
      var option = event.target.closest('[role="option"]');
      if (option) go(option);
    });
  }

  if (!("fetch" in window) || !("AbortController" in window)) return;
  document.querySelectorAll("input[data-suggest-url]").forEach(enhance);
})();

// Knowledge base: search-as-you-type. The hero search box becomes a combobox (WAI-ARIA
// combobox with a listbox popup: arrow keys move, Enter opens, Escape closes); the + Ticket
// title shows articles that may already answer the question. Both ask the same JSON
// endpoint (data-suggest). Without JavaScript the search box is a plain GET form.
(function () {
  "use strict";

  var DELAY = 150;

  function suggestions(url, text, previous) {
    if (previous) previous.abort();
    var controller = new AbortController();
    var promise = fetch(url + "?q=" + encodeURIComponent(text), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: controller.signal,
    }).then(function (response) {
      return response.ok ? response.json() : { results: [] };
    }).then(function (body) {
      return Array.isArray(body.results) ? body.results : [];
    });
    return { controller: controller, promise: promise };
  }

  function debounce(fn) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, DELAY);
    };
  }

  function combobox(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var status = input.form && input.form.querySelector("[data-suggest-status]");
    var url = input.dataset.suggest;
    var pending = null;
    var results = [];
    var active = -1;
    var asked = "";

    function announce(text) {
      if (status) status.textContent = text || "";
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function select(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(found) {
      results = found;
      list.textContent = "";
      found.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.className = "kb-suggestion";
        option.textContent = item.title;
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the input until we navigate
        });
        option.addEventListener("click", function () {
          window.location.assign(item.url);
        });
        list.appendChild(option);
      });
      active = -1;
      if (found.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        announce(status && status.dataset.found);
      } else {
        close();
        announce(status && status.dataset.none);
      }
    }

    var refresh = debounce(function () {
      var text = input.value.trim();
      if (text === asked) return;
      asked = text;
      if (text.length < 2) {
        if (pending) pending.controller.abort();
        render([]);
        announce("");
        return;
      }
      pending = suggestions(url, text, pending && pending.controller);
      pending.promise.then(function (found) {
        if (input.value.trim() === text) render(found);
      }).catch(function () { /* aborted or offline: keep what is shown */ });
    });

    input.addEventListener("input", refresh);
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && results.length > 0;
      if (event.key === "ArrowDown") {
        if (!open) { if (results.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } return; }
        event.preventDefault();
        select(active + 1 >= results.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        if (!open) return;
        event.preventDefault();
        select(active <= 0 ? results.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          window.location.assign(results[active].url);
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        }
      }
    });
    input.addEventListener("blur", function () { close(); });
  }

  function ticketTitle(box) {
    var input = document.getElementById(box.dataset.suggestFor);
    var list = box.querySelector("ul");
    var pending = null;
    var asked = "";
    if (!input || !list) return;
    input.addEventListener("input", debounce(function () {
      var text = input.value.trim();
      if (text === asked) return;
      asked = text;
      if (text.length < 3) { box.hidden = true; return; }
      pending = suggestions(box.dataset.suggest, text, pending && pending.controller);
      pending.promise.then(function (found) {
        if (input.value.trim() !== text) return;
        list.textContent = "";
        found.forEach(function (item) {
          var li = document.createElement("li");
          var link = document.createElement("a");
          link.href = item.url;
          link.target = "_blank"; // keep the half-written ticket
          link.rel = "noopener";
          link.textContent = item.title;
          li.appendChild(link);
          list.appendChild(li);
        });
        box.hidden = found.length === 0;
      }).catch(function () {});
    }));
  }

  function start() {
    document.querySelectorAll("input[role=combobox][data-suggest]").forEach(combobox);
    document.querySelectorAll("[data-suggest-for]").forEach(ticketTitle);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

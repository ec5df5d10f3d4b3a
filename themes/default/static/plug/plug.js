/* Helpport Plug: a help launcher and panel for any page (issue 15). No framework, no build
   step. Served by GET /plug/<slug>/plug.js with the workspace's configuration in place of
   the placeholder below; load it with `defer`. Everything lives in a shadow root, so the
   host page's styles do not reach it and its styles do not leak out. */
(function (C) {
  "use strict";
  if (!C || !document.body || window.__helpportPlug) { return; }
  window.__helpportPlug = true;
  var script = document.currentScript;
  var base = C.base;
  try { if (script && script.src) { base = new URL(script.src).origin; } } catch (e) { /* keep */ }
  var api = base + "/api/v1/workspaces/" + encodeURIComponent(C.slug);

  function pickLocale() {
    var wanted = [(script && script.getAttribute("data-locale")) || "",
                  document.documentElement.lang || ""];
    var codes = Object.keys(C.locales);
    for (var i = 0; i < wanted.length; i++) {
      var w = wanted[i].replace("_", "-").toLowerCase();
      if (!w) { continue; }
      for (var j = 0; j < codes.length; j++) { if (codes[j].toLowerCase() === w) { return codes[j]; } }
      for (j = 0; j < codes.length; j++) {
        if (codes[j].split("-")[0].toLowerCase() === w.split("-")[0]) { return codes[j]; }
      }
    }
    return C.default_locale;
  }
  var locale = pickLocale();
  var L = C.locales[locale];
  var T = L.texts;

  var CSS = ":host{all:initial}" +
    "*,*::before,*::after{box-sizing:border-box}" +
    ".plug{font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1f24}" +
    ".launcher{position:fixed;bottom:16px;inset-inline-end:16px;z-index:2147483000;" +
    "min-height:48px;padding:12px 20px;border:0;border-radius:24px;cursor:pointer;font:inherit;" +
    "font-weight:600;background:" + C.accent + ";color:" + C.on_accent + ";" +
    "box-shadow:0 2px 8px rgba(0,0,0,.25)}" +
    ".launcher:hover{background:" + C.accent_hover + "}" +
    "button:focus-visible,a:focus-visible,input:focus-visible,textarea:focus-visible,select:focus-visible{" +
    "outline:3px solid " + C.accent + ";outline-offset:2px}" +
    ".panel{position:fixed;bottom:80px;inset-inline-end:16px;z-index:2147483001;width:380px;" +
    "max-width:calc(100vw - 32px);max-height:calc(100vh - 100px);overflow:auto;background:#fff;" +
    "border:1px solid #d0d7de;border-radius:12px;box-shadow:0 8px 28px rgba(0,0,0,.3);padding:0 16px 16px}" +
    ".panel[hidden]{display:none}" +
    ".head{position:sticky;top:0;display:flex;align-items:center;justify-content:space-between;" +
    "gap:8px;background:#fff;padding:12px 0;border-bottom:1px solid #d0d7de}" +
    "h2{margin:0;font-size:1.1rem}h3{font-size:1rem;margin:16px 0 8px}" +
    ".close{min-width:44px;min-height:44px;border:1px solid #d0d7de;border-radius:8px;background:#fff;" +
    "color:#1b1f24;font:inherit;font-size:1.25rem;cursor:pointer}" +
    "label{display:block;font-weight:600;margin:8px 0 4px}" +
    "input,textarea,select{width:100%;font:inherit;padding:8px;border:1px solid #6e7781;border-radius:6px;" +
    "color:#1b1f24;background:#fff}" +
    "textarea{min-height:72px;resize:vertical}" +
    ".btn{display:inline-block;min-height:44px;margin-top:8px;padding:8px 16px;border:0;" +
    "border-radius:8px;cursor:pointer;font:inherit;font-weight:600;background:" + C.accent +
    ";color:" + C.on_accent + "}" +
    ".btn.secondary{background:#fff;color:#1b1f24;border:1px solid #6e7781}" +
    "a{color:" + C.accent + "}" +
    "ul{margin:8px 0;padding-inline-start:20px}li{margin:4px 0}" +
    ".answer{margin-top:12px;padding:12px;border-radius:8px;background:#f3f5f8}" +
    ".answer p{margin:0 0 8px}.muted{color:#4d5661}" +
    ".error{color:#a40e26;font-weight:600}" +
    ".rate button{margin-inline-end:8px}" +
    "@media (max-width:600px){.panel{inset:0;width:100%;max-width:none;height:100%;" +
    "max-height:none;border-radius:0;border:0}}" +
    "@media (prefers-reduced-motion:no-preference){.launcher{transition:background .15s}}";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }

  var host = el("aside", {"data-helpport-plug": C.slug, "aria-label": T.title});
  var root = host.attachShadow({mode: "open"});
  if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet) {
    var sheet = new CSSStyleSheet();   // not an inline <style>: a strict CSP allows it
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.appendChild(el("style", {text: CSS}));
  }
  var wrap = el("div", {"class": "plug", lang: locale, dir: L.dir});
  root.appendChild(wrap);

  var launcher = el("button", {type: "button", "class": "launcher", "aria-haspopup": "dialog",
                               "aria-expanded": "false", "aria-controls": "hp-panel", text: T.help});
  var closeBtn = el("button", {type: "button", "class": "close", "aria-label": T.close, text: "×"});
  var panel = el("div", {id: "hp-panel", "class": "panel", role: "dialog", "aria-modal": "true",
                         "aria-labelledby": "hp-title", hidden: ""},
                 [el("div", {"class": "head"}, [el("h2", {id: "hp-title", text: T.title + " · " + C.name}),
                                                 closeBtn])]);
  wrap.appendChild(launcher);
  wrap.appendChild(panel);

  var conversation = [];
  var kbOpen = C.knowledge_base === "public";

  function request(method, path, body) {
    var options = {method: method, headers: {"Accept": "application/json"}, credentials: "omit"};
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(api + path, options).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { var e = new Error(data.message || T.error); e.data = data; throw e; }
        return data;
      });
    });
  }
  function failure(box, err) {
    box.textContent = "";
    var data = (err && err.data) || {}, alert = el("div", {"class": "error", role: "alert"},
      [el("p", {text: data.message || T.error})]);
    var details = data.details && typeof data.details === "object" ? data.details : {};
    var notes = Object.keys(details).filter(function (k) { return typeof details[k] === "string"; });
    if (notes.length) {
      alert.appendChild(el("ul", {}, notes.map(function (k) { return el("li", {text: details[k]}); })));
    }
    box.appendChild(alert);
  }
  function signInNote(text) {
    var p = el("p", {"class": "muted"});
    p.appendChild(el("a", {href: L.signin, target: "_blank", rel: "noopener", text: text}));
    return p;
  }

  /* search as you type */
  var searchBox = el("input", {id: "hp-search", type: "search", autocomplete: "off"});
  var searchOut = el("div", {"aria-live": "polite", id: "hp-search-results"});
  var timer = null, searchSeq = 0;
  searchBox.addEventListener("input", function () {
    clearTimeout(timer);
    var q = searchBox.value.trim();
    if (q.length < 2) { searchOut.textContent = ""; return; }
    timer = setTimeout(function () {
      var seq = ++searchSeq;
      searchOut.textContent = T.searching;
      request("GET", "/articles/search?limit=5&q=" + encodeURIComponent(q) +
              "&locale=" + encodeURIComponent(locale)).then(function (data) {
        if (seq !== searchSeq) { return; }
        searchOut.textContent = "";
        if (!data.results || !data.results.length) {
          searchOut.appendChild(el("p", {"class": "muted", text: T.no_results})); return;
        }
        searchOut.appendChild(el("ul", {}, data.results.map(function (hit) {
          return el("li", {}, [el("a", {href: new URL(hit.url, base).href, text: hit.title})]);
        })));
      }, function (err) { if (seq === searchSeq) { failure(searchOut, err); } });
    }, 250);
  });

  /* ask a question */
  var askBox = el("textarea", {id: "hp-question", maxlength: "500", required: ""});
  var askOut = el("div", {"aria-live": "polite", id: "hp-answer"});
  var askForm = el("form", {}, [el("label", {"for": "hp-question", text: T.question}), askBox,
                                el("button", {type: "submit", "class": "btn", text: T.send_question})]);
  askForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = askBox.value.trim();
    if (!question) { askBox.focus(); return; }
    askOut.textContent = T.searching;
    request("POST", "/answers", {question: question, locale: locale}).then(function (data) {
      askOut.textContent = "";
      conversation.push(T.you + ": " + question);
      var box = el("div", {"class": "answer"});
      if (data.answer) {
        conversation.push(T.answer + ": " + data.answer);
        data.answer.split(/\n+/).forEach(function (line) { box.appendChild(el("p", {text: line})); });
        if (data.sources && data.sources.length) {
          box.appendChild(el("h3", {text: T.sources}));
          box.appendChild(el("ul", {}, data.sources.map(function (s) {
            return el("li", {}, [el("a", {href: new URL(s.url, base).href, text: s.title})]);
          })));
        }
        box.appendChild(rating(data));
      } else {
        box.appendChild(el("p", {text: data.message || T.error}));
        box.appendChild(supportButton());
      }
      askOut.appendChild(box);
    }, function (err) { failure(askOut, err); });
  });

  function rating(data) {
    var group = el("div", {"class": "rate", role: "group", "aria-labelledby": "hp-rate-" + data.id},
                   [el("p", {id: "hp-rate-" + data.id, text: T.helpful})]);
    [[true, T.yes], [false, T.no]].forEach(function (choice) {
      var b = el("button", {type: "button", "class": "btn secondary", text: choice[1]});
      b.addEventListener("click", function () {
        request("POST", "/answers/" + data.id + "/feedback",
                {helpful: choice[0], token: data.feedback_token}).then(function () {
          group.textContent = "";
          group.appendChild(el("p", {role: "status", text: T.thanks}));
        }, function (err) { failure(group, err); });
      });
      group.appendChild(b);
    });
    return group;
  }

  /* talk to support */
  var supportOut = el("div", {id: "hp-support"});
  function supportButton() {
    var b = el("button", {type: "button", "class": "btn secondary", text: T.support});
    b.addEventListener("click", startSupport);
    return b;
  }
  var me = null;  // the signed-in customer's tickets, on the portal's own origin only
  function startSupport() {
    supportOut.textContent = "";
    if (me && me.signed_in) {
      supportOut.appendChild(el("p", {}, [el("a", {href: me.new_ticket, text: T.new_ticket})]));
      return focusIn(supportOut);
    }
    if (C.tickets === "private") { supportOut.appendChild(signInNote(T.sign_in)); return focusIn(supportOut); }
    if (C.tickets !== "public") { supportOut.appendChild(el("p", {text: T.no_tickets})); return focusIn(supportOut); }
    var email = el("input", {id: "hp-email", type: "email", autocomplete: "email", required: ""});
    var message = el("textarea", {id: "hp-message", required: ""});
    message.value = conversation.join("\n\n");
    var status = el("div", {"aria-live": "polite"});
    var form = el("form", {}, [el("label", {"for": "hp-email", text: T.email}), email,
                               el("label", {"for": "hp-message", text: T.message}), message]);
    var answers = (L.fields || []).map(function (f, i) {  // the ticket form's required questions
      var id = "hp-field-" + i, input;
      if (f.input === "select") {
        input = el("select", {id: id, required: ""}, [el("option", {value: "", text: ""})].concat(
          f.options.map(function (o) { return el("option", {value: String(o.value), text: o.label}); })));
      } else {
        input = el("input", {id: id, type: f.input, required: ""});
      }
      form.appendChild(el("label", {"for": id, text: f.label}));
      form.appendChild(input);
      return [f, input];
    });
    form.appendChild(el("button", {type: "submit", "class": "btn", text: T.send}));
    form.appendChild(status);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var first = conversation.length ? conversation[0].slice(T.you.length + 2) : "";
      var ticket = {title: (first || T.widget_ticket).slice(0, 120), description: message.value.trim(),
                    email: email.value.trim(), locale: locale, custom_fields: {}};
      answers.forEach(function (pair) {
        var v = pair[1].value;
        ticket.custom_fields[pair[0].key] = pair[0].input === "number" && v !== "" ? Number(v) : v;
      });
      request("POST", "/guest-tickets", ticket).then(function (held) {
        confirmStep(held.draft, ticket.email);
      }, function (err) { failure(status, err); });
    });
    supportOut.appendChild(form);
    focusIn(supportOut);
  }
  function confirmStep(draft, email) {
    supportOut.textContent = "";
    var code = el("input", {id: "hp-code", inputmode: "numeric", autocomplete: "one-time-code",
                            maxlength: "6", required: ""});
    var status = el("div", {"aria-live": "polite"});
    var form = el("form", {}, [el("p", {text: T.code_sent}), el("label", {"for": "hp-code", text: T.code}),
                               code, el("button", {type: "submit", "class": "btn", text: T.confirm}), status]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      request("POST", "/guest-tickets/confirm", {draft: draft, email: email, code: code.value.trim()})
        .then(function (done) {
          supportOut.textContent = "";
          supportOut.appendChild(el("p", {role: "status",
                                          text: T.opened.replace("{number}", "#" + done.ticket.number)}));
          conversation = [];
        }, function (err) { failure(status, err); });
    });
    supportOut.appendChild(form);
    code.focus();
  }
  function focusIn(box) { var f = focusables(box)[0]; if (f) { f.focus(); } }

  var body = el("div", {});
  if (C.knowledge_base !== "off") {
    if (kbOpen) {
      body.appendChild(el("label", {"for": "hp-search", text: T.search}));
      body.appendChild(searchBox);
      body.appendChild(searchOut);
      body.appendChild(el("h3", {text: T.ask}));
      body.appendChild(askForm);
      body.appendChild(askOut);
    } else {
      body.appendChild(signInNote(T.sign_in_kb));
    }
  }
  var mine = el("div", {id: "hp-tickets"});
  body.appendChild(mine);
  if (location.origin === base && L.tickets) {
    fetch(base + L.tickets, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        me = data;
        if (!data || !data.signed_in) { return; }
        mine.appendChild(el("h3", {text: T.my_tickets}));
        if (!data.tickets.length) { mine.appendChild(el("p", {"class": "muted", text: T.no_open})); return; }
        mine.appendChild(el("ul", {}, data.tickets.map(function (t) {
          return el("li", {}, [el("a", {href: t.url, text: t.number + " " + t.title}),
                               el("span", {"class": "muted", text: " · " + t.stage_label})]);
        })));
      }, function () { /* the list is a convenience: the rest of the panel works */ });
  }
  body.appendChild(el("h3", {text: T.support}));
  var talk = supportButton();
  body.appendChild(talk);
  body.appendChild(supportOut);
  panel.appendChild(body);

  /* dialog behaviour: focus kept inside, Escape closes and returns to the launcher */
  function focusables(scope) {
    return Array.prototype.filter.call(
      scope.querySelectorAll("a[href],button:not([disabled]),input:not([disabled]),textarea:not([disabled]),select:not([disabled])"),
      function (n) { return n.getClientRects().length > 0; });
  }
  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    (kbOpen ? searchBox : closeBtn).focus();
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", function () { if (panel.hidden) { open(); } else { close(); } });
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); return; }
    if (event.key !== "Tab") { return; }
    var items = focusables(panel);
    if (!items.length) { return; }
    var first = items[0], last = items[items.length - 1], active = root.activeElement;
    if (event.shiftKey && (active === first || !panel.contains(active))) {
      event.preventDefault(); last.focus();
    } else if (!event.shiftKey && (active === last || !panel.contains(active))) {
      event.preventDefault(); first.focus();
    }
  });
  document.addEventListener("focusin", function (event) {  // focus may not leave the open dialog
    if (!panel.hidden && event.target !== host) { focusIn(panel); }
  });
  document.body.appendChild(host);
})(/*HELPPORT_PLUG_CONFIG*/null);

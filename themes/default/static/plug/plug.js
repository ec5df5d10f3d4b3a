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
    ".link{min-height:24px;padding:0;border:0;background:none;color:" + C.accent + ";font:inherit;" +
    "text-decoration:underline;cursor:pointer;text-align:start}" +
    ".thread{list-style:none;margin:8px 0;padding:0}.comment{margin:8px 0;padding:8px 12px;" +
    "border-radius:8px;background:#f3f5f8}.comment.customer{background:#fff;border:1px solid #d0d7de}" +
    ".comment p{margin:4px 0 0;white-space:pre-wrap;overflow-wrap:anywhere}" +
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

  /* The customer's bearer token for the customer API, kept for this tab: on the portal's
     own pages it comes from the signed-in customer's session (POST <session>; the page's
     script tag names the customer in data-customer); on the company's site from its JWT
     hand-off (data-sign-in-token, exchanged when the panel first needs it; data-customer
     names its user), or from confirming a visitor's ticket (a token of nobody named). A
     page naming someone else than the token's customer, or nobody, drops it; so does a
     hand-off token on a page that names nobody (it is exchanged again). */
  var onPortal = location.origin === base;
  var marked = (script && script.getAttribute("data-customer")) || null;
  var handed = (script && script.getAttribute("data-sign-in-token")) || null;
  var KEY = "helpport-plug:" + base + ":" + C.slug;
  var auth = null, pending = null;
  try { auth = JSON.parse(window.sessionStorage.getItem(KEY) || "null"); } catch (e) { auth = null; }
  if (auth && (!auth.token || auth.customer !== marked || (handed && !marked))) { forget(); }
  function live() {  // the token while it lasts
    if (auth && auth.until < Date.now()) { forget(); }
    return auth;
  }
  function keep(token, seconds, customer) {
    var margin = Math.min(30, seconds / 10);  // renewed a little before it ends
    auth = {token: token, until: Date.now() + (seconds - margin) * 1000, customer: customer};
    try { window.sessionStorage.setItem(KEY, JSON.stringify(auth)); } catch (e) { /* memory only */ }
  }
  function forget() {
    auth = null;
    try { window.sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
  }
  function ensureAuth() {  // one request at a time: every caller waits for the same answer
    if (live()) { return Promise.resolve(auth); }
    if (pending) { return pending; }
    var asked;
    if (onPortal && marked) {
      asked = fetch(base + L.session, {method: "POST", credentials: "same-origin",
                                       headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; });
    } else if (handed) {
      var token = handed;
      handed = null;  // a hand-off token signs in once
      asked = request("POST", "/auth/jwt/exchange", {token: token}).then(function (data) {
        data.signed_in = true;
        return data;
      });
    } else {
      return Promise.resolve(null);
    }
    pending = asked.then(function (data) {
      // the portal says whose token it is: another customer signed in meanwhile (in another
      // tab) is not the one this page shows, so the token is not kept
      if (data && data.signed_in && (!onPortal || data.customer === marked)) {
        keep(data.access_token, data.expires_in, marked);
      }
      pending = null;
      return live();
    }, function () { pending = null; return null; });
    return pending;
  }

  function request(method, path, body) {
    var options = {method: method, headers: {"Accept": "application/json"}, credentials: "omit"};
    if (live()) { options.headers.Authorization = "Bearer " + auth.token; }
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(api + path, options).then(function (r) {
      if (r.status === 401 && auth) { forget(); }
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { var e = new Error(data.message || T.error); e.data = data; throw e; }
        return data;
      });
    });
  }
  function call(method, path, body) {  // a request of the signed-in customer: token renewed first
    return ensureAuth().then(function () { return request(method, path, body); });
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

  /* talk to support: a signed-in customer's ticket opens at once, a visitor's after the
     emailed code; then the chat goes on in the ticket's thread */
  var supportOut = el("div", {id: "hp-support"});
  function supportButton() {
    var b = el("button", {type: "button", "class": "btn secondary", text: T.support});
    b.addEventListener("click", function () { ensureAuth().then(startSupport); });
    return b;
  }
  function submitting(form, send) {  // one request per form at a time: no double tickets
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button.disabled) { return; }
      button.disabled = true;
      var done = function () { button.disabled = false; };
      var sent = send();
      if (sent) { sent.then(done, done); } else { done(); }
    });
  }
  function startSupport() {
    supportOut.textContent = "";
    var signedIn = !!live();
    if (C.tickets === "off") { supportOut.appendChild(el("p", {text: T.no_tickets})); return focusIn(supportOut); }
    if (!signedIn && C.tickets !== "public") { supportOut.appendChild(signInNote(T.sign_in)); return focusIn(supportOut); }
    var email = signedIn ? null : el("input", {id: "hp-email", type: "email", autocomplete: "email", required: ""});
    var message = el("textarea", {id: "hp-message", required: ""});
    message.value = conversation.join("\n\n");
    var status = el("div", {"aria-live": "polite"});
    var form = el("form", {}, email ? [el("label", {"for": "hp-email", text: T.email}), email] : []);
    form.appendChild(el("label", {"for": "hp-message", text: T.message}));
    form.appendChild(message);
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
    submitting(form, function () {
      var first = conversation.length ? conversation[0].slice(T.you.length + 2) : "";
      var text = message.value.trim();
      var ticket = {title: (first || text.split("\n")[0] || T.widget_ticket).slice(0, 120),
                    description: text, custom_fields: {}};
      answers.forEach(function (pair) {
        var v = pair[1].value;
        ticket.custom_fields[pair[0].key] = pair[0].input === "number" && v !== "" ? Number(v) : v;
      });
      if (signedIn) {
        return call("POST", "/tickets", ticket).then(opened, function (err) { failure(status, err); });
      }
      ticket.email = email.value.trim();
      ticket.locale = locale;
      return request("POST", "/guest-tickets", ticket).then(function (held) {
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
    submitting(form, function () {
      return request("POST", "/guest-tickets/confirm", {draft: draft, email: email, code: code.value.trim()})
        .then(function (done) {
          keep(done.access_token, done.expires_in, marked);
          opened(done.ticket);
        }, function (err) { failure(status, err); });
    });
    supportOut.appendChild(form);
    code.focus();
  }
  function opened(ticket) {
    supportOut.textContent = "";
    conversation = [];
    openThread(ticket.number, T.opened.replace("{number}", "#" + ticket.number));
  }
  function focusIn(box) { var f = focusables(box)[0]; if (f) { f.focus(); } }

  /* the customer's open tickets, and a ticket's thread with live updates: the customer
     API's event stream, read with fetch (EventSource sends no Authorization header) */
  var mine = el("div", {id: "hp-tickets"});
  function showMine() {  // data-state says when it is settled: "none", "listed" or "failed"
    mine.textContent = "";
    mine.setAttribute("data-state", "loading");
    if (!live() || C.tickets === "off") { mine.setAttribute("data-state", "none"); return Promise.resolve(); }
    var stages = C.open_stages.map(function (s) { return "&stage=" + s; }).join("");
    return call("GET", "/tickets?limit=10" + stages).then(function (data) {
      mine.textContent = "";
      mine.appendChild(el("h3", {text: T.my_tickets}));
      if (!data.tickets.length) {
        mine.appendChild(el("p", {"class": "muted", text: T.no_open}));
      } else {
        mine.appendChild(el("ul", {}, data.tickets.map(function (t) {
          var b = el("button", {type: "button", "class": "link", "data-number": String(t.number),
                                text: "#" + t.number + " " + t.title});
          b.addEventListener("click", function () { openThread(t.number); });
          return el("li", {}, [b, el("span", {"class": "muted", text: " · " + t.stage_label})]);
        })));
      }
      mine.setAttribute("data-state", "listed");
    }, function () { mine.setAttribute("data-state", "failed"); });  // a convenience: the rest works
  }

  var threadBox = el("section", {id: "hp-thread", "aria-labelledby": "hp-thread-title", hidden: ""});
  var current = null;
  function openThread(number, note) {
    stopThread();
    var state = current = {number: number, last: null, seen: {}, failures: 0, ctl: null, timer: null,
                           retry: 1000};
    body.hidden = true;
    threadBox.hidden = false;
    threadBox.textContent = "";
    var back = el("button", {type: "button", "class": "btn secondary", text: T.back});
    back.addEventListener("click", function () {
      stopThread();
      threadBox.hidden = true;
      body.hidden = false;
      showMine().then(function () {
        var pressed = mine.querySelector("[data-number='" + number + "']");
        if (pressed) { pressed.focus(); } else { focusIn(body); }
      });
    });
    var heading = el("h3", {id: "hp-thread-title", tabindex: "-1", text: "#" + number});
    var stage = el("p", {"class": "muted"});
    var description = el("p", {});
    var list = el("ol", {"class": "thread", "aria-labelledby": "hp-thread-title"});
    var status = el("div", {"class": "muted", role: "status", text: note || ""});
    var reply = el("textarea", {id: "hp-reply", required: "", maxlength: "20000"});
    var errors = el("div", {"aria-live": "polite"});
    var form = el("form", {}, [el("label", {"for": "hp-reply", text: T.reply}), reply,
                               el("button", {type: "submit", "class": "btn", text: T.send_reply}), errors]);
    submitting(form, function () {
      var text = reply.value.trim();
      if (!text) { reply.focus(); return null; }
      errors.textContent = "";
      return call("POST", "/tickets/" + number + "/comments", {body: text}).then(function (c) {
        reply.value = "";
        show(c);
      }, function (err) { failure(errors, err); });
    });
    [back, heading, stage, status, el("div", {"class": "comment customer"}, [description]), list, form,
     el("p", {}, [el("a", {href: L.ticket + number, target: "_blank", rel: "noopener", text: T.on_portal})])
    ].forEach(function (n) { threadBox.appendChild(n); });
    function show(c) {  // in id order, each comment once (the history and the stream overlap)
      if (state.seen[c.id]) { return; }
      state.seen[c.id] = true;
      var item = el("li", {"class": "comment " + c.author.role, "data-id": String(c.id)},
                    [el("strong", {text: c.author.name || T.support_team}), el("p", {text: c.body})]);
      var later = Array.prototype.filter.call(list.children, function (n) {
        return Number(n.getAttribute("data-id")) > c.id; })[0];
      list.insertBefore(item, later || null);
    }
    function history() {  // at once, and again once the stream is subscribed: nothing missed
      call("GET", "/tickets/" + number + "/comments").then(function (data) {
        if (state !== current) { return; }
        data.comments.forEach(show);
        list.setAttribute("aria-live", "polite");  // from now on, new comments are read out
        threadBox.setAttribute("data-live", state.ready ? "ready" : "loaded");
      }, function (err) { if (state === current) { failure(status, err); } });
    }
    call("GET", "/tickets/" + number).then(function (t) {
      heading.textContent = "#" + t.number + " " + t.title;
      stage.textContent = t.stage_label;
      description.textContent = t.description;
    }, function (err) { failure(status, err); });
    state.handlers = {
      ready: function () {  // a reconnection resumes after the last event: no gap to fill
        if (!state.ready) { state.ready = true; history(); }
      },
      comment: function (data) { if (data.comment) { show(data.comment); } },
      stage: function (data) { if (data.label) { stage.textContent = data.label; } },
      paused: function () { status.textContent = T.reconnecting; },
      resumed: function () { if (status.textContent === T.reconnecting) { status.textContent = ""; } },
      stopped: function (text) { status.textContent = ""; status.appendChild(text); }
    };
    history();
    follow(state);
    heading.focus();
  }
  function stopThread() {
    if (!current) { return; }
    clearTimeout(current.timer);
    if (current.ctl) { current.ctl.abort(); }
    current = null;
  }
  function follow(state) {  // one stream per thread, only while the panel is open
    if (state !== current || state.stopped || state.following || panel.hidden) { return; }
    state.following = true;
    if (!live()) {  // expired: a new token where one can be had, else the way to sign in
      ensureAuth().then(function (got) {
        state.following = false;
        if (got) { follow(state); } else if (state === current) { stop(state, signInNote(T.sign_in)); }
      });
      return;
    }
    var ctl = state.ctl = new AbortController();
    var url = api + "/tickets/" + state.number + "/events" + (state.last !== null ? "?after=" + state.last : "");
    fetch(url, {headers: {"Accept": "text/event-stream", "Authorization": "Bearer " + auth.token},
                credentials: "omit", signal: ctl.signal}).then(function (r) {
      if (r.status === 401) { forget(); throw new Error("401"); }
      if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) {
        stop(state, el("span", {"class": "error", text: T.gone}));  // no use asking again
        return null;
      }
      if (!r.ok || !r.body) { throw new Error(String(r.status)); }
      var reader = r.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) { return; }
          buffer += decoder.decode(chunk.value, {stream: true});
          var blocks = buffer.split("\n\n");
          buffer = blocks.pop();
          blocks.forEach(function (block) { dispatch(state, block); });
          return pump();
        });
      }
      return pump();
    }).then(function () {
      state.following = false;
      state.failures = 0;
      again(state, state.retry);
    }, function () {
      state.following = false;
      if (ctl.signal.aborted) { return; }
      state.failures += 1;
      state.handlers.paused();
      again(state, live() ? Math.min(30000, 1000 * Math.pow(2, state.failures)) : 0);
    });
  }
  function stop(state, text) {
    state.stopped = true;
    state.handlers.stopped(text);
  }
  function again(state, delay) {
    if (state === current && !state.stopped) { state.timer = setTimeout(function () { follow(state); }, delay); }
  }
  function dispatch(state, block) {
    var id = null, kind = "message", data = "";
    block.split("\n").forEach(function (line) {
      var at = line.indexOf(":"), field = at < 0 ? line : line.slice(0, at);
      var value = at < 0 ? "" : line.slice(at + 1).replace(/^ /, "");
      if (field === "id") { id = value; } else if (field === "event") { kind = value; } else if (field === "data") { data += value; }
      if (field === "retry" && /^\d+$/.test(value)) { state.retry = Math.max(500, Number(value)); }
    });
    if (id !== null && /^\d+$/.test(id)) { state.last = Number(id); }
    if (!data) { return; }
    var parsed;
    try { parsed = JSON.parse(data); } catch (e) { return; }
    state.handlers.resumed();
    if (kind === "end" && parsed.reason === "gone") { stop(state, el("span", {"class": "error", text: T.gone})); return; }
    if (state.handlers[kind]) { state.handlers[kind](parsed); }
  }

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
  body.appendChild(mine);
  body.appendChild(el("h3", {text: T.support}));
  var talk = supportButton();
  body.appendChild(talk);
  body.appendChild(supportOut);
  panel.appendChild(body);
  panel.appendChild(threadBox);

  /* dialog behaviour: focus kept inside, Escape closes and returns to the launcher */
  function focusables(scope) {
    return Array.prototype.filter.call(
      scope.querySelectorAll("a[href],button:not([disabled]),input:not([disabled]),textarea:not([disabled]),select:not([disabled])"),
      function (n) { return n.getClientRects().length > 0; });
  }
  var started = false;
  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    if (current) {
      follow(current);
      threadBox.querySelector("#hp-thread-title").focus();
    } else {
      (kbOpen ? searchBox : closeBtn).focus();
    }
    if (!started) { started = true; ensureAuth().then(showMine); }
  }
  function close() {
    if (current) { clearTimeout(current.timer); if (current.ctl) { current.ctl.abort(); } }
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

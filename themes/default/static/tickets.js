// Ticket pages: dependent fields on the + Ticket form, scrolling to the latest message,
// and live updates of an open ticket (Server-Sent Events). Without JavaScript the form
// shows every field and the server applies the same rules.
(function () {
  "use strict";

  // ---- dependent and conditional fields -------------------------------------------
  function fieldValue(form, key) {
    const el = form.elements.namedItem(key);
    if (!el) return null;
    if (el.type === "checkbox") return el.checked;
    return el.value || null;
  }

  function isShown(wrapper) {
    return !wrapper.hidden;
  }

  function rememberOptions(select) {
    // the server renders every option grouped by parent value; keep them before the
    // first re-population replaces them
    const groups = {};
    select.querySelectorAll("optgroup").forEach((group) => {
      groups[group.dataset.parentValue] = Array.from(group.querySelectorAll("option"))
        .map((o) => ({ value: o.value, label: o.textContent }));
    });
    select.dataset.allOptions = JSON.stringify(groups);
  }

  function optionsFor(select, parentValue) {
    const groups = JSON.parse(select.dataset.allOptions || "{}");
    return groups[parentValue] || [];
  }

  function repopulate(select, options, placeholder) {
    const keep = select.value;
    select.textContent = "";
    const empty = document.createElement("option");
    empty.value = "";
    empty.textContent = placeholder;
    select.appendChild(empty);
    options.forEach((o) => {
      const opt = document.createElement("option");
      opt.value = o.value;
      opt.textContent = o.label;
      if (o.value === keep) opt.selected = true;
      select.appendChild(opt);
    });
    if (select.value !== keep) select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function refresh(form) {
    const wrappers = form.querySelectorAll("[data-field]");
    wrappers.forEach((wrapper) => {
      let shown = true;
      if (wrapper.dataset.showWhen) {
        const rule = JSON.parse(wrapper.dataset.showWhen);
        const parent = form.querySelector(`[data-field="${rule.field}"]`);
        const value = fieldValue(form, rule.field);
        shown = !!parent && isShown(parent) && rule.values.indexOf(value) !== -1;
      }
      if (shown && wrapper.dataset.optionsBy) {
        const rule = JSON.parse(wrapper.dataset.optionsBy);
        const parent = form.querySelector(`[data-field="${rule.field}"]`);
        const value = fieldValue(form, rule.field);
        shown = !!parent && isShown(parent) && value !== null && value in rule.map;
        const select = wrapper.querySelector("select");
        if (select) {
          const placeholder = select.options.length ? select.options[0].textContent : "";
          repopulate(select, shown ? optionsFor(select, value) : [], placeholder);
        }
      }
      wrapper.hidden = !shown;
      wrapper.querySelectorAll("input, select, textarea").forEach((el) => {
        el.disabled = !shown; // hidden answers are not sent
      });
      const hint = wrapper.querySelector(".condition-hint");
      if (hint) hint.hidden = true;
    });
  }

  function initForm(form) {
    form.querySelectorAll("[data-options-by] select").forEach(rememberOptions);
    refresh(form);
    // a change can cascade (Category > Subcategory > Item): settle in field order
    form.addEventListener("change", (event) => {
      if (event.target.closest("[data-field]")) refresh(form);
    });
  }

  // ---- the ticket page ------------------------------------------------------------
  function scrollToLatest() {
    const latest = document.getElementById("latest");
    if (latest) {
      latest.scrollIntoView({ block: "start" });
      document.body.dataset.scrolledToLatest = "true";
    }
  }

  function live(page) {
    const url = page.dataset.eventsUrl;
    if (!url || !window.EventSource) return;
    const source = new EventSource(url);
    let pending = false;
    const reload = () => {
      const thread = document.getElementById("thread");
      if (!thread || pending) return;
      const typing = document.getElementById("body");
      if (typing && typing.value.trim()) return; // never throw away what is being typed
      pending = true;
      fetch(thread.dataset.threadUrl, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((html) => {
          const box = document.createElement("div");
          box.innerHTML = html;
          const fresh = box.querySelector("#thread");
          if (fresh) thread.replaceWith(fresh);
          document.body.dataset.liveUpdates = String(
            Number(document.body.dataset.liveUpdates || 0) + 1);
        })
        .catch(() => {})
        .finally(() => { pending = false; });
    };
    source.addEventListener("comment", reload);
    source.addEventListener("stage", (event) => {
      try {
        const data = JSON.parse(event.data);
        const stage = document.getElementById("ticket-stage");
        if (stage && data.label) stage.textContent = data.label;
      } catch (e) { /* ignore malformed events */ }
      reload();
    });
    source.addEventListener("ready", () => { document.body.dataset.liveReady = "true"; });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form.ticket-form").forEach(initForm);
    const page = document.querySelector(".ticket-page");
    if (page) {
      scrollToLatest();
      live(page);
    }
  });
})();

/* Knowledge base editor: the Markdown preview follows the text as it is typed.
   The server renders and sanitizes (the same code the portal uses); without JavaScript
   the form's Preview button does the same. */
(function () {
  "use strict";
  var body = document.getElementById("article-body");
  var preview = document.getElementById("article-preview");
  if (!body || !preview || !window.fetch) { return; }
  var form = body.form;
  var url = body.getAttribute("data-preview-url");
  var timer = null;
  var sent = 0;

  function refresh() {
    var ticket = ++sent;
    var data = new FormData();
    data.append("csrf_token", form.elements.csrf_token.value);
    data.append("body", body.value);
    fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (resp) { return resp.ok ? resp.text() : null; })
      .then(function (html) {
        if (html !== null && ticket === sent) { preview.innerHTML = html; }
      })
      .catch(function () { /* keep the last preview */ });
  }

  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  refresh();
}());

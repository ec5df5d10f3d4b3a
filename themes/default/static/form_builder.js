// Admin form builder: in the field editor, show only the settings the chosen type takes,
// and either the fixed options or the option tree. Without JavaScript every setting shows
// and the server ignores those the type does not take.
(function () {
  "use strict";

  function update(editor) {
    const type = editor.querySelector("#e_type");
    const dep = editor.querySelector("#e_dep_field");
    if (!type) return;
    editor.querySelectorAll("[data-for-types]").forEach((el) => {
      el.hidden = el.dataset.forTypes.split(" ").indexOf(type.value) === -1;
    });
    const dependent = dep && dep.value !== "";
    editor.querySelectorAll("[data-for-dep]").forEach((el) => {
      el.hidden = (el.dataset.forDep === "dependent") !== dependent;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const editor = document.getElementById("field-editor");
    if (!editor) return;
    update(editor);
    editor.addEventListener("change", (event) => {
      if (event.target.id === "e_type" || event.target.id === "e_dep_field") update(editor);
    });
  });
})();

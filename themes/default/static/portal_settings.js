// Settings > Portal settings: the preview follows the form as the admin types (the form
// posted, debounced, to the preview view into the frame; nothing is saved), the colour
// pickers and their text boxes stay in step, and the frame switches to a phone's width.
// Without JavaScript the "Refresh the preview" button does the same on demand.
// The image controls belong to forms of their own (their `form` attribute): choosing a
// file does not refresh the preview.
(function () {
  "use strict";
  const DELAY = 400;

  function syncColors(form) {
    form.querySelectorAll('input[type="color"]').forEach((picker) => {
      const text = document.getElementById(picker.id.replace(/\.picker$/, ""));
      if (!text) return;
      picker.addEventListener("input", () => { text.value = picker.value; });
      text.addEventListener("input", () => {
        if (/^#[0-9a-fA-F]{6}$/.test(text.value.trim())) picker.value = text.value.trim();
      });
    });
  }

  function widthButtons(frame) {
    const buttons = document.querySelectorAll("[data-preview-width]");
    buttons.forEach((button) => {
      button.addEventListener("click", () => {
        const phone = button.dataset.previewWidth !== "";
        frame.classList.toggle("phone", phone);
        buttons.forEach((b) => {
          const on = b === button;
          b.classList.toggle("active", on);
          b.setAttribute("aria-pressed", on ? "true" : "false");
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("settings-form");
    const frame = document.getElementById("portal-preview");
    const refresh = document.getElementById("preview-refresh");
    if (!form || !frame || !refresh) return;
    let timer = null;
    const preview = (event) => {
      if (event && event.target.form && event.target.form !== form) return; // an image's own form
      clearTimeout(timer);
      timer = setTimeout(() => form.requestSubmit(refresh), DELAY);
    };
    syncColors(form);
    widthButtons(frame);
    form.addEventListener("input", preview);
    form.addEventListener("change", preview);
    document.querySelectorAll('[form="settings-form"]').forEach((el) => {
      if (el.tagName === "SELECT") el.addEventListener("change", preview);
    });
    form.requestSubmit(refresh); // the frame shows what the form holds (a refused save too)
  });
})();

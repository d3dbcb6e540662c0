// Modal dialogs swapped in by htmx, the success pop-up, and error toasts.
(function () {
  "use strict";

  function openDialogs(root) {
    root.querySelectorAll("dialog.modal").forEach(function (dialog) {
      if (!dialog.open) dialog.showModal();
    });
  }

  function closeModal(dialog) {
    if (!dialog) return;
    dialog.close();
    dialog.remove();
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "modal-root") openDialogs(target);
  });

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-modal]");
    if (closer) closeModal(closer.closest("dialog"));
  });

  // Escape closes a native dialog; drop it from the DOM too so the next swap starts clean.
  document.addEventListener("close", function (event) {
    if (event.target.matches && event.target.matches("dialog.modal")) event.target.remove();
  }, true);

  // Ticking "select all" in a table header ticks every row checkbox of that table.
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (!all) return;
    var table = all.closest("table");
    table.querySelectorAll("input[type=checkbox][name=" + all.dataset.selectAll + "]").forEach(function (box) {
      if (!box.disabled) box.checked = all.checked;
    });
  });

  // "+ Add line" in the invoice form: a copy of the <template> row with the next index.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-line]");
    if (!button) return;
    var body = document.querySelector(button.dataset.addLine);
    var template = button.closest("form").querySelector("#line-template");
    var index = body.querySelectorAll("tr.line").length;
    body.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__index__/g, String(index)).replace(/__number__/g, String(index + 1)));
    body.querySelector("tr.line:last-child input").focus();
  });

  var toastTimer = null;
  function toast(message) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 8000);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0 ? xhr.responseText : "";
    toast(text || ("The server answered " + xhr.status + ". Nothing was changed."));
  });

  document.addEventListener("htmx:sendError", function () {
    toast("The server cannot be reached. Check the connection and try again.");
  });

  document.addEventListener("showMessage", function (event) {
    toast(event.detail.value || event.detail.message || "");
  });

  if (document.readyState !== "loading") openDialogs(document);
  else document.addEventListener("DOMContentLoaded", function () { openDialogs(document); });
})();

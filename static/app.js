// Modal dialogs swapped in by htmx, the success pop-up, and error toasts.
(function () {
  "use strict";

  // Focus: a modal opens on its first field (or, after a refusal, the first field in error),
  // and when it closes, focus goes back to the control that opened it.
  var opener = null;

  function focusInside(dialog) {
    var target = dialog.querySelector(".has-error input:not([type=hidden]), .has-error select, .has-error textarea, [aria-invalid=true]")
      || dialog.querySelector("[autofocus]")
      || dialog.querySelector(".modal-body input:not([type=hidden]):not([disabled]), .modal-body select:not([disabled]), .modal-body textarea:not([disabled])")
      || dialog.querySelector(".modal-body button:not([disabled])");
    if (target) target.focus();
  }

  function openDialogs(root) {
    root.querySelectorAll("dialog.modal").forEach(function (dialog) {
      if (!dialog.open) dialog.showModal();
      focusInside(dialog);
    });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    // Remember what opened the modal: a control outside any open dialog.
    if (target && target.id === "modal-root" && !event.detail.elt.closest("dialog")) opener = document.activeElement || event.detail.elt;
  });

  function giveFocusBack() {
    if (!opener || document.querySelector("dialog.modal[open]")) return;
    var back = opener;
    opener = null;
    if (back && document.body.contains(back) && !back.disabled) back.focus();
    else { var heading = document.querySelector("main h1"); if (heading) { heading.tabIndex = -1; heading.focus(); } }
  }

  function closeModal(dialog) {
    if (!dialog) return;
    dialog.close();
    dialog.remove();
    giveFocusBack();
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
    if (event.target.matches && event.target.matches("dialog.modal")) {
      event.target.remove();
      giveFocusBack();
    }
  }, true);

  // After Generate: the invoice list reloads itself; the rows just numbered are highlighted.
  var justNumbered = [];
  document.addEventListener("invoicesChanged", function (event) {
    if (event.detail && Array.isArray(event.detail.numbered)) justNumbered = event.detail.numbered;
  });
  // After settling: htmx's settle step resets the classes of rows whose ids stayed the same.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!justNumbered.length || !event.detail.target || event.detail.target.id !== "invoice-list") return;
    justNumbered.forEach(function (id) {
      var row = document.getElementById("invoice-" + id);
      if (row) row.classList.add("just-numbered");
    });
    justNumbered = [];
  });

  // The menu button of narrow screens: opens and closes the site menu.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-menu-toggle]");
    if (!toggle) return;
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.closest(".topbar").classList.toggle("menu-open", open);
  });

  // Ticking "select all" in a table header ticks every row checkbox of that table.
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (!all) return;
    var table = all.closest("table");
    table.querySelectorAll("input[type=checkbox][name=" + all.dataset.selectAll + "]").forEach(function (box) {
      if (!box.disabled) box.checked = all.checked;
    });
    var form = all.closest("form");
    var banner = form && form.querySelector("[data-scope-banner]");
    if (banner) {
      banner.hidden = !all.checked;
      if (!all.checked) setScope(form, "");
    }
  });

  // "Tick all 1,234 of November 2026": the form then stands for every invoice of the period.
  function setScope(form, scope) {
    var field = form.querySelector("input[name=scope]");
    if (field) field.value = scope;
    var banner = form.querySelector("[data-scope-banner]");
    if (!banner) return;
    banner.querySelector("[data-scope-off]").hidden = scope !== "";
    banner.querySelector("[data-scope-on]").hidden = scope === "";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-select-scope]");
    if (!button) return;
    var form = button.closest("form");
    setScope(form, button.dataset.selectScope);
    if (button.dataset.selectScope === "") {
      form.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = false; });
      form.querySelector("[data-scope-banner]").hidden = true;
    }
  });

  // Unticking one row while "all of the period" is ticked: back to the rows ticked on screen.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[type=checkbox][name=invoice_ids]")) return;
    var form = box.closest("form");
    var scope = form && form.querySelector("input[name=scope]");
    if (!box.checked && scope && scope.value) {
      setScope(form, "");
      var all = form.querySelector("[data-select-all]");
      if (all) all.checked = false;
      form.querySelector("[data-scope-banner]").hidden = true;
    }
  });

  // Buyer identification: the NPWP field (and the NITKU branch) for NPWP, the ID Number field for the other IDs.
  function showBuyerFields(select) {
    var box = select.closest("[data-buyer-id]");
    if (!box) return;
    var npwp = select.value === "tin";
    box.querySelector(".buyer-npwp").hidden = !npwp;
    box.querySelector(".buyer-number").hidden = npwp;
    var branch = box.querySelector(".buyer-branch");
    if (branch) branch.hidden = !npwp;
  }

  // Codes 07 and 08: their facility fields (DJP's list of the chosen code), only while Invoice Tax is on.
  function showFacility(form) {
    var box = form && form.querySelector("[data-facility]");
    if (!box) return;
    var code = form.querySelector("[data-transaction-code]");
    var tax = form.querySelector("input[name=tax_enabled]");
    var value = code ? code.value : "";
    box.hidden = !((value === "07" || value === "08") && (!tax || tax.checked));
    box.querySelectorAll("[data-facility-for]").forEach(function (group) {
      group.hidden = group.getAttribute("data-facility-for") !== value;
    });
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.matches) return;
    if (target.matches("[data-transaction-code], input[name=tax_enabled]")) showFacility(target.closest("form"));
    // Choosing a facility proposes DJP's stamp of the same number (TD.00502 -> TD.01102).
    if (target.matches("[data-add-info]")) {
      var stamp = target.closest("form").querySelector("[data-facility-stamp='" + target.getAttribute("data-add-info") + "']");
      var paired = target.value ? "TD.011" + target.value.slice(-2) : "";
      if (stamp && paired && stamp.querySelector("option[value='" + paired + "']")) stamp.value = paired;
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-buyer-document]")) showBuyerFields(event.target);
  });
  document.addEventListener("htmx:load", function (event) {
    event.detail.elt.querySelectorAll("[data-buyer-document]").forEach(showBuyerFields);
    event.detail.elt.querySelectorAll("[data-facility]").forEach(function (box) { showFacility(box.closest("form")); });
  });

  // Export CSV / Export XML: fetch the file, save it, then let the table show the rows Exported.
  // A refusal comes back as the usual message dialog.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (!form.matches("form[data-download]") || !button || !button.hasAttribute("data-download-format")) return;
    event.preventDefault();
    var data = new FormData(form);
    data.append(button.name, button.value);
    button.disabled = true;
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (!response.ok) {
          return response.text().then(function (body) {
            if ((response.headers.get("Content-Type") || "").indexOf("text/html") === 0) {
              var root = document.getElementById("modal-root");
              root.innerHTML = body;
              openDialogs(root);
            } else {
              toast(body || ("The server answered " + response.status + ". Nothing was exported."));
            }
          });
        }
        var disposition = response.headers.get("Content-Disposition") || "";
        var match = /filename="([^"]+)"/.exec(disposition);
        var count = response.headers.get("X-Efaktur-Invoices");
        return response.blob().then(function (blob) {
          var link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = match ? match[1] : "efaktur-export";
          document.body.appendChild(link);
          link.click();
          link.remove();
          setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
          toast("Downloaded " + link.download + (count ? " (" + count + " invoice" + (count === "1" ? "" : "s") + ")." : "."));
          document.body.dispatchEvent(new CustomEvent("exportsChanged", { bubbles: true }));
        });
      })
      .catch(function () {
        toast("The download failed (the connection broke off). Nothing was marked Exported; try again.");
      })
      .finally(function () { button.disabled = false; });
  });

  // "+ Add line" in the invoice form: a copy of the <template> row with the next index.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-line]");
    if (!button) return;
    var body = document.querySelector(button.dataset.addLine);
    var template = button.closest("form").querySelector("#line-template");
    var index = 0;  // one past the highest index in use: lines may have been removed in between
    body.querySelectorAll("[name^='lines-']").forEach(function (input) {
      index = Math.max(index, parseInt(input.name.split("-")[1], 10) + 1);
    });
    body.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__index__/g, String(index)).replace(/__number__/g, String(index + 1)));
    body.querySelector("tr.line:last-child input").focus();
  });

  // "Remove" on a line of the invoice form; an invoice keeps at least one (an empty one then).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-line]");
    if (!button) return;
    var row = button.closest("tr.line");
    var body = row.parentElement;
    var next = row.nextElementSibling || row.previousElementSibling;
    var form = row.closest("form");
    row.remove();
    if (!body.querySelector("tr.line")) {
      form.querySelector("[data-add-line]").click();
      return;
    }
    var field = next && next.querySelector("input, select");
    (field || form.querySelector("[data-add-line]")).focus();
  });

  // Questions before a change that cannot be taken back: data-confirm holds the question,
  // data-confirm-when="field=value" asks only when the form's field has that value.
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    var question = elt.getAttribute && elt.getAttribute("data-confirm");
    if (!question) return;
    var when = elt.getAttribute("data-confirm-when");
    if (when) {
      var parts = when.split("=");
      var field = elt.elements && elt.elements[parts[0]];
      if (!field || field.value !== parts[1]) return;
    }
    event.preventDefault();
    if (window.confirm(question)) event.detail.issueRequest(true);
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

// Modal dialogs swapped in by htmx, the success pop-up, and error toasts.
(function () {
  "use strict";

  // The words this script writes on screen, in the page's language (base.html's #app-words).
  var wordsBlock = document.getElementById("app-words");
  var WORDS = wordsBlock ? JSON.parse(wordsBlock.textContent) : {};
  function say(key, values) {
    return (WORDS[key] || key).replace(/\{(\w+)\}/g, function (_, name) { return values && name in values ? values[name] : ""; });
  }

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
      dialog.querySelectorAll("form[data-keeps-typing]").forEach(function (form) { form.dataset.initial = typed(form); });
      focusInside(dialog);
    });
  }

  // What a form holds, to tell whether anything was typed since it opened (the search box aside).
  function typed(form) {
    var data = new FormData(form);
    data.delete("customer_q");
    return new URLSearchParams(data).toString();
  }
  function hasTyping(dialog) {
    var form = dialog && dialog.querySelector("form[data-keeps-typing]");
    return !!form && (form.dataset.changed === "1" || typed(form) !== form.dataset.initial);
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
    dialog.dataset.closing = "yes";  // closed on purpose: asked already, or nothing typed
    putRoleBack(dialog);
    dialog.close();
    dialog.remove();
    giveFocusBack();
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && (target.id === "modal-root" || target.id === "login-root")) {
      // A form that came back from its own POST (422: errors to fix) holds what was typed.
      if (event.detail.requestConfig && event.detail.requestConfig.verb !== "get") {
        target.querySelectorAll("form[data-keeps-typing]").forEach(function (form) { form.dataset.changed = "1"; });
      }
      openDialogs(target);
    }
  });

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-modal]");
    if (!closer) return;
    var dialog = closer.closest("dialog");
    if (hasTyping(dialog)) {
      ask(say("discard_question"), function () { closeModal(dialog); });
      return;
    }
    closeModal(dialog);
  });

  // Escape on a form with typing asks too: taken at the key itself (a browser may not let the page refuse the
  // dialog's own "cancel"), and at "cancel" for the other ways a dialog is cancelled.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    var dialog = event.target.closest && event.target.closest("dialog.modal");
    if (!dialog || !hasTyping(dialog)) return;
    var pick = event.target.closest("[data-customer-pick]");
    if (pick && pick.querySelector("[role=listbox]").children.length) return;  // Escape closes the suggestions
    event.preventDefault();
    ask(say("discard_question"), function () { closeModal(dialog); });
  });

  // Escape on a form with typing asks too (the browser's "cancel" of a dialog).
  document.addEventListener("cancel", function (event) {
    var dialog = event.target;
    if (!dialog.matches || !dialog.matches("dialog.modal") || !hasTyping(dialog)) return;
    event.preventDefault();
    ask(say("discard_question"), function () { closeModal(dialog); });
  }, true);

  // Escape closes a native dialog; drop it from the DOM too so the next swap starts clean.
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (!dialog.matches || !dialog.matches("dialog.modal")) return;
    // The browser may close a dialog on Escape without letting the page refuse (no user action since the
    // last refusal): with typing in it, it opens again and asks.
    if (dialog.dataset.closing !== "yes" && document.body.contains(dialog) && hasTyping(dialog)) {
      dialog.showModal();
      ask(say("discard_question"), function () { closeModal(dialog); });
      return;
    }
    putRoleBack(dialog);
    dialog.remove();
    giveFocusBack();
  }, true);

  // The role question closed without Yes (No, ×, Escape): the dropdown shows the user's role again.
  function putRoleBack(dialog) {
    if (!dialog.dataset.roleOf) return;
    var select = document.querySelector("select[data-user-role='" + dialog.dataset.roleOf + "']");
    if (select) select.value = select.getAttribute("data-role-was");
  }

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

  // New Invoice's "Find a customer": the suggestions (customers/suggest) fill the buyer's fields.
  function suggestionsOf(input) {
    var pick = input.closest("[data-customer-pick]");
    return pick && pick.querySelector("[role=listbox]");
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail.target;
    if (!list || list.id !== "customer-suggestions") return;
    var input = list.closest("[data-customer-pick]").querySelector("[role=combobox]");
    input.setAttribute("aria-expanded", list.children.length ? "true" : "false");
  });
  function fillFromCustomer(button) {
    var form = button.closest("form");
    var values = JSON.parse(button.getAttribute("data-fill"));
    Object.keys(values).forEach(function (name) {
      var field = form.elements[name];
      if (field && typeof field.value !== "undefined") field.value = values[name];
    });
    var save = form.querySelector("[data-save-customer]");
    if (save) { save.hidden = true; save.querySelector("input").checked = false; }
    var pick = button.closest("[data-customer-pick]");
    var input = pick.querySelector("[role=combobox]");
    var list = suggestionsOf(input);
    list.innerHTML = "";
    input.value = "";
    input.setAttribute("aria-expanded", "false");
    form.querySelectorAll("[data-buyer-document]").forEach(showBuyerFields);
    var name = form.elements.customer_name;
    name.dispatchEvent(new Event("change", { bubbles: true }));  // the live totals and warnings look again
    name.focus();
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fill]");
    if (button) fillFromCustomer(button);
  });
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-customer-pick] [role=combobox], [data-customer-pick] [data-fill]")) return;
    var list = suggestionsOf(input);
    var options = list ? Array.prototype.slice.call(list.querySelectorAll("[data-fill]")) : [];
    var at = options.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      options[Math.min(at + 1, options.length - 1)].focus();
    } else if (event.key === "ArrowUp" && options.length) {
      event.preventDefault();
      if (at <= 0) input.closest("[data-customer-pick]").querySelector("[role=combobox]").focus();
      else options[at - 1].focus();
    } else if (event.key === "Enter" && input.matches("[role=combobox]")) {
      event.preventDefault();  // Enter in the search field never submits the invoice
      if (options.length === 1) fillFromCustomer(options[0]);
    } else if (event.key === "Escape" && list && list.children.length) {
      event.preventDefault();
      event.stopPropagation();  // closes the suggestions, not the dialog
      list.innerHTML = "";
      input.closest("[data-customer-pick]").querySelector("[role=combobox]").focus();
    }
  }, true);
  // Typing another buyer name by hand: the invoice no longer comes from the customer chosen before.
  document.addEventListener("input", function (event) {
    var name = event.target;
    if (!name.matches || !name.matches("[data-customer-name]")) return;
    var form = name.closest("form");
    if (form.elements.customer_id && form.elements.customer_id.value) {
      form.elements.customer_id.value = "";
      var save = form.querySelector("[data-save-customer]");
      if (save) save.hidden = false;
    }
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
              toast(body || say("export_refused", { status: response.status }));
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
          toast(say(count ? (count === "1" ? "downloaded_one" : "downloaded_many") : "downloaded", { file: link.download, count: count }));
          document.body.dispatchEvent(new CustomEvent("exportsChanged", { bubbles: true }));
        });
      })
      .catch(function () {
        toast(say("download_failed"));
      })
      .finally(function () { button.disabled = false; });
  });

  // The Export tab reloads itself after an export (its rows turn Exported): the ticks, and "all of the
  // period", stay as they were, so Export XML after Export CSV needs no ticking again.
  var keptTicks = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "export-list") return;
    var form = document.getElementById("export-form");
    if (!form) return;
    var scope = form.querySelector("input[name=scope]");
    keptTicks = {
      ids: Array.prototype.map.call(form.querySelectorAll("input[name=invoice_ids]:checked"), function (box) { return box.value; }),
      all: !!(form.querySelector("[data-select-all]") || {}).checked,
      scope: scope ? scope.value : "",
      period: (form.elements.period || {}).value,
    };
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!keptTicks || !event.detail.target || event.detail.target.id !== "export-list") return;
    var form = document.getElementById("export-form");
    var kept = keptTicks;
    keptTicks = null;
    if (!form || (form.elements.period || {}).value !== kept.period) return;  // another period: nothing to keep
    kept.ids.forEach(function (id) {
      var box = form.querySelector("input[name=invoice_ids][value='" + id + "']");
      if (box) box.checked = true;
    });
    var all = form.querySelector("[data-select-all]");
    if (all && kept.all) all.checked = true;
    if (kept.scope) {
      var banner = form.querySelector("[data-scope-banner]");
      if (banner) { banner.hidden = false; setScope(form, kept.scope); }
    } else if (kept.all) {
      var shown = form.querySelector("[data-scope-banner]");
      if (shown) shown.hidden = false;
    }
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
    ask(question, function () { event.detail.issueRequest(true); });
  });

  // The app's own question dialog (base.html's #confirm-template, in the page's language), never the browser's.
  function ask(question, onYes, yesLabel) {
    var template = document.getElementById("confirm-template");
    var root = document.getElementById("modal-root");
    root.insertAdjacentHTML("beforeend", template.innerHTML);
    var dialog = root.lastElementChild;
    dialog.querySelector("[data-question]").textContent = question;
    if (yesLabel) dialog.querySelector("[data-yes]").textContent = yesLabel;
    dialog.querySelector("[data-yes]").addEventListener("click", function () {
      closeModal(dialog);
      onYes();
    });
    opener = document.activeElement;
    dialog.showModal();
    dialog.querySelector("[data-yes]").focus();
  }

  // The printable invoice's Print button.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
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

  // A session that ended while a form was open: the login pop-up, then the same request again, so no typing is
  // lost (the server answers an htmx request "log in again" with 401 and where the pop-up is).
  var pending = [];
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var login = xhr.status === 401 && xhr.getResponseHeader("X-Efaktur-Login");
    if (!login) return;
    event.stopImmediatePropagation();
    var config = event.detail.requestConfig || {};
    // Every request refused meanwhile goes again after the login, in order (a live preview, then the Save).
    pending.push({ elt: event.detail.elt, verb: config.verb || "get", path: config.path, target: event.detail.target });
    if (!document.getElementById("login-popup")) {
      htmx.ajax("GET", login, { target: "#login-root", swap: "innerHTML" }).catch(function () {});
    }
  }, true);
  // The pop-up comes with the page's user filled in, the cursor in the password.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.target || event.detail.target.id !== "login-root") return;
    var email = document.querySelector("#login-popup [data-login-email]");
    if (email && !email.value) email.value = document.body.getAttribute("data-user-email") || "";
    var password = document.querySelector("#login-popup input[type=password]");
    if (password && email && email.value) password.focus();
  });
  document.addEventListener("loggedIn", function (event) {
    var detail = event.detail || {};
    var root = document.getElementById("login-root");
    root.querySelectorAll("dialog").forEach(function (dialog) { dialog.close(); });
    root.innerHTML = "";
    if (detail.email && detail.email !== document.body.getAttribute("data-user-email")) {
      window.location.reload();  // someone else logged in: never send this page's form as them
      return;
    }
    if (detail.csrf) {
      document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": detail.csrf }));
      document.querySelectorAll("input[name=csrf_token]").forEach(function (input) { input.value = detail.csrf; });
    }
    lastActivity = Date.now();
    warned = false;
    var again = pending;
    pending = [];
    again.forEach(function (request) {
      if (request.elt && document.body.contains(request.elt)) {
        htmx.ajax(request.verb.toUpperCase(), request.path, { source: request.elt, target: request.target })
          .catch(function () {});  // its own answer (an error toast, a form with errors) says what happened
      }
    });
  });

  // The idle warning: a little before an idle session ends, the page says so and offers to stay logged in.
  var idleSeconds = parseInt(document.body.getAttribute("data-idle-seconds") || "0", 10);
  var warnSeconds = parseInt(document.body.getAttribute("data-idle-warning-seconds") || "0", 10);
  var lastActivity = Date.now();
  var warned = false;
  document.addEventListener("htmx:afterRequest", function () { lastActivity = Date.now(); warned = false; });
  function checkIdle() {
    if (!idleSeconds || warned) return;
    var idle = (Date.now() - lastActivity) / 1000;
    if (idle < idleSeconds - warnSeconds || idle >= idleSeconds) return;
    warned = true;
    var left = Math.max(1, Math.round((idleSeconds - idle) / 60));
    ask(say("idle_question", { minutes: left }), function () {
      fetch(document.body.getAttribute("data-ping"), { credentials: "same-origin" }).then(function (response) {
        if (response.ok) { lastActivity = Date.now(); warned = false; }
      });
    }, say("idle_stay"));
  }
  if (idleSeconds) setInterval(checkIdle, 10000);

  // A plain form (no htmx) with data-confirm asks the same way before it is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-confirm]") || form.hasAttribute("hx-post") || form.dataset.confirmed === "1") return;
    event.preventDefault();
    ask(form.getAttribute("data-confirm"), function () { form.dataset.confirmed = "1"; form.submit(); });
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0 ? xhr.responseText : "";
    toast(text || say("refused", { status: xhr.status }));
  });

  document.addEventListener("htmx:sendError", function () {
    toast(say("unreachable"));
  });

  document.addEventListener("showMessage", function (event) {
    toast(event.detail.value || event.detail.message || "");
  });

  if (document.readyState !== "loading") openDialogs(document);
  else document.addEventListener("DOMContentLoaded", function () { openDialogs(document); });
})();

// The merchant's product manager (templates/catalog/products.html): mark the row whose form is
// open, bring the form into view on a phone, preview a chosen photo, and keep the open form's
// "上架销售" box in step with the row's publish button, and keep the list's filters tidy in the URL
// and in step with it after back / forward. Everything works without this file.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 899px)");

  function openId() {
    var form = document.getElementById("product-form");
    return form ? form.dataset.product || "" : "";
  }

  function markRows() {
    var id = openId();
    document.querySelectorAll(".product-row").forEach(function (row) {
      var on = id !== "" && row.dataset.product === id;
      row.classList.toggle("selected", on);
      var link = row.querySelector(".product-row-main");
      if (!link) return;
      if (on) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    markRows();
    var target = event.target;
    var pane = document.getElementById("product-pane");
    if (!(target instanceof Element) || !pane || !pane.contains(target)) return;
    if (target === pane) pane.scrollTop = 0;
    // After a post: show the first error, or the "saved" note at the top of the form.
    var form = document.getElementById("product-form");
    var problem = form && form.querySelector(".has-error");
    if (problem) {
      problem.scrollIntoView({ behavior: "smooth", block: "center" });
      var input = problem.querySelector("input, select, textarea");
      if (input) input.focus({ preventScroll: true });
    } else if (form && form.querySelector(".flash-success")) {
      pane.scrollTop = 0;
      form.scrollIntoView({ behavior: "smooth", block: "nearest" });
    } else if (target === pane && narrow.matches) {
      // Stacked panes: the form is below the list, so show it when a row opens it.
      pane.scrollIntoView({ behavior: "smooth", block: "start" });
    }
  });

  var preview = null;
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" ||
        !input.closest("#product-form")) return;
    var box = document.getElementById("photo-preview");
    var file = input.files && input.files[0];
    if (!box || !file || !/^image\//.test(file.type)) return;
    if (preview) URL.revokeObjectURL(preview);
    preview = URL.createObjectURL(file);
    var img = document.createElement("img");
    img.src = preview;
    img.alt = window.i18n.t("catalog.preview_alt");
    box.replaceChildren(img);
    box.classList.add("pending");
  });

  document.addEventListener("catalog:published", function (event) {
    var detail = event.detail || {};
    if (String(detail.id) !== openId()) return;
    var box = document.querySelector("#product-form input[name=published]");
    if (box) box.checked = !!detail.published;
  });

  // The list's filters: an empty field is no filter, so it stays out of the URL that htmx
  // requests and pushes (?q=苹果, not ?q=苹果&category=&status=&stock=).
  document.addEventListener("htmx:configRequest", function (event) {
    if (!(event.detail.elt instanceof HTMLFormElement) || event.detail.elt.id !== "product-filters") return;
    var params = event.detail.parameters;
    ["q", "category", "status", "stock"].forEach(function (name) {
      if (params[name] === "") delete params[name];
    });
  });

  // Back and forward bring the list back (from htmx's snapshot, which keeps the fields' HTML but
  // not what was typed or chosen since, or by reloading the page, where the browser may put back
  // the values of the page it left): put the fields in step with the URL in both cases.
  function fillFilters() {
    var form = document.getElementById("product-filters");
    if (!form) return;
    var query = new URLSearchParams(window.location.search);
    ["q", "category", "status", "stock"].forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field) field.value = query.get(name) || "";
    });
  }
  document.addEventListener("htmx:historyRestore", fillFilters);
  // A page back from the browser's back-forward cache is the live page as it was left, which may
  // be at another of this list's URLs (not on a fresh load: what was typed early must stay).
  window.addEventListener("pageshow", function (event) { if (event.persisted) fillFilters(); });

  markRows();
  // Side by side the list scrolls on its own: a page opened on one product shows its row.
  var selected = document.querySelector(".product-row.selected");
  if (selected && !narrow.matches) selected.scrollIntoView({ block: "nearest" });
})();

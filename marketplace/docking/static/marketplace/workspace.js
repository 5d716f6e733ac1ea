/* Need page: at most N solutions picked for comparison, the over-budget toggle submits itself,
   and closing without a contract asks first. The page works without it. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-compare-form]").forEach(function (form) {
      var max = parseInt(form.getAttribute("data-compare-max"), 10) || 3;
      var boxes = form.querySelectorAll('input[name="solutions"]');
      var count = form.querySelector("[data-compare-count]");
      var submit = form.querySelector('button[type="submit"]');
      function update() {
        var picked = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
        boxes.forEach(function (box) { box.disabled = !box.checked && picked >= max; });
        if (count) count.textContent = picked ? "(" + picked + "/" + max + ")" : "";
        if (submit) submit.disabled = picked === 0;
      }
      boxes.forEach(function (box) { box.addEventListener("change", update); });
      update();
    });
    document.querySelectorAll("input[data-autosubmit-check]").forEach(function (box) {
      box.addEventListener("change", function () { box.form.submit(); });
    });
    document.querySelectorAll("button[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  });
})();

/* 小快轻准 — a little vanilla JS: the county picker follows the city picker, the language select
   submits itself, and the menu folds on small screens. Every page works without it. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function countyPickers() {
    var data = document.getElementById("counties-by-city");
    if (!data) return;
    var byCity = JSON.parse(data.textContent);
    document.querySelectorAll("select[data-county-for]").forEach(function (county) {
      var city = document.getElementById(county.getAttribute("data-county-for"));
      if (!city) return;
      var placeholder = county.options.length && county.options[0].value === "" ? county.options[0].text : "";
      function refill() {
        var chosen = county.value;
        var items = byCity[city.value] || [];
        county.innerHTML = "";
        county.appendChild(new Option(placeholder, ""));
        items.forEach(function (item) {
          var value = String(item.id);
          county.appendChild(new Option(item.label || item.name, value, false, value === chosen));
        });
        county.disabled = !city.value;
      }
      city.addEventListener("change", function () { county.value = ""; refill(); });
      refill();
    });
  }

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  function navToggle() {
    var button = document.querySelector("[data-nav-toggle]");
    var nav = document.getElementById("site-nav");
    if (!button || !nav) return;
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Long filter forms fold away on narrow screens so the results come first.
  function collapseNarrow() {
    if (!window.matchMedia("(max-width: 900px)").matches) return;
    document.querySelectorAll("details[data-collapse-narrow]").forEach(function (details) {
      if (!details.querySelector(".field-invalid")) details.open = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    collapseNarrow();
    countyPickers();
    autosubmit();
    navToggle();
  });
})();

// Small progressive enhancements; every page works without them. Loaded as a file (CSP).
(function () {
  "use strict";

  // Copy buttons: <button data-copy="ID"> copies the text of element #ID.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent.trim();
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      button.classList.add("copied");
      setTimeout(function () { button.textContent = label; button.classList.remove("copied"); }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try { document.execCommand("copy"); done(); } catch (e) { /* text stays selected */ }
    }
  });

  // Campaign select: offer only the campaigns of the chosen client (the server checks too).
  function filterCampaigns(select) {
    var client = document.getElementById(select.getAttribute("data-filter-by"));
    if (!client) return;
    var update = function () {
      var chosen = client.value;
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) return;
        var match = chosen && option.getAttribute("data-client") === chosen;
        option.hidden = !match;
        option.disabled = !match;
        if (!match && option.selected) select.value = "";
      });
    };
    client.addEventListener("change", update);
    update();
  }
  document.querySelectorAll("select[data-filter-by]").forEach(filterCampaigns);

  // Range picker: the custom dates show only for "Custom".
  document.querySelectorAll(".range-picker").forEach(function (form) {
    var custom = form.querySelector(".custom-range");
    var radios = form.querySelectorAll("input[name=range]");
    if (!custom || !radios.length) return;
    var update = function () {
      var checked = form.querySelector("input[name=range]:checked");
      custom.classList.toggle("hidden", !checked || checked.value !== "custom");
    };
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  });
})();

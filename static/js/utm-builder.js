// The link form's UTM builder: keeps the destination field and the utm_* fields in step
// while typing. Loaded as a file (CSP); without it the server writes the fields all the same.
(function () {
  "use strict";

  var url = document.getElementById("id_original_url");
  var fields = document.querySelectorAll("input[data-utm]");
  var campaign = document.getElementById("id_campaign");
  if (!url || !fields.length) return;

  function split(value) {
    var hash = value.indexOf("#");
    var fragment = hash < 0 ? "" : value.slice(hash);
    var base = hash < 0 ? value : value.slice(0, hash);
    var mark = base.indexOf("?");
    var query = mark < 0 ? "" : base.slice(mark + 1);
    return {
      path: mark < 0 ? base : base.slice(0, mark),
      parts: query.split("&").filter(function (part) { return part; }),
      fragment: fragment
    };
  }

  function key(part) {
    try { return decodeURIComponent(part.split("=")[0].replace(/\+/g, " ")); } catch (e) { return part; }
  }

  function value(part) {
    var at = part.indexOf("=");
    if (at < 0) return "";
    try { return decodeURIComponent(part.slice(at + 1).replace(/\+/g, " ")); } catch (e) { return part.slice(at + 1); }
  }

  // The URL into the fields: what the destination already carries. `keep`: fields already
  // filled keep their value (a form sent back with errors), as the server would write it.
  function readUrl(keep) {
    var found = {};
    split(url.value).parts.forEach(function (part) {
      var name = key(part);
      if (!(name in found)) found[name] = value(part);
    });
    fields.forEach(function (field) {
      if (keep === true && field.value.trim()) return;
      field.value = found[field.getAttribute("data-utm")] || "";
    });
  }

  // The fields into the URL: set, replaced in place, or removed when blank.
  function writeUrl() {
    var pieces = split(url.value.trim());
    if (!pieces.path) return;
    var wanted = {};
    fields.forEach(function (field) {
      wanted[field.getAttribute("data-utm")] = field.value.trim();
    });
    var written = {};
    var kept = [];
    pieces.parts.forEach(function (part) {
      var name = key(part);
      if (!(name in wanted)) { kept.push(part); return; }
      if (written[name] || !wanted[name]) return;
      written[name] = true;
      kept.push(name + "=" + encodeURIComponent(wanted[name]));
    });
    Object.keys(wanted).forEach(function (name) {
      if (wanted[name] && !written[name]) kept.push(name + "=" + encodeURIComponent(wanted[name]));
    });
    url.value = pieces.path + (kept.length ? "?" + kept.join("&") : "") + pieces.fragment;
  }

  // utm_campaign's placeholder: the chosen campaign's slug, which the server writes when
  // the field is left blank and another UTM field is filled.
  function showDefault() {
    var field = document.querySelector("input[data-utm=utm_campaign]");
    if (!field || !campaign) return;
    var option = campaign.options[campaign.selectedIndex];
    field.placeholder = (option && option.getAttribute("data-slug")) || "";
  }

  readUrl(true);
  writeUrl();
  url.addEventListener("change", readUrl);
  fields.forEach(function (field) { field.addEventListener("input", writeUrl); });
  if (campaign) campaign.addEventListener("change", showDefault);
  showDefault();
})();

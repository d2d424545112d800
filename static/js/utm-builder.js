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

  // utm_campaign's default, as the server writes it: the chosen campaign's slug, once any
  // other UTM field is filled, until the field is typed in.
  var campaignField = document.querySelector("input[data-utm=utm_campaign]");
  var typed = campaignField && campaignField.value.trim() !== "";
  var lastSlug = "";
  function fillDefault() {
    if (!campaignField || !campaign) return;
    var option = campaign.options[campaign.selectedIndex];
    var slug = (option && option.getAttribute("data-slug")) || "";
    campaignField.placeholder = slug;
    var others = Array.prototype.some.call(fields, function (field) {
      return field !== campaignField && field.value.trim();
    });
    if (!typed && others && (!campaignField.value.trim() || campaignField.value === lastSlug)) {
      campaignField.value = slug;
    }
    lastSlug = slug;
  }

  readUrl(true);
  fillDefault();
  writeUrl();
  url.addEventListener("change", function () { readUrl(); typed = campaignField && campaignField.value.trim() !== ""; });
  fields.forEach(function (field) {
    field.addEventListener("input", function () {
      if (field === campaignField) typed = true; else fillDefault();
      writeUrl();
    });
  });
  if (campaign) campaign.addEventListener("change", function () { fillDefault(); writeUrl(); });
})();

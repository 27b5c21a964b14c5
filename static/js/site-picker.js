// The site of a post or a workshop ([data-site-picker]): a village from the village picker, or (posts) a place
// outside the county by name. The coordinates come from the choice, not from typing: a village's stored ones
// (its option's data-lat / data-lon), or those of a place earlier posts used (the site name's datalist). They stay
// editable in the folded "精确坐标" section; once typed by hand they are left alone, and the summary says where
// they came from. Without JavaScript the same fields are plain, and the service takes a village's coordinates when
// none are typed.
(function () {
  "use strict";

  function setUp(box) {
    var words = box.dataset;
    var village = box.querySelector("select[data-site-village]");
    var latitude = box.querySelector("input[name=latitude]");
    var longitude = box.querySelector("input[name=longitude]");
    var siteName = box.querySelector("input[name=site_name]");
    var coords = box.querySelector("details.coords");
    var readout = box.querySelector(".coords-readout");
    var modes = box.querySelector(".site-modes");
    var villagePart = box.querySelector("[data-site-part=village]");
    if (!village || !latitude || !longitude) { return; }
    var auto = null; // the place whose coordinates the fields hold, as the script put them there

    function say(text) { if (readout) { readout.textContent = text ? "· " + text : ""; } }

    function known(name) {
      var list = siteName && siteName.list;
      if (!list || !name) { return null; }
      return Array.prototype.find.call(list.options, function (o) { return o.value === name.trim(); }) || null;
    }

    // The place the coordinates should come from now: the chosen village, else a known place by its name.
    function source() {
      var option = village.options[village.selectedIndex];
      if (option && option.value) { return option; }
      return known(siteName ? siteName.value : "");
    }

    function fill() {
      var from = source();
      var name = from ? (from.value && from.text ? from.text : from.value) : "";
      var lat = from ? from.getAttribute("data-lat") : "";
      var lon = from ? from.getAttribute("data-lon") : "";
      var empty = !latitude.value.trim() && !longitude.value.trim();
      if (empty || auto !== null) {
        latitude.value = lat || "";
        longitude.value = lon || "";
        auto = lat ? name : null;
      }
      if (auto !== null) {
        say(words.fromLabel.replace("{place}", auto) + " " + latitude.value + ", " + longitude.value);
      } else if (latitude.value.trim() || longitude.value.trim()) {
        say(words.typedLabel);
      } else if (from) {
        say(words.missingLabel);
        if (coords) { coords.open = true; }
      } else {
        say("");
      }
    }

    // Coordinates that came back with the form (a refused save) and equal the choice's were the script's.
    (function adopt() {
      var from = source();
      if (from && from.getAttribute("data-lat") &&
          parseFloat(latitude.value) === parseFloat(from.getAttribute("data-lat")) &&
          parseFloat(longitude.value) === parseFloat(from.getAttribute("data-lon"))) {
        auto = from.text || from.value;
      }
    })();

    [latitude, longitude].forEach(function (field) {
      field.addEventListener("input", function () { auto = null; fill(); });
    });
    village.addEventListener("change", fill);
    if (siteName) { siteName.addEventListener("input", function () { if (!village.value) { fill(); } }); }

    if (modes && villagePart) {
      var away = !village.value && !!((siteName && siteName.value.trim()) || latitude.value.trim());
      var mode = function (which) {
        villagePart.hidden = which !== "village";
        if (which !== "address") { return; }
        if (village.value) {
          // A place outside the county has no village: its coordinates come from its name or are typed.
          village.value = "";
          village.dispatchEvent(new Event("change", { bubbles: true }));
        }
        if (coords) { coords.open = true; }
        if (siteName) { siteName.focus(); }
      };
      modes.querySelectorAll("input[type=radio]").forEach(function (radio) {
        radio.checked = radio.value === (away ? "address" : "village");
        radio.addEventListener("change", function () { mode(radio.value); });
      });
      modes.hidden = false;
      villagePart.hidden = away;
    }
    fill();
  }

  document.querySelectorAll("[data-site-picker]").forEach(setUp);
})();

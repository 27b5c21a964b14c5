// Type-ahead for long pickers: a search box (.pick-filter[data-filter-for=ID]) hides the options of the
// select #ID whose name and pinyin (data-keys) do not contain what was typed; chosen options stay shown.
(function () {
  "use strict";
  document.querySelectorAll(".pick-filter[data-filter-for]").forEach(function (box) {
    var select = document.getElementById(box.getAttribute("data-filter-for"));
    if (!select) { return; }
    box.addEventListener("input", function () {
      var typed = box.value.trim().toLowerCase().replace(/\s+/g, "");
      select.querySelectorAll("optgroup").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll("option").forEach(function (option) {
          var keys = (option.getAttribute("data-keys") || option.textContent).toLowerCase();
          var show = !typed || option.selected || keys.replace(/\s+/g, " ").split(" ").some(function (k) {
            return k.indexOf(typed) !== -1;
          }) || keys.replace(/\s+/g, "").indexOf(typed) !== -1;
          option.hidden = !show;
          if (show) { shown += 1; }
        });
        group.hidden = shown === 0;
      });
      select.querySelectorAll(":scope > option[data-keys]").forEach(function (option) {
        var keys = option.getAttribute("data-keys").toLowerCase();
        option.hidden = !!typed && !option.selected && keys.replace(/\s+/g, "").indexOf(typed) === -1 && keys.indexOf(typed) === -1;
      });
    });
  });
})();

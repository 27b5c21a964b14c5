// Type-ahead for long pickers. A search box (.pick-filter[data-filter-for=ID]) stands before the select #ID and
// narrows it by what was typed: an option matches when its name or pinyin (data-keys: "城东村 chengdongcun cdc")
// holds the letters typed, or when its group does (data-group-keys: the township's, so "cyz" lists 岑阳镇's
// villages). Rendered with `hidden`, the box shows only with JavaScript; without it the plain select serves.
//
// - A multiple select (the administrator's regions) stays on screen and is narrowed in place; chosen options stay.
// - A single select becomes a combobox: the box shows the chosen option ("岑阳镇 · 城东村"); typing lists the
//   matches under it, grouped as in the select; arrow keys move, Enter or a tap picks. The select stays in the form
//   (hidden) and carries the value, with a "change" event for the scripts that follow it (site-picker.js).
//   data-search-url: the matches come from the server (GET URL?q= → {items: [{id, name, hint}], exact}) instead
//   of the select's options, e.g. the county's employers. data-new-label: the list ends with "new …: what was
//   typed" unless a match has that very name; picking it chooses the select's "new" option, opens the fieldset
//   #data-new-fields (disabled, so not sent, while another choice stands) and copies the text into #data-new-name.
(function () {
  "use strict";
  var DELAY_MS = 150;
  var LIMIT = 60; // matches listed at once: a phone's screenful or two; more typing narrows the rest
  var NEW = "new";

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function squeeze(value) { return (value || "").trim().toLowerCase().replace(/\s+/g, ""); }

  // Does a key string ("城东村 chengdongcun cdc") hold what was typed, in one of its words or across them?
  function holds(keys, typed) {
    keys = (keys || "").toLowerCase();
    return keys.split(/\s+/).some(function (k) { return k.indexOf(typed) !== -1; }) ||
      keys.replace(/\s+/g, "").indexOf(typed) !== -1;
  }

  function groupOf(option) {
    return option.parentNode.tagName === "OPTGROUP" ? option.parentNode : null;
  }

  // 2: the option's own name or pinyin; 1: its group's (a township); 0: no match.
  function match(option, typed) {
    if (!typed) { return 2; }
    if (holds(option.getAttribute("data-keys") || option.textContent, typed)) { return 2; }
    var group = groupOf(option);
    var groupKeys = option.getAttribute("data-group-keys") || (group && group.getAttribute("data-keys"));
    return groupKeys && holds(groupKeys, typed) ? 1 : 0;
  }

  function narrowInPlace(box, select) {
    box.addEventListener("input", function () {
      var typed = squeeze(box.value);
      select.querySelectorAll("optgroup").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll("option").forEach(function (option) {
          option.hidden = !option.selected && !match(option, typed);
          if (!option.hidden) { shown += 1; }
        });
        group.hidden = shown === 0;
      });
      select.querySelectorAll(":scope > option[data-keys]").forEach(function (option) {
        option.hidden = !option.selected && !match(option, typed);
      });
    });
  }

  function combobox(box, select) {
    var words = box.dataset;
    var remote = words.searchUrl || "";
    var newFields = words.newFields ? document.getElementById(words.newFields) : null;
    var newName = words.newName ? document.getElementById(words.newName) : null;
    var list = make("ul", "suggestions pick-list");
    var items = []; // [{node, pick}] of the list shown
    var active = -1;
    var asked = 0;
    var timer = null;

    if (!box.id) { box.id = select.id + "-search"; }
    list.id = select.id + "-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    box.parentNode.insertBefore(list, box.nextSibling);
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", list.id);
    if (select.getAttribute("aria-describedby")) { box.setAttribute("aria-describedby", select.getAttribute("aria-describedby")); }
    var label = document.querySelector("label[for='" + select.id + "']");
    if (label) { label.htmlFor = box.id; }
    select.hidden = true;
    box.hidden = false;

    function chosen() { return select.options[select.selectedIndex] || null; }

    function labelOf(option) {
      var group = groupOf(option);
      return group ? group.label + " · " + option.text : option.text;
    }

    // The box says what the form will send: the chosen option, or the name of the employer to register.
    function showChosen() {
      var option = chosen();
      if (option && option.value === NEW) {
        box.value = newName ? newName.value : "";
      } else {
        box.value = option && option.value ? labelOf(option) : "";
      }
      if (newFields) {
        var isNew = !!option && option.value === NEW;
        newFields.hidden = !isNew;
        newFields.disabled = !isNew;
      }
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
    }

    function choose(value, text) {
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === value; });
      if (!option) {
        // A match from the server that the page's list did not hold (registered since it was drawn).
        option = new Option(text, value);
        select.appendChild(option);
      }
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      close();
    }

    function highlight(index) {
      items.forEach(function (item, i) {
        item.node.setAttribute("aria-selected", i === index ? "true" : "false");
        item.node.classList.toggle("active", i === index);
      });
      active = index;
      if (index >= 0) {
        box.setAttribute("aria-activedescendant", items[index].node.id);
        items[index].node.scrollIntoView({ block: "nearest" });
      }
    }

    function add(text, hint, onPick, className) {
      var item = make("li", className);
      item.setAttribute("role", "option");
      item.id = list.id + "-" + items.length;
      var button = make("button", "suggestion", text);
      button.type = "button";
      button.tabIndex = -1;
      if (hint) { button.appendChild(make("span", "hint", " " + hint)); }
      button.addEventListener("mousedown", function (event) { event.preventDefault(); }); // keep the focus
      button.addEventListener("click", function () { onPick(); box.focus(); });
      item.appendChild(button);
      list.appendChild(item);
      items.push({ node: item, pick: onPick });
    }

    function note(text, className) {
      if (!text) { return; }
      var item = make("li", className || "hint", text);
      item.setAttribute("role", "presentation");
      list.appendChild(item);
    }

    function open() {
      list.hidden = false;
      box.setAttribute("aria-expanded", "true");
      highlight(items.length ? 0 : -1);
      // On a phone the list may open below the fold (or under the keyboard): bring it up, the box above it.
      if (list.getBoundingClientRect().bottom > window.innerHeight) { list.scrollIntoView({ block: "nearest" }); }
    }

    function offerNew(typed, taken) {
      if (!words.newLabel || !typed || taken) { return; }
      add(words.newLabel + "：" + typed, "", function () {
        if (newName) { newName.value = typed; }
        choose(NEW, typed);
        var next = newFields && newFields.querySelector("select, input:not([type=hidden])");
        if (next && next !== newName) { next.focus(); }
      }, "pick-new");
    }

    // The select's own options that match, the option's own name before its township's.
    function showLocal(raw) {
      var typed = squeeze(raw);
      var found = [];
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value || option.value === NEW) { return; }
        var how = match(option, typed);
        if (how) { found.push({ option: option, how: how }); }
      });
      if (typed) { found.sort(function (a, b) { return b.how - a.how; }); } // stable: code order within each
      list.textContent = "";
      items = [];
      var heading = null;
      found.slice(0, LIMIT).forEach(function (entry) {
        var group = groupOf(entry.option);
        var title = group ? group.label : null;
        if (title && title !== heading) { note(title, "pick-group"); }
        heading = title;
        add(entry.option.text, "", function () { choose(entry.option.value); });
      });
      if (!found.length) { note(words.emptyLabel || ""); }
      if (found.length > LIMIT) { note((words.moreLabel || "").replace("{count}", found.length - LIMIT)); }
      open();
    }

    function showRemote(raw) {
      var typed = raw.trim();
      var mine = ++asked;
      if (!typed) { close(); return; }
      fetch(remote + (remote.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(typed), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : { items: [] };
      }).catch(function () {
        return { items: [] };
      }).then(function (body) {
        if (mine !== asked || box.value.trim() !== typed) { return; }
        list.textContent = "";
        items = [];
        (body.items || []).forEach(function (found) {
          add(found.name, found.hint, function () { choose(String(found.id), found.name); });
        });
        var taken = body.exact || (body.items || []).some(function (found) { return found.name === typed; });
        if (!(body.items || []).length) { note(words.emptyLabel || ""); }
        offerNew(typed, taken);
        open();
      });
    }

    function show() {
      var option = chosen();
      // The box still shows what is chosen: list everything rather than that one name.
      var raw = option && option.value && box.value === labelOf(option) ? "" : box.value;
      if (remote) { showRemote(raw); } else { showLocal(raw); }
    }

    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(show, remote ? DELAY_MS : 0);
    });
    box.addEventListener("focus", function () { box.select(); });
    box.addEventListener("click", function () { if (list.hidden && !remote && !box.value) { show(); } });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        // Enter takes the highlighted match; while a search is typed and not picked, it does not send the form.
        var option = chosen();
        var settled = list.hidden && (option && option.value ? box.value === labelOf(option) : !box.value.trim());
        if (!settled) { event.preventDefault(); }
        if (!list.hidden && active >= 0 && items[active]) { items[active].pick(); }
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { show(); } else if (items.length) { highlight((active + 1) % items.length); }
      } else if (event.key === "ArrowUp" && items.length) {
        event.preventDefault();
        highlight((active - 1 + items.length) % items.length);
      } else if (event.key === "Escape") {
        close();
        showChosen();
      }
    });
    box.addEventListener("blur", function () {
      setTimeout(function () {
        if (document.activeElement === box) { return; }
        close();
        if (!box.value.trim() && select.value && select.value !== NEW && select.querySelector("option[value='']")) {
          // The box emptied: nothing chosen, as the select's blank option says.
          select.value = "";
          select.dispatchEvent(new Event("change", { bubbles: true }));
        }
        showChosen();
      }, 150);
    });
    select.addEventListener("change", showChosen);
    if (newName) {
      newName.addEventListener("input", function () { if (select.value === NEW) { box.value = newName.value; } });
    }
    showChosen();
  }

  document.querySelectorAll(".pick-filter[data-filter-for]").forEach(function (box) {
    var select = document.getElementById(box.getAttribute("data-filter-for"));
    if (!select) { return; }
    if (select.multiple) {
      box.hidden = false;
      narrowInPlace(box, select);
    } else {
      combobox(box, select);
    }
  });
})();

// The skill picker of the opening form: type a skill in your own words, pick the dictionary's canonical
// name (GET /api/v1/skills/normalize?q=), keep the chosen skills as removable chips. Without JavaScript the
// form keeps its plain text field of comma-separated skills, which is also what this script fills in.
(function () {
  "use strict";
  var SEPARATORS = /[、，,；;／/|\n]+/; // the same as jobmatch/text.py splits skills on
  var DELAY_MS = 200;
  var meta = document.querySelector("meta[name=csrf-token]");
  var csrf = meta ? meta.getAttribute("content") : "";

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function setUp(box) {
    var field = box.querySelector("input[type=text]");
    if (!field) { return; }
    var label = box.querySelector("label[for='" + field.id + "']");
    var words = box.dataset;
    var chosen = field.value.split(SEPARATORS).map(function (s) { return s.trim(); }).filter(Boolean);
    var asked = 0;
    var timer = null;

    var chips = make("ul", "chips");
    chips.setAttribute("aria-label", words.listLabel);
    chips.setAttribute("aria-live", "polite");
    var typing = make("input", "skill-typing");
    typing.type = "text";
    typing.id = field.id + "-typing";
    typing.placeholder = words.placeholder;
    typing.autocomplete = "off";
    typing.setAttribute("role", "combobox");
    typing.setAttribute("aria-autocomplete", "list");
    typing.setAttribute("aria-expanded", "false");
    var list = make("ul", "suggestions");
    list.id = field.id + "-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    typing.setAttribute("aria-controls", list.id);

    // The text field stays the form's value (hidden); the chips and the typing box stand in for it.
    field.type = "hidden";
    field.parentNode.insertBefore(chips, field.nextSibling);
    chips.parentNode.insertBefore(typing, chips.nextSibling);
    typing.parentNode.insertBefore(list, typing.nextSibling);
    if (label) { label.htmlFor = typing.id; }

    function sync() { field.value = chosen.join("，"); }

    function render() {
      chips.textContent = "";
      chosen.forEach(function (skill, index) {
        var chip = make("li", "chip");
        chip.appendChild(make("span", "chip-label", skill));
        var remove = make("button", "chip-remove", "×");
        remove.type = "button";
        remove.setAttribute("aria-label", words.removeLabel + " " + skill);
        remove.addEventListener("click", function () {
          chosen.splice(index, 1);
          sync();
          render();
          typing.focus();
        });
        chip.appendChild(remove);
        chips.appendChild(chip);
      });
      sync();
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      typing.setAttribute("aria-expanded", "false");
    }

    function add(skill) {
      skill = (skill || "").trim();
      if (skill && chosen.indexOf(skill) === -1) { chosen.push(skill); }
      typing.value = "";
      close();
      render();
    }

    function option(text, hint, onPick) {
      var item = make("li");
      item.setAttribute("role", "option");
      var button = make("button", "suggestion", text);
      button.type = "button";
      if (hint) { button.appendChild(make("span", "hint", " " + hint)); }
      button.addEventListener("mousedown", function (event) { event.preventDefault(); }); // keep the focus
      button.addEventListener("click", onPick);
      item.appendChild(button);
      list.appendChild(item);
    }

    function show(typed, items) {
      list.textContent = "";
      items.forEach(function (item) {
        option(item.name, item.category_name || "", function () { add(item.name); typing.focus(); });
      });
      if (!items.length) { list.appendChild(make("li", "hint", words.emptyLabel)); }
      if (!items.some(function (item) { return item.name === typed; })) {
        option(words.asTypedLabel + "：" + typed, "", function () { add(typed); typing.focus(); });
      }
      list.hidden = false;
      typing.setAttribute("aria-expanded", "true");
    }

    function suggest() {
      var typed = typing.value.trim();
      if (!typed) { close(); return; }
      var mine = ++asked;
      fetch(words.suggestUrl + "?limit=5&q=" + encodeURIComponent(typed), {
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrf }
      }).then(function (response) {
        return response.ok ? response.json() : { items: [] };
      }).then(function (body) {
        if (mine === asked && typing.value.trim() === typed) { show(typed, body.items || []); }
      }).catch(function () {
        if (mine === asked) { show(typed, []); }
      });
    }

    typing.addEventListener("input", function () {
      var parts = typing.value.split(SEPARATORS);
      if (parts.length > 1) {
        // A separator typed or pasted: everything before it is a skill as written.
        parts.slice(0, -1).forEach(function (part) { if (part.trim()) { add(part); } });
        typing.value = parts[parts.length - 1];
      }
      clearTimeout(timer);
      timer = setTimeout(suggest, DELAY_MS);
    });
    typing.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        if (typing.value.trim()) { add(typing.value); }
      } else if (event.key === "Escape") {
        close();
      } else if (event.key === "Backspace" && !typing.value && chosen.length) {
        chosen.pop();
        render();
      }
    });
    typing.addEventListener("blur", function () { setTimeout(close, 150); });
    if (field.form) {
      // Whatever is still in the box when the form is sent counts, as it would in the plain field.
      field.form.addEventListener("submit", function () { if (typing.value.trim()) { add(typing.value); } });
    }
    render();
  }

  document.querySelectorAll("[data-skill-picker]").forEach(setUp);
})();

// The skill picker of the opening and laborer forms: type a skill in your own words, see the dictionary's
// canonical skill it maps to (GET /api/v1/skills/normalize?q=), keep the chosen skills as removable chips.
// Arrow keys move the highlight among the suggestions; Enter takes the highlighted one (the first by default),
// or the text as typed when nothing is suggested yet. Without JavaScript the form keeps its plain text field of
// comma-separated skills, which is also what this script fills in.
//
// data-keep="raw" (the laborer form): a chip keeps the phrase as the laborer said it and shows the dictionary
// skill it maps to ("会踩缝纫机 → 缝纫"); choosing another suggestion than the first keeps that skill's name,
// since the phrase itself would be read as the first. Otherwise (the opening form) a chip is the skill's name.
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
    var field = box.querySelector("input[type=text], textarea");
    if (!field) { return; }
    var label = box.querySelector("label[for='" + field.id + "']");
    var words = box.dataset;
    var keepRaw = words.keep === "raw";
    var chosen = field.value.split(SEPARATORS).map(function (s) { return s.trim(); }).filter(Boolean);
    var mapped = {}; // phrase → the canonical skill it maps to (raw mode)
    var asked = 0;
    var timer = null;
    var options = []; // [{node, pick}] of the list shown
    var active = -1;

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
    if (field.tagName === "TEXTAREA") { field.hidden = true; } else { field.type = "hidden"; }
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
        if (keepRaw && mapped[skill] && mapped[skill] !== skill) {
          chip.appendChild(make("span", "chip-maps hint", "→ " + mapped[skill]));
        }
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
      options = [];
      active = -1;
      typing.setAttribute("aria-expanded", "false");
      typing.removeAttribute("aria-activedescendant");
    }

    function add(skill, canonical) {
      skill = (skill || "").trim();
      if (skill && chosen.indexOf(skill) === -1) { chosen.push(skill); }
      if (skill && canonical) { mapped[skill] = canonical; }
      typing.value = "";
      close();
      render();
    }

    function highlight(index) {
      options.forEach(function (option, i) {
        option.node.setAttribute("aria-selected", i === index ? "true" : "false");
        option.node.classList.toggle("active", i === index);
      });
      active = index;
      if (index >= 0) {
        typing.setAttribute("aria-activedescendant", options[index].node.id);
        options[index].node.scrollIntoView({ block: "nearest" });
      }
    }

    function option(text, hint, onPick) {
      var item = make("li");
      item.setAttribute("role", "option");
      item.id = list.id + "-" + options.length;
      var button = make("button", "suggestion", text);
      button.type = "button";
      button.tabIndex = -1;
      if (hint) { button.appendChild(make("span", "hint", " " + hint)); }
      button.addEventListener("mousedown", function (event) { event.preventDefault(); }); // keep the focus
      button.addEventListener("click", function () { onPick(); typing.focus(); });
      item.appendChild(button);
      list.appendChild(item);
      options.push({ node: item, pick: onPick });
    }

    function show(typed, items) {
      list.textContent = "";
      options = [];
      items.forEach(function (item, index) {
        if (keepRaw && index === 0 && item.name !== typed) {
          // The phrase as said, read as the dictionary's first skill.
          option(typed + " → " + item.name, item.category_name || "", function () { add(typed, item.name); });
        } else {
          option(item.name, item.category_name || "", function () { add(item.name, item.name); });
        }
      });
      if (!items.length) { list.appendChild(make("li", "hint", words.emptyLabel)); }
      if (!items.some(function (item) { return item.name === typed; }) && !(keepRaw && items.length)) {
        option(words.asTypedLabel + "：" + typed, "", function () { add(typed); });
      }
      list.hidden = false;
      typing.setAttribute("aria-expanded", "true");
      highlight(options.length ? 0 : -1);
    }

    function ask(typed, limit) {
      return fetch(words.suggestUrl + "?limit=" + limit + "&q=" + encodeURIComponent(typed), {
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrf }
      }).then(function (response) {
        return response.ok ? response.json() : { items: [] };
      });
    }

    function suggest() {
      var typed = typing.value.trim();
      if (!typed) { close(); return; }
      var mine = ++asked;
      ask(typed, 5).then(function (body) {
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
        if (!list.hidden && active >= 0 && options[active]) {
          options[active].pick();
        } else if (typing.value.trim()) {
          add(typing.value);
        }
      } else if (event.key === "ArrowDown" && options.length) {
        event.preventDefault();
        highlight((active + 1) % options.length);
      } else if (event.key === "ArrowUp" && options.length) {
        event.preventDefault();
        highlight((active - 1 + options.length) % options.length);
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
    if (keepRaw) {
      // The phrases already saved: show the dictionary skill each maps to.
      chosen.forEach(function (phrase) {
        ask(phrase, 1).then(function (body) {
          var best = (body.items || [])[0];
          if (best) { mapped[phrase] = best.name; render(); }
        }).catch(function () { /* the chips stay without their mapping */ });
      });
    }
  }

  document.querySelectorAll("[data-skill-picker]").forEach(setUp);
})();

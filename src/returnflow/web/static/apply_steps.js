// The apply form one step at a time (issue 16, portal/apply.html): the problem, what you
// want, how it goes back, confirm. Each step's required fields are checked before "Next
// step"; the numbered list above shows where the customer is. Without JavaScript the page
// is the whole form at once and works the same. A file of our own, not inline: the
// Content-Security-Policy allows only scripts served from here. Words come translated from
// the form's data-* attributes.
(function () {
  var form = document.querySelector("form[data-steps]");
  if (!form) return;
  var steps = Array.prototype.slice.call(form.querySelectorAll("fieldset.form-step"));
  if (steps.length < 2) return;
  var marks = Array.prototype.slice.call(document.querySelectorAll("ol.steps li"));
  var words = form.dataset;
  var current = 0;

  var count = document.createElement("p");
  count.className = "hint step-count";
  count.id = "step-count";
  count.setAttribute("aria-live", "polite");
  form.insertBefore(count, form.firstChild);

  function button(text, kind) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = kind === "next" ? "primary step-next" : "step-back";
    b.textContent = text;
    return b;
  }

  // the quantities of step one: at least one item must be part of the request
  function quantitiesMissing(step) {
    var boxes = step.querySelectorAll("input[type=number][name^=qty_]");
    if (!boxes.length) return null;
    for (var i = 0; i < boxes.length; i++) {
      boxes[i].setCustomValidity("");
      if (Number(boxes[i].value) > 0) return null;
    }
    return boxes[0];
  }

  function valid(index) {
    var step = steps[index];
    var empty = quantitiesMissing(step);
    if (empty) {
      empty.setCustomValidity(words.stepMissing || "");
      show(index);
      empty.reportValidity();
      return false;
    }
    var fields = step.querySelectorAll("input, select, textarea");
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].checkValidity()) {
        show(index);
        fields[i].reportValidity();
        return false;
      }
    }
    return true;
  }

  function show(index, focus) {
    current = index;
    steps.forEach(function (step, i) {
      step.hidden = i !== index;
    });
    marks.forEach(function (mark, i) {
      mark.className = i < index ? "done" : i === index ? "now" : "";
      if (i === index) mark.setAttribute("aria-current", "step");
      else mark.removeAttribute("aria-current");
    });
    count.textContent = (words.stepOf || "{n}/{total}")
      .replace("{n}", String(index + 1))
      .replace("{total}", String(steps.length));
    if (focus) {
      var legend = steps[index].querySelector("legend");
      legend.setAttribute("tabindex", "-1");
      legend.focus();
      form.scrollIntoView({ block: "start" });
    }
  }

  // move to `index`, checking every step on the way forward
  function go(index) {
    for (var i = current; i < index; i++) {
      if (!valid(i)) return;
    }
    show(index, true);
  }

  steps.forEach(function (step, i) {
    var nav = document.createElement("div");
    nav.className = "step-nav";
    if (i > 0) {
      var back = button(words.stepBack, "back");
      back.addEventListener("click", function () { go(i - 1); });
      nav.appendChild(back);
    }
    if (i < steps.length - 1) {
      var next = button(words.stepNext, "next");
      next.addEventListener("click", function () { go(i + 1); });
      nav.appendChild(next);
      step.appendChild(nav);
    } else {
      step.insertBefore(nav, step.querySelector("button[type=submit]"));
    }
  });

  // the numbered list: a step already passed, or the next ones once these are answered
  marks.forEach(function (mark, i) {
    var link = mark.querySelector("a");
    if (!link || i >= steps.length) return;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      go(i);
    });
  });

  // a field the browser refuses at sending lies in a hidden step: open that step
  form.addEventListener("invalid", function (event) {
    var index = steps.findIndex(function (step) { return step.contains(event.target); });
    if (index >= 0 && index !== current) show(index, true);
  }, true);
  // a value changed after a refusal: let the browser check it afresh
  form.addEventListener("input", function (event) {
    if (event.target.name && event.target.name.indexOf("qty_") === 0) {
      steps[0].querySelectorAll("input[name^=qty_]").forEach(function (box) {
        box.setCustomValidity("");
      });
    }
  });

  show(0);
})();

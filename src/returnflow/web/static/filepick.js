// The localized file picker (templates/filepick.html): says how many files were chosen,
// in the page's language (the words come from the page's data-* attributes).
(function () {
  "use strict";
  function update(input) {
    var box = input.closest("[data-filepick]");
    var out = box && box.querySelector("[data-filepick-count]");
    if (!out) return;
    var n = input.files ? input.files.length : 0;
    var words = n === 0 ? out.dataset.none : n === 1 ? out.dataset.one : out.dataset.many;
    out.textContent = (words || "").replace("{n}", String(n));
    box.classList.toggle("has-files", n > 0);
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("[data-filepick] input[type=file]")) {
      update(target);
    }
  });
  // a page shown again (back button) may still hold the chosen files
  Array.prototype.forEach.call(
    document.querySelectorAll("[data-filepick] input[type=file]"), update
  );
})();

// A link to "#messages" (or "#conversation") opens the folded messages on the portal's
// request page. A file of our own, not inline: the Content-Security-Policy allows only
// scripts served from here.
(function () {
  function unfold() {
    if (location.hash !== "#messages" && location.hash !== "#conversation") return;
    var fold = document.getElementById("messages");
    if (fold) fold.open = true;
  }
  unfold();
  window.addEventListener("hashchange", unfold);
})();

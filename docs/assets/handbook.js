// Material adds a <nav> of buttons (copy, select) to every code block, with no
// name: a page with several has several unnamed, indistinguishable
// landmarks (axe: landmark-unique). Name each after its block.
(function () {
  function nameCodeNavs() {
    var navs = document.querySelectorAll(".md-code__nav:not([aria-label])");
    navs.forEach(function (nav) {
      var block = nav.closest(".highlight, pre");
      var title = block && block.querySelector(".filename");
      var all = Array.prototype.slice.call(document.querySelectorAll(".md-code__nav"));
      var label = "Code block " + (all.indexOf(nav) + 1);
      nav.setAttribute("aria-label", title ? label + ": " + title.textContent.trim() : label);
    });
  }
  new MutationObserver(nameCodeNavs).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
  nameCodeNavs();
})();

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
  // Each search result lists its page's tags in a <nav>: name it after the
  // result, or several unnamed navs share one landmark name (axe). A
  // section is named with its page, as two pages' "Do" sections were both
  // "Tags: Do".
  function nameResultTags() {
    var navs = document.querySelectorAll(".md-search-result .md-tags:not([aria-label])");
    navs.forEach(function (nav) {
      var article = nav.closest("article");
      var heading = article && article.querySelector("h1, h2");
      var item = nav.closest(".md-search-result__item");
      var page = item && item.querySelector("h1");
      var name = heading ? heading.textContent.trim() : "result";
      if (page && page !== heading) name = page.textContent.trim() + " › " + name;
      nav.setAttribute("aria-label", "Tags: " + name);
    });
  }
  new MutationObserver(function () {
    nameCodeNavs();
    nameResultTags();
  }).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
  nameCodeNavs();
})();

// A search that finds nothing points at the page of what the handbook
// leaves out: the pointer is in overrides/partials/search.html, hidden until
// Material's result line says "No matching documents".
(function () {
  var pointer = document.querySelector(".pbp-search-none");
  var meta = document.querySelector(".md-search-result__meta");
  var config = document.getElementById("__config");
  if (!pointer || !meta || !config) return;
  var none = JSON.parse(config.textContent).translations["search.result.none"];
  var link = pointer.querySelector("a");
  // Absolute: the search box stays while instant navigation changes pages.
  link.setAttribute("href", link.href);
  function update() {
    pointer.hidden = meta.textContent.trim() !== none;
  }
  new MutationObserver(update).observe(meta, {
    childList: true,
    characterData: true,
    subtree: true,
  });
  update();
  // The keyboard's way there. Material closes search on Tab, and its arrow
  // keys move only among the results, where the pointer is not (its Enter
  // key would throw on it), so Down from the box reaches the pointer and Up
  // returns. Listening on window in the capture phase runs before Material's
  // own keydown listener on window, which then never sees these two keys.
  var box = document.querySelector("[data-md-component=search-query]");
  window.addEventListener(
    "keydown",
    function (event) {
      if (pointer.hidden || !box) return;
      if (event.key === "ArrowDown" && document.activeElement === box) {
        link.focus();
      } else if (event.key === "ArrowUp" && document.activeElement === link) {
        box.focus();
      } else {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
    },
    true
  );
})();

// A code block wider than the screen scrolls sideways; to scroll it without
// a pointer, a keyboard or switch access has to focus it. Material makes
// such a block focusable (tabindex="0") only where a pointer can hover, and
// removes the attribute on a touch screen: a phone with a keyboard could
// not reach it (axe: scrollable-region-focusable). Set at build time, the
// attribute would be removed all the same. So each block is focusable here
// whenever it is wider than its box, on any screen: Material's removal is
// undone in the same task (a focused block keeps its focus), and a block
// that comes to fit (a phone turned sideways) is no longer a stop for Tab.
(function () {
  var watched = new WeakSet();
  function fit(code) {
    var scrolls = code.scrollWidth > code.clientWidth;
    if (scrolls && code.getAttribute("tabindex") !== "0") {
      code.setAttribute("tabindex", "0");
    } else if (!scrolls && code.hasAttribute("tabindex")) {
      code.removeAttribute("tabindex");
    }
  }
  // Told of each block's size after layout, so nothing forces one.
  var sizes = new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      fit(entry.target);
    });
  });
  function watch() {
    document.querySelectorAll(".md-typeset pre > code").forEach(function (code) {
      if (watched.has(code)) return;
      watched.add(code);
      sizes.observe(code);
    });
  }
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      if (record.type === "attributes" && watched.has(record.target)) fit(record.target);
    });
    // Instant navigation swaps the page's content in: new blocks.
    watch();
  }).observe(document.body, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["tabindex"],
  });
  watch();
})();

// Below 1220 px (a phone, or a laptop window at half width or zoomed) the
// navigation is a drawer, opened by Material's menu icon: a <label> for a
// hidden checkbox, which the keyboard cannot focus. The closed drawer is
// moved off screen, yet its links stayed in the Tab order: a keyboard user
// stepped through dozens of invisible links before the page. Search has
// the same two gaps below 960 px, where Material shows it as an overlay:
// its magnifier is such a label, and the closed search box, squeezed to
// nothing, was still a Tab stop. The 404 page's "the search" is a label
// too. handbook.css hides the closed drawer and search box; here each
// label gives way to a real button with a name (a label may not be given
// a button's role), which the keyboard reaches and presses. Opened from
// the keyboard, the drawer's first link takes the focus, and Escape closes
// it and gives the focus back; search puts the focus in its box. Without
// JavaScript the labels stay, and work for a pointer as before.
(function () {
  function buttonInsteadOf(label, className, name) {
    var button = document.createElement("button");
    button.className = className;
    if (name) button.ariaLabel = name;
    button.innerHTML = label.innerHTML;
    label.hidden = true;
    label.after(button);
    return button;
  }

  var drawer = document.getElementById("__drawer");
  var menu = document.querySelector(".md-header label[for='__drawer']");
  if (drawer && menu) {
    var button = buttonInsteadOf(menu, menu.className + " pbp-drawer-button", "Navigation");
    var sync = function () {
      button.ariaExpanded = drawer.checked;
    };
    sync();
    drawer.addEventListener("change", sync);
    button.onclick = function (event) {
      drawer.click();
      // A click from Enter or Space has no pointer position (detail 0); the
      // link is focusable from the next frame, once the drawer is shown.
      var link = !event.detail && drawer.checked && document.querySelector(".md-sidebar--primary .md-nav__link[href]");
      if (link) requestAnimationFrame(function () { link.focus(); });
    };
    document.addEventListener("keydown", function (event) {
      if (event.key == "Escape" && drawer.checked) {
        drawer.click();
        button.focus();
      }
    });
  }

  var search = document.getElementById("__search");
  if (!search) return;
  function openSearch() {
    if (!search.checked) search.click();
    var box = document.querySelector(".md-search__input");
    // Shown from the next frame; Material leaves the focus on a phone.
    if (box) requestAnimationFrame(function () { box.focus(); });
  }
  var magnifier = document.querySelector(".md-header label.md-header__button[for='__search']");
  if (magnifier) {
    buttonInsteadOf(magnifier, magnifier.className + " pbp-search-button", "Search").onclick = function () {
      if (search.checked) search.click();
      else openSearch();
    };
  }
  document.querySelectorAll("label.pbp-open-search").forEach(function (link) {
    buttonInsteadOf(link, "pbp-open-search").onclick = openSearch;
  });
})();

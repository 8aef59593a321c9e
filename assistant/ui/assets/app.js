// Behaviour the pages cannot express in Python, installed once per browser tab.
// Nothing here talks to any host: it only moves, opens and remembers things in this page.
(function () {
  if (window.spo) { return; }
  var narrow = window.matchMedia("(max-width: 768px)");

  function scroller(node) {
    return node.closest('[data-testid="stAppScrollToBottomContainer"]') ||
      document.querySelector("section.stMain") || document.scrollingElement;
  }

  function headerHeight() {
    var header = document.querySelector('[data-testid="stHeader"]');
    return header ? header.getBoundingClientRect().height : 0;
  }

  // Bring an element's top just under the header, in whichever box scrolls the page.
  function bringToTop(node) {
    var box = scroller(node);
    var top = node.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop += top - headerHeight() - 8;
  }

  // After an answer, Streamlit keeps the chat scrolled to its end (citations and thumbs);
  // the officer needs the answer's first sentence.  Wait until the page stops growing, then
  // scroll.  Streamlit's stick-to-bottom can take that scroll for the page growing and pull
  // the view back to the end, so the position is checked and restored until it holds; a
  // scroll to anywhere but the end is the reader's own, and ends it.
  function showAnswer(id) {
    var stable = 0, last = -1, tries = 0, touched = false;
    function touch() { touched = true; }
    ["wheel", "touchstart", "keydown"].forEach(function (name) {
      window.addEventListener(name, touch, { once: true, passive: true, capture: true });
    });

    function placed(target) {
      var offset = target.getBoundingClientRect().top - headerHeight();
      return offset > 0 && offset < 48;
    }

    function hold(target, box, mine, left, held) {
      if (touched) { return; }
      if (mine !== null && Math.abs(box.scrollTop - mine) > 2) {
        var atEnd = box.scrollHeight - box.clientHeight - box.scrollTop < 2;
        if (!atEnd) { return; }
      }
      if (!placed(target)) {
        bringToTop(target);
        mine = box.scrollTop;
        held = 0;
      } else {
        held += 1;
      }
      if (held < 3 && left > 0) {
        window.setTimeout(function () { hold(target, box, mine, left - 1, held); }, 250);
      }
    }

    (function poll() {
      var anchor = document.getElementById(id);
      tries += 1;
      if (touched || tries > 80) { return; }
      if (anchor) {
        var box = scroller(anchor);
        stable = box.scrollHeight === last ? stable + 1 : 0;
        last = box.scrollHeight;
        if (stable >= 3) {
          var target = anchor.closest('[data-testid="stChatMessage"]') || anchor;
          hold(target, box, null, 12, 0);
          return;
        }
      }
      window.setTimeout(poll, 100);
    })();
  }

  // A [n] marker opens its citation and scrolls to it.
  function openCitation(key) {
    var box = document.querySelector(".st-key-" + key);
    if (!box) { return; }
    var details = box.querySelector("details");
    var summary = box.querySelector("summary");
    if (details && !details.open && summary) { summary.click(); }
    box.classList.add("spo-flash");
    window.setTimeout(function () { box.classList.remove("spo-flash"); }, 1600);
    window.setTimeout(function () {
      box.scrollIntoView({ block: "center" });
      if (summary) { summary.focus({ preventScroll: true }); }
    }, 60);
  }

  document.addEventListener("click", function (event) {
    var marker = event.target.closest && event.target.closest("a.spo-marker");
    if (marker) {
      event.preventDefault();
      event.stopPropagation();
      openCitation(marker.getAttribute("data-cite"));
      return;
    }
    // On a phone the sidebar covers the page: close it once a page has been chosen.
    var link = event.target.closest && event.target.closest('[data-testid="stSidebar"] a');
    if (link && narrow.matches) {
      window.setTimeout(function () {
        var close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
        if (close) { close.click(); }
      }, 150);
    }
  }, true);

  window.spo = {
    showAnswer: showAnswer,
    openCitation: openCitation,
    // The reader's role outlives the tab: a cookie the server reads on the next visit.
    remember: function (name, value) {
      var age = value ? 31536000 : 0;
      document.cookie = name + "=" + encodeURIComponent(value) +
        "; max-age=" + age + "; path=/; samesite=strict";
    }
  };
})();

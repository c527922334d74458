// The moderator console: keyboard shortcuts (listed in the "?" panel), the queue's row
// selection, reason templates, zoom, the overlay/difference view and keeping the claim alive.
// Every word shown comes from the page (translated there); this file holds no text.
(function () {
  "use strict";

  var help = document.getElementById("shortcuts");
  var queueTable = document.querySelector("[data-queue]");
  var decideForm = document.getElementById("decide");
  var pendingG = false;

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    // Ticking a box or choosing a radio button is not typing: shortcuts still work there.
    if (tag === "input") return !/^(checkbox|radio|button|submit|reset|range)$/.test(target.type);
    return tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  // --- the help panel -------------------------------------------------------------------
  function toggleHelp() {
    if (!help) return;
    if (help.open) help.close();
    else help.showModal();
  }
  document.querySelectorAll("[data-shortcuts-open]").forEach(function (button) {
    button.addEventListener("click", toggleHelp);
  });

  // --- the queue: j/k selection, Enter/o open, x select ----------------------------------
  var rows = queueTable ? Array.prototype.slice.call(queueTable.querySelectorAll("[data-case-row]")) : [];
  var current = -1;

  function select(index) {
    if (!rows.length) return;
    index = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) {
      row.classList.toggle("selected", i === index);
    });
    current = index;
    var link = rows[index].querySelector("[data-case-link]");
    if (link) link.focus();
    rows[index].scrollIntoView({ block: "nearest" });
  }
  rows.forEach(function (row, i) {
    row.addEventListener("focusin", function () {
      rows.forEach(function (other, j) {
        other.classList.toggle("selected", i === j);
      });
      current = i;
    });
  });

  // --- reason templates: choosing one fills the statement of reasons ----------------------
  function setupReasonForm(form) {
    var ground = form.querySelector("[data-ground]");
    var template = form.querySelector("[data-reason-template]");
    var reasons = form.querySelector("[data-reasons]");
    var outcomes = form.querySelectorAll("input[data-outcome]");
    var upholdOnly = form.querySelectorAll("[data-uphold-only]");
    var rejectOnly = form.querySelectorAll("[data-reject-only]");

    function chosenOutcome() {
      var checked = form.querySelector("input[data-outcome]:checked");
      return checked ? checked.value : "";
    }
    // Offer only the grounds and templates that go with the chosen outcome.
    function narrow() {
      var outcome = chosenOutcome();
      if (ground) {
        ground.querySelectorAll("option[data-outcome]").forEach(function (option) {
          option.disabled = Boolean(outcome) && option.dataset.outcome !== outcome;
        });
        ground.querySelectorAll("optgroup").forEach(function (group) {
          group.hidden = Boolean(outcome) && group.dataset.outcome !== outcome;
        });
        var picked = ground.selectedOptions[0];
        if (picked && picked.disabled) ground.value = "";
        ground.disabled = outcome === "request_info";
      }
      if (template) {
        template.querySelectorAll("option[data-outcome]").forEach(function (option) {
          var fits = !outcome || option.dataset.outcome === outcome;
          if (fits && ground && ground.value && option.dataset.ground) {
            fits = option.dataset.ground === ground.value;
          }
          option.hidden = !fits;
          option.disabled = !fits;
        });
      }
      upholdOnly.forEach(function (element) {
        element.hidden = Boolean(outcome) && outcome !== "uphold";
      });
      rejectOnly.forEach(function (element) {
        element.hidden = Boolean(outcome) && outcome !== "reject";
        // A hidden box is not sent ticked: only a rejection may be manifestly unfounded.
        if (element.hidden) {
          element.querySelectorAll("input[type=checkbox]").forEach(function (box) {
            box.checked = false;
          });
        }
      });
    }
    outcomes.forEach(function (radio) {
      radio.addEventListener("change", narrow);
    });
    if (ground) ground.addEventListener("change", narrow);
    if (template && reasons) {
      template.addEventListener("change", function () {
        var option = template.selectedOptions[0];
        if (!option || !option.dataset.text) return;
        reasons.value = option.dataset.text;
        var radio = form.querySelector('input[data-outcome][value="' + option.dataset.outcome + '"]');
        if (radio && !radio.checked) radio.checked = true;
        if (ground && option.dataset.ground) ground.value = option.dataset.ground;
        narrow();
      });
    }
    narrow();
    form.narrowChoices = narrow;
  }
  document.querySelectorAll("[data-reason-form]").forEach(setupReasonForm);

  // --- the case page: deciding from the keyboard -----------------------------------------
  // The first press chooses the outcome and takes the reviewer to what is still missing; a
  // press on a form that is complete, with that outcome already chosen, records the decision.
  function decideWith(outcome) {
    if (!decideForm) return;
    var radio = decideForm.querySelector('input[data-outcome][value="' + outcome + '"]');
    if (!radio) return;
    var already = radio.checked;
    radio.checked = true;
    if (decideForm.narrowChoices) decideForm.narrowChoices();
    var ground = decideForm.querySelector("[data-ground]");
    var reasons = decideForm.querySelector("[data-reasons]");
    var missing = null;
    if (ground && !ground.disabled && !ground.value) missing = ground;
    else if (reasons && !reasons.value.trim()) missing = reasons;
    if (missing) {
      missing.focus();
      missing.scrollIntoView({ block: "center" });
      return;
    }
    if (already) {
      decideForm.requestSubmit(decideForm.querySelector("[data-decide-submit]"));
    } else {
      var submit = decideForm.querySelector("[data-decide-submit]");
      submit.focus();
      submit.scrollIntoView({ block: "center" });
    }
  }

  // --- zoom: click a photo, or + / - / 0 ----------------------------------------------------
  var LEVELS = [1, 1.5, 2, 3];

  function zoomFigure(figure, level) {
    if (!figure) return;
    figure.dataset.zoom = String(level);
    figure.querySelectorAll("img.portrait").forEach(function (img) {
      if (!img.dataset.baseWidth) img.dataset.baseWidth = String(img.clientWidth || img.naturalWidth);
      if (level === 1) {
        img.style.width = "";
        img.style.maxWidth = "";
        img.style.maxHeight = "";
      } else {
        img.style.maxWidth = "none";
        img.style.maxHeight = "none";
        img.style.width = Number(img.dataset.baseWidth) * level + "px";
      }
    });
    figure.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.setAttribute("aria-pressed", level > 1 ? "true" : "false");
    });
    // The matched region is drawn in the image's displayed pixels: place it again.
    window.dispatchEvent(new Event("resize"));
  }
  function zoomLevel(figure) {
    return Number(figure.dataset.zoom || 1);
  }
  function step(figure, direction) {
    if (!figure) return;
    var index = LEVELS.indexOf(zoomLevel(figure));
    index = Math.max(0, Math.min(LEVELS.length - 1, index + direction));
    zoomFigure(figure, LEVELS[index]);
  }
  function focusedFigure() {
    var active = document.activeElement;
    var figure = active && active.closest ? active.closest("[data-zoom-figure]") : null;
    return figure || document.querySelector("[data-zoom-figure]");
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-zoom]");
    if (!button) return;
    var figure = button.closest("[data-zoom-figure]");
    zoomFigure(figure, zoomLevel(figure) > 1 ? 1 : 2);
  });

  // --- compare: the two images overlaid on a canvas, or their difference --------------------
  function setupCompare(details) {
    var figure = details.closest("figure");
    var reference = figure.querySelector('img[data-compare-role="reference"]');
    var reported = figure.querySelector('img[data-compare-role="reported"]');
    var canvas = details.querySelector("[data-compare-canvas]");
    var mode = details.querySelector("[data-compare-mode]");
    var opacity = details.querySelector("[data-compare-opacity]");
    var mirror = details.querySelector("[data-compare-mirror]");
    var frame = reported ? reported.closest(".region-frame") : null;
    if (!reference || !reported || !canvas) return;

    function ready(img) {
      return img.complete && img.naturalWidth > 0;
    }
    function draw() {
      if (!ready(reference) || !ready(reported)) return;
      var scale = Math.min(1, 480 / reported.naturalWidth);
      canvas.width = Math.round(reported.naturalWidth * scale);
      canvas.height = Math.round(reported.naturalHeight * scale);
      var context = canvas.getContext("2d");
      context.globalCompositeOperation = "source-over";
      context.globalAlpha = 1;
      context.clearRect(0, 0, canvas.width, canvas.height);
      context.drawImage(reported, 0, 0, canvas.width, canvas.height);
      // Where the reference was found in the snapshot, it is laid over that region.
      var x = 0, y = 0, w = canvas.width, h = canvas.height;
      if (frame && frame.dataset.regionWidth) {
        x = Number(frame.dataset.regionX) * scale;
        y = Number(frame.dataset.regionY) * scale;
        w = Number(frame.dataset.regionWidth) * scale;
        h = Number(frame.dataset.regionHeight) * scale;
      }
      if (mode.value === "difference") {
        context.globalCompositeOperation = "difference";
        opacity.disabled = true;
      } else {
        context.globalAlpha = Number(opacity.value) / 100;
        opacity.disabled = false;
      }
      if (mirror && mirror.checked) {
        context.translate(x + w, y);
        context.scale(-1, 1);
        context.drawImage(reference, 0, 0, w, h);
        context.setTransform(1, 0, 0, 1, 0, 0);
      } else {
        context.drawImage(reference, x, y, w, h);
      }
      context.globalCompositeOperation = "source-over";
      context.globalAlpha = 1;
      canvas.dataset.rendered = mode.value;
    }
    [reference, reported].forEach(function (img) {
      if (!ready(img)) img.addEventListener("load", draw);
    });
    details.addEventListener("toggle", draw);
    mode.addEventListener("change", draw);
    opacity.addEventListener("input", draw);
    if (mirror) mirror.addEventListener("change", draw);
    draw();
  }
  document.querySelectorAll("[data-compare]").forEach(setupCompare);

  // --- the claim is kept alive by the holder's activity in the page -----------------------
  var consoleCard = document.getElementById("case-console");
  var lastRenewal = 0;
  document.addEventListener("case:activity", function () {
    if (!consoleCard || !consoleCard.dataset.renewUrl) return;
    if (Date.now() - lastRenewal < 30000) return; // at most twice a minute
    lastRenewal = Date.now();
    var token = document.querySelector("[name=csrfmiddlewaretoken]");
    fetch(consoleCard.dataset.renewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        var until = document.querySelector("[data-claim-until]");
        if (body && body.renewed && until) until.textContent = body.until;
      })
      .catch(function () {});
  });

  // --- the shortcuts ------------------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    var key = event.key;
    if (key === "?") {
      event.preventDefault();
      toggleHelp();
      return;
    }
    if (help && help.open) return;
    if (pendingG) {
      pendingG = false;
      if (key === "q" && help) {
        event.preventDefault();
        window.location.href = help.dataset.queueUrl;
      }
      return;
    }
    if (key === "g") {
      pendingG = true;
      window.setTimeout(function () {
        pendingG = false;
      }, 1500);
      return;
    }
    if (rows.length) {
      if (key === "j") select(current + 1);
      else if (key === "k") select(current < 0 ? 0 : current - 1);
      else if (key === "o" || (key === "Enter" && event.target.tagName === "TR")) {
        if (current >= 0) window.location.href = rows[current].dataset.caseUrl;
      } else if (key === "x" && current >= 0) {
        var box = rows[current].querySelector("input[type=checkbox]");
        if (box) box.checked = !box.checked;
      } else return;
      event.preventDefault();
      return;
    }
    var claim = document.querySelector('[data-shortcut="claim"]');
    if (key === "c" && claim) claim.click();
    else if (key === "r") {
      document.querySelectorAll("[data-reveal]").forEach(function (button) {
        button.click();
      });
    } else if (key === "u") decideWith("uphold");
    else if (key === "n") decideWith("reject");
    else if (key === "i") decideWith("request_info");
    else if (key === "+" || key === "=") step(focusedFigure(), 1);
    else if (key === "-") step(focusedFigure(), -1);
    else if (key === "0") zoomFigure(focusedFigure(), 1);
    else return;
    event.preventDefault();
  });

  // Deciding or enlarging is activity on the case too.
  if (decideForm) decideForm.addEventListener("input", function () {
    document.dispatchEvent(new CustomEvent("case:activity"));
  });
})();

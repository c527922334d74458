/* The notice form, one step at a time.
 *
 * Without this script the form is one page posted as usual. With it: five steps with Back and
 * Next, a check of each step's required fields, a summary to confirm, previews of the picked
 * photos (blob: URLs), a drop zone, and the form sent with XMLHttpRequest so that a progress
 * bar shows the upload. The server stays the judge: its per-field errors (JSON, status 400) are
 * shown next to their fields and the page opens the step of the first one.
 *
 * Every sentence shown comes from the page (data-msg-* attributes, translated there).
 */
(function () {
  "use strict";

  var form = document.getElementById("notice-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) {
    return;
  }
  var msg = function (name) {
    return form.getAttribute("data-msg-" + name) || "";
  };
  var steps = Array.prototype.slice.call(form.querySelectorAll("[data-step]"));
  var stepper = document.getElementById("stepper");
  var alertBox = document.getElementById("form-errors");
  var maxPhotos = parseInt(form.getAttribute("data-max-photos"), 10) || 5;
  var photoInput = form.querySelector("input[name=reference_photos]");
  var dropzone = document.getElementById("dropzone");
  var photos = []; // {file, url}
  var sending = false;
  var current = 0;

  document.documentElement.classList.add("js");
  document.getElementById("plain-submit").hidden = true;
  stepper.hidden = false;
  Array.prototype.forEach.call(form.querySelectorAll(".step-nav"), function (nav) {
    nav.hidden = false;
  });

  /* --- errors ------------------------------------------------------------------------- */

  function fieldBox(name) {
    return document.getElementById("field-" + name);
  }

  function inputsOf(name) {
    return Array.prototype.slice.call(form.querySelectorAll("[name='" + name + "']"));
  }

  function setError(name, messages) {
    var list = document.getElementById("error-" + name);
    var box = fieldBox(name);
    if (!list) {
      return;
    }
    list.textContent = "";
    (messages || []).forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    var bad = messages && messages.length > 0;
    if (box) {
      box.classList.toggle("has-error", bad);
    }
    inputsOf(name).forEach(function (input) {
      if (bad) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    });
    if (name === "reference_photos" && dropzone) {
      dropzone.classList.toggle("has-error", bad);
    }
  }

  function showAlert(messages) {
    var list = document.getElementById("error-non_field_errors");
    alertBox.querySelectorAll("p").forEach(function (p) {
      p.remove();
    });
    list.textContent = "";
    messages.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    alertBox.hidden = messages.length === 0;
  }

  /* --- steps -------------------------------------------------------------------------- */

  function isAgent() {
    var checked = form.querySelector("input[name=relationship]:checked");
    return checked && checked.value === "agent";
  }

  function syncAgentFields() {
    var agent = isAgent();
    Array.prototype.forEach.call(form.querySelectorAll(".agent-only"), function (el) {
      el.hidden = !agent;
    });
  }

  function show(index, focus) {
    current = index;
    steps.forEach(function (step, i) {
      step.hidden = i !== index;
    });
    var key = steps[index].getAttribute("data-step");
    Array.prototype.forEach.call(stepper.querySelectorAll("li"), function (li) {
      var n = li.getAttribute("data-stepper");
      var pos = n === "summary" ? steps.length - 1 : parseInt(n, 10) - 1;
      li.classList.toggle("done", pos < index);
      if (n === key) {
        li.setAttribute("aria-current", "step");
      } else {
        li.removeAttribute("aria-current");
      }
    });
    if (key === "summary") {
      buildSummary();
    }
    if (focus !== false) {
      var heading = steps[index].querySelector("legend, h2");
      // The step's top (with the stepper above it), not the page's top: on a phone the
      // introduction would otherwise push the step below the fold.
      stepper.scrollIntoView({ block: "start" });
      if (heading) {
        heading.focus({ preventScroll: true });
      }
    }
  }

  function stepIndexOf(name) {
    var box = fieldBox(name);
    var step = box && box.closest("[data-step]");
    return step ? steps.indexOf(step) : -1;
  }

  function checkField(name) {
    var inputs = inputsOf(name);
    var first = inputs[0];
    if (!first || first.getAttribute("data-required") !== "true") {
      if (name === "authorization_document" && isAgent() && !first.files.length) {
        return [msg("agent")];
      }
      return [];
    }
    if (first.type === "radio") {
      return inputs.some(function (r) { return r.checked; }) ? [] : [msg("choose")];
    }
    if (first.type === "checkbox") {
      return first.checked ? [] : [msg("confirm")];
    }
    if (first.type === "file") {
      if (name === "reference_photos") {
        if (!photos.length) { return [msg("photos")]; }
        if (photos.length > maxPhotos) { return [msg("too-many")]; }
        return [];
      }
      return first.files.length ? [] : [msg("required")];
    }
    if (!first.value.trim()) {
      return [msg("required")];
    }
    if (first.type === "email" && !first.checkValidity()) {
      return [msg("email")];
    }
    return [];
  }

  function namesIn(step) {
    var seen = [];
    Array.prototype.forEach.call(step.querySelectorAll("[data-field]"), function (box) {
      if (!box.hidden) {
        seen.push(box.getAttribute("data-field"));
      }
    });
    return seen;
  }

  function checkStep(index) {
    var firstBad = null;
    namesIn(steps[index]).forEach(function (name) {
      var problems = checkField(name);
      setError(name, problems);
      if (problems.length && !firstBad) {
        firstBad = name;
      }
    });
    if (firstBad) {
      focusField(firstBad);
      return false;
    }
    return true;
  }

  function focusField(name) {
    if (name === "reference_photos" && dropzone) {
      dropzone.focus();
      return;
    }
    var input = inputsOf(name)[0];
    if (input) {
      input.focus();
    }
  }

  /* Each step is a history entry, so the phone's own Back button goes back one step. */
  function go(index) {
    show(index);
    if (window.history && history.pushState) {
      history.pushState({ filingStep: index }, "", window.location.pathname);
    }
  }

  window.addEventListener("popstate", function (event) {
    if (event.state && typeof event.state.filingStep === "number" && !sending) {
      setEditing(false);
      show(event.state.filingStep);
    }
  });

  /* Editing from the summary: Next returns straight to the summary. */
  var editing = false;
  var nextButtons = Array.prototype.slice.call(form.querySelectorAll("[data-next]"));
  nextButtons.forEach(function (button) {
    button.setAttribute("data-label", button.textContent);
  });

  function setEditing(on) {
    editing = on;
    nextButtons.forEach(function (button) {
      button.textContent = on ? msg("to-summary") : button.getAttribute("data-label");
    });
  }

  form.addEventListener("click", function (event) {
    var next = event.target.closest("[data-next]");
    var back = event.target.closest("[data-back]");
    var edit = event.target.closest("[data-goto]");
    if (next) {
      if (checkStep(current)) {
        var target = editing ? steps.length - 1 : current + 1;
        setEditing(false);
        go(target);
      }
    } else if (back) {
      setEditing(false);
      go(Math.max(0, current - 1));
    } else if (edit) {
      event.preventDefault();
      setEditing(true);
      go(parseInt(edit.getAttribute("data-goto"), 10) - 1);
    }
  });

  function hasError(name) {
    var box = name && fieldBox(name);
    return box && box.classList.contains("has-error");
  }

  function isTyped(input) {
    return input.tagName === "TEXTAREA" || /^(text|email|tel)$/.test(input.type);
  }

  // A message goes as soon as the answer is right: while typing for text, on change for
  // choices. (Not on blur: the page would move under the pointer on its way to another field.)
  form.addEventListener("input", function (event) {
    var name = event.target.name;
    if (isTyped(event.target) && hasError(name) && checkField(name).length === 0) {
      setError(name, []);
    }
  });

  form.addEventListener("change", function (event) {
    var name = event.target.name;
    if (name === "relationship") {
      syncAgentFields();
    }
    if (!isTyped(event.target) && hasError(name) && name !== "reference_photos") {
      setError(name, checkField(name));
    }
  });

  /* --- photos ------------------------------------------------------------------------- */

  function isImage(file) {
    return /^image\/(jpeg|png|webp)$/.test(file.type);
  }

  function previewItem(file, url, onRemove) {
    var item = document.createElement("li");
    item.className = "preview";
    if (url) {
      var img = document.createElement("img");
      img.src = url;
      img.alt = msg("preview").replace("%(name)s", file.name);
      item.appendChild(img);
    }
    var name = document.createElement("span");
    name.className = "preview-name";
    name.textContent = file.name;
    item.appendChild(name);
    if (onRemove) {
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary remove";
      remove.textContent = msg("remove");
      remove.setAttribute("aria-label", msg("remove") + " " + file.name);
      remove.addEventListener("click", onRemove);
      item.appendChild(remove);
    }
    return item;
  }

  function renderPhotos() {
    var list = document.getElementById("previews-reference_photos");
    list.textContent = "";
    photos.forEach(function (photo, index) {
      list.appendChild(previewItem(photo.file, photo.url, function () {
        URL.revokeObjectURL(photo.url);
        photos.splice(index, 1);
        renderPhotos();
        dropzone.focus();
      }));
    });
  }

  function addPhotos(files) {
    var problems = [];
    Array.prototype.forEach.call(files, function (file) {
      if (!isImage(file)) {
        problems.push(file.name + ": " + msg("not-image"));
      } else if (photos.length >= maxPhotos) {
        if (problems.indexOf(msg("too-many")) < 0) { problems.push(msg("too-many")); }
      } else {
        photos.push({ file: file, url: URL.createObjectURL(file) });
      }
    });
    renderPhotos();
    setError("reference_photos", problems);
  }

  if (photoInput && dropzone) {
    dropzone.hidden = false;
    photoInput.classList.add("visually-hidden");
    photoInput.tabIndex = -1;
    photoInput.addEventListener("change", function () {
      addPhotos(photoInput.files);
      photoInput.value = "";
    });
    dropzone.addEventListener("click", function () {
      photoInput.click();
    });
    dropzone.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        photoInput.click();
      }
    });
    ["dragenter", "dragover"].forEach(function (type) {
      dropzone.addEventListener(type, function (event) {
        event.preventDefault();
        dropzone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      dropzone.addEventListener(type, function () {
        dropzone.classList.remove("dragging");
      });
    });
    dropzone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files) {
        addPhotos(event.dataTransfer.files);
      }
    });
  }

  // The identity document and the agent's authorisation: one file each, previewed if a photo.
  ["identity_document", "authorization_document"].forEach(function (name) {
    var input = form.querySelector("input[name=" + name + "]");
    var list = document.getElementById("previews-" + name);
    if (!input || !list) {
      return;
    }
    input.addEventListener("change", function () {
      list.textContent = "";
      var file = input.files[0];
      if (file) {
        list.appendChild(previewItem(file, isImage(file) ? URL.createObjectURL(file) : null));
      }
    });
  });

  /* --- summary ------------------------------------------------------------------------ */

  function answerFor(name) {
    var inputs = inputsOf(name);
    var first = inputs[0];
    var box = document.createDocumentFragment();
    var text = "";
    if (!first) {
      return box;
    }
    if (first.type === "radio") {
      var chosen = inputs.filter(function (r) { return r.checked; })[0];
      text = chosen ? chosen.closest("label").textContent.trim() : "";
    } else if (first.type === "checkbox") {
      text = first.checked ? msg("confirmed") : msg("not-confirmed");
    } else if (first.tagName === "SELECT") {
      text = first.selectedIndex >= 0 ? first.options[first.selectedIndex].text : "";
    } else if (first.type === "file") {
      var list = document.createElement("ul");
      list.className = "previews summary-previews";
      if (name === "reference_photos") {
        photos.forEach(function (photo) {
          list.appendChild(previewItem(photo.file, photo.url));
        });
      } else if (first.files.length) {
        var file = first.files[0];
        list.appendChild(previewItem(file, isImage(file) ? URL.createObjectURL(file) : null));
      }
      if (list.children.length) {
        box.appendChild(list);
        return box;
      }
    } else {
      text = first.value.trim();
    }
    var para = document.createElement("span");
    para.className = name === "reported_urls" || name === "description" ? "multiline" : "";
    para.textContent = text || msg("empty");
    box.appendChild(para);
    return box;
  }

  function buildSummary() {
    Array.prototype.forEach.call(form.querySelectorAll("[data-answer]"), function (row) {
      var name = row.getAttribute("data-answer");
      var dd = row.querySelector("dd");
      dd.textContent = "";
      dd.appendChild(answerFor(name));
      row.hidden = row.classList.contains("agent-only") && !isAgent();
    });
  }

  /* --- sending ------------------------------------------------------------------------ */

  function showServerErrors(errors) {
    var names = Object.keys(errors);
    Array.prototype.forEach.call(form.querySelectorAll("[data-field]"), function (box) {
      var name = box.getAttribute("data-field");
      setError(name, errors[name] || []);
    });
    var general = errors.non_field_errors || [];
    var fieldNames = names.filter(function (n) { return n !== "non_field_errors"; });
    showAlert(fieldNames.length ? [msg("fix")].concat(general) : general);
    var firstStep = steps.length;
    var firstName = null;
    fieldNames.forEach(function (name) {
      var index = stepIndexOf(name);
      if (index >= 0 && index < firstStep) {
        firstStep = index;
        firstName = name;
      }
    });
    if (firstName) {
      show(firstStep, false);
      window.scrollTo(0, 0);
      focusField(firstName);
    } else {
      alertBox.focus();
    }
  }

  function finish() {
    sending = false;
    document.getElementById("send").disabled = false;
  }

  function send() {
    if (sending) {
      return;
    }
    for (var i = 0; i < steps.length - 1; i += 1) {
      var complete = namesIn(steps[i]).every(function (name) {
        return checkField(name).length === 0;
      });
      if (!complete) {
        show(i, false);
        checkStep(i);
        return;
      }
    }
    sending = true;
    document.getElementById("send").disabled = true;
    var data = new FormData(form);
    data.delete("reference_photos");
    photos.forEach(function (photo) {
      data.append("reference_photos", photo.file, photo.file.name);
    });
    var box = document.getElementById("sending");
    var bar = document.getElementById("upload-progress");
    var status = document.getElementById("upload-status");
    box.hidden = false;
    bar.value = 0;
    status.textContent = msg("sending");
    showAlert([]);

    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.pathname);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) {
        bar.value = Math.round((event.loaded / event.total) * 100);
      }
    };
    xhr.upload.onload = function () {
      bar.value = 100;
    };
    xhr.onload = function () {
      var body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (error) {
        body = null;
      }
      if (xhr.status < 300 && body && body.redirect) {
        bar.value = 100;
        status.textContent = msg("sent");
        window.location.assign(body.redirect);
        return;
      }
      finish();
      box.hidden = true;
      if (body && body.errors) {
        showServerErrors(body.errors);
      } else {
        showAlert([msg("network")]);
        alertBox.focus();
      }
    };
    xhr.onerror = function () {
      finish();
      box.hidden = true;
      showAlert([msg("network")]);
      alertBox.focus();
    };
    xhr.send(data);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var key = steps[current].getAttribute("data-step");
    if (key !== "summary") {
      // Enter in a field moves on, as Next does.
      if (checkStep(current)) {
        var target = editing ? steps.length - 1 : current + 1;
        setEditing(false);
        go(target);
      }
      return;
    }
    send();
  });

  syncAgentFields();
  // After a server-rendered error page (no script then), open the step of the first error.
  var firstError = form.querySelector(".field.has-error");
  var start = firstError ? steps.indexOf(firstError.closest("[data-step]")) : 0;
  show(Math.max(0, start), false);
  if (window.history && history.replaceState) {
    history.replaceState({ filingStep: current }, "", window.location.pathname);
  }
})();

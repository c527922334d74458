// The language switcher: choosing a language sends the form at once; without JavaScript its
// button does the same.
document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
  var select = form.querySelector("select");
  var button = form.querySelector("button[type=submit]");
  if (!select) return;
  if (button) button.hidden = true;
  select.addEventListener("change", function () {
    form.submit();
  });
});

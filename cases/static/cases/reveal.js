// Portraits are blurred and greyscale until a reviewer deliberately reveals them. The button's
// labels come from the page (data-label-reveal / data-label-conceal), so they are translated.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-reveal]");
  if (!button) return;
  var figure = button.closest("figure");
  var reveal = button.getAttribute("aria-pressed") !== "true";
  figure.querySelectorAll(".portrait").forEach(function (element) {
    element.classList.toggle("concealed", !reveal);
  });
  button.setAttribute("aria-pressed", reveal ? "true" : "false");
  button.textContent = reveal ? button.dataset.labelConceal : button.dataset.labelReveal;
  // Looking at the evidence is activity on the case: the console keeps the claim alive.
  document.dispatchEvent(new CustomEvent("case:activity"));
});

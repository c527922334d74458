// Portraits are blurred and greyscale until a reviewer deliberately reveals them.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-reveal]");
  if (!button) return;
  var figure = button.closest("figure");
  figure.querySelectorAll("img.portrait").forEach(function (img) {
    img.classList.toggle("concealed");
  });
  button.textContent = button.textContent === "Reveal" ? "Conceal" : "Reveal";
});

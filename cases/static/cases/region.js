// Outline, on the reported snapshot, where the reference photo was found (a crop, a cell of a
// collage, the photo inside a screenshot). The region comes in the snapshot's own pixels as
// data attributes; it is scaled to the size the image is shown at. No inline script.
(function () {
  function place(frame) {
    var img = frame.querySelector("img");
    if (!img || !img.naturalWidth) return;
    var box = frame.querySelector(".match-region");
    if (!box) {
      box = document.createElement("span");
      box.className = "match-region";
      box.setAttribute("aria-hidden", "true");
      // Styled from here (the CSSOM), so that no stylesheet or inline style is needed.
      frame.style.position = "relative";
      frame.style.display = "inline-block";
      box.style.position = "absolute";
      box.style.boxSizing = "border-box";
      box.style.border = "3px solid #e5007d";
      box.style.boxShadow = "0 0 0 1px #fff";
      box.style.pointerEvents = "none";
      frame.appendChild(box);
    }
    var sx = img.clientWidth / img.naturalWidth;
    var sy = img.clientHeight / img.naturalHeight;
    box.style.left = img.offsetLeft + Number(frame.dataset.regionX) * sx + "px";
    box.style.top = img.offsetTop + Number(frame.dataset.regionY) * sy + "px";
    box.style.width = Number(frame.dataset.regionWidth) * sx + "px";
    box.style.height = Number(frame.dataset.regionHeight) * sy + "px";
  }
  function placeAll() {
    document.querySelectorAll(".region-frame[data-region-width]").forEach(place);
  }
  document.querySelectorAll(".region-frame[data-region-width] img").forEach(function (img) {
    if (img.complete) place(img.closest(".region-frame"));
    else img.addEventListener("load", function () { place(img.closest(".region-frame")); });
  });
  window.addEventListener("resize", placeAll);
})();

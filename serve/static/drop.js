// Drag and drop onto the upload box, and a preview of the chosen file before it is sent.
const drop = document.getElementById("drop"), input = document.getElementById("image"),
      preview = document.getElementById("preview");
const form = document.getElementById("upload"), tooBig = document.getElementById("too-big");
function show() {
  if (!input.files.length) return;
  preview.src = URL.createObjectURL(input.files[0]);
  tooBig.hidden = input.files[0].size <= Number(form.dataset.maxBytes);  // the server would refuse it unread
}
form.addEventListener("submit", ev => { if (!tooBig.hidden) ev.preventDefault(); });
input.addEventListener("change", show);
["dragenter", "dragover"].forEach(e => drop.addEventListener(e, ev => { ev.preventDefault(); drop.classList.add("over"); }));
["dragleave", "drop"].forEach(e => drop.addEventListener(e, ev => { ev.preventDefault(); drop.classList.remove("over"); }));
drop.addEventListener("drop", ev => { input.files = ev.dataTransfer.files; show(); });

// A classic script (module scripts do not run on file:// pages): dist/site opened from disk says,
// in both languages, to open the portable folder or run serve.py (build_wheel.py fills in the text).
if (location.protocol === "file:" && !window.LocalSynthPortable) {
  document.getElementById("file-protocol").hidden = false;
  document.documentElement.classList.remove("js-pending");
}

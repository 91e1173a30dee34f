// The help text: a modal dialog (Escape or the Close button closes it; the focus goes back).
import { $, $$ } from "./dom.js";

let opener = null;

export function init() {
  const dialog = $("#help");
  const open = (e) => {
    opener = e.currentTarget;
    dialog.showModal();
    const section = e.currentTarget.dataset.help;
    const target = section && $(`#help-${section}`);
    $("#help-close").focus();
    if (target) target.scrollIntoView({ block: "start" });
  };
  $("#help-open").addEventListener("click", open);
  for (const b of $$("[data-help]")) b.addEventListener("click", open);
  $("#help-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    if (opener) opener.focus();
    opener = null;
  });
  // a click on the backdrop closes it too
  dialog.addEventListener("click", (e) => {
    if (e.target === dialog) dialog.close();
  });
}

export function render() {}

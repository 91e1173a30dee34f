// Ask before something the user has is thrown away (issue 14, section 5): a modal <dialog> whose
// default button keeps the result; Escape keeps it too; the focus goes back where it was.
import { $ } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";

let pending = null; // {resolve, opener}

export function init() {
  const dialog = $("#confirm");
  $("#confirm-keep").addEventListener("click", () => dialog.close("keep"));
  $("#confirm-discard").addEventListener("click", () => dialog.close("discard"));
  dialog.addEventListener("close", () => {
    const p = pending;
    pending = null;
    if (!p) return;
    if (p.opener && p.opener.isConnected) p.opener.focus();
    p.resolve(dialog.returnValue === "discard");
  });
}

export function render() {}

/** True when the user has a synthetic result (and maybe its evaluation) that an action would discard. */
export function hasResult() {
  return Boolean(state.result);
}

/**
 * Resolve true when the action may go on: at once if there is nothing to lose, else once the user
 * chose "Discard" in the dialog. `key` names the sentence that says what the action does.
 */
export function confirmDiscard(key, params = {}) {
  if (!hasResult()) return Promise.resolve(true);
  const dialog = $("#confirm");
  if (pending) return Promise.resolve(false); // one question at a time
  $("#confirm-text").textContent = t(key, params);
  $("#confirm-what").textContent = t("confirm.what");
  return new Promise((resolve) => {
    pending = { resolve, opener: document.activeElement };
    dialog.returnValue = "";
    dialog.showModal();
    $("#confirm-keep").focus();
  });
}

// Small DOM and formatting helpers shared by the page's modules. No framework, no inline styles.
import { lang } from "./i18n.js";

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** Create an element: h("td", {class: "x", dataset: {column: "a"}}, "text", child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "text") el.textContent = value;
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes (null/undefined left out) and children (nodes or text). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export function fmtInt(n) {
  return Number(n).toLocaleString(lang());
}

export function fmtNumber(n, digits = 1) {
  return Number(n).toLocaleString(lang(), { maximumFractionDigits: digits });
}

export function fmtBytes(n) {
  const units = [["gigabyte", 1e9], ["megabyte", 1e6], ["kilobyte", 1e3]];
  for (const [unit, size] of units) {
    if (n >= size) {
      return new Intl.NumberFormat(lang(), { style: "unit", unit, maximumFractionDigits: n >= 10 * size ? 0 : 1 })
        .format(n / size);
    }
  }
  return new Intl.NumberFormat(lang(), { style: "unit", unit: "byte" }).format(n);
}

/** Elapsed time as m:ss (h:mm:ss past an hour). */
export function fmtDuration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return hh ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

/** Long cell text cut for display (a file may hold a 1 MB cell); the title keeps a longer part. */
export function clip(text, max = 60) {
  const s = String(text ?? "");
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

function cell(tag, value) {
  const s = String(value ?? "");
  const el = h(tag, { text: clip(s) });
  if (s.length > 60) el.title = s.slice(0, 500);
  if (s === "") el.classList.add("empty");
  return el;
}

/** Fill a <table> with a header row and body rows of plain text cells. */
export function fillTable(table, columns, rows) {
  const head = h("tr", {}, columns.map((c) => {
    const th = cell("th", c);
    th.scope = "col";
    return th;
  }));
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(...rows.map((r) => h("tr", {}, r.map((v) => cell("td", v)))));
}

/** Show text in a message element (hidden when empty). */
export function setMessage(el, text) {
  el.textContent = text || "";
  el.hidden = !text;
}

/** Offer bytes as a download with the given file name, entirely in the browser. */
export function saveBytes(name, mime, bytes) {
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
  const a = h("a", { href: url, download: name, class: "visually-hidden" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Re-render part of the page without losing the keyboard focus: the focused control's
 * data-key is remembered and the new control with the same key is focused again.
 */
export function keepFocus(render) {
  const active = document.activeElement;
  const key = active && active.dataset ? active.dataset.key : null;
  const sel = key && active.selectionStart !== undefined ? [active.selectionStart, active.selectionEnd] : null;
  render();
  if (!key) return;
  const again = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
  if (again && again !== document.activeElement) {
    again.focus();
    if (sel && again.setSelectionRange) {
      try {
        again.setSelectionRange(sel[0], sel[1]);
      } catch (e) {
        /* not a text input */
      }
    }
  }
}

// Strings in Dutch and English: i18n/<lang>.json (copied from py_engine/locales/ by build_wheel.py).
export const LANGUAGES = ["en", "nl"];
let strings = {};
let fallback = {};
let current = "en";

export function pickLanguage() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (LANGUAGES.includes(asked)) return asked;
  try {
    const saved = localStorage.getItem("localsynth.lang");
    if (LANGUAGES.includes(saved)) return saved;
  } catch (e) {
    /* storage may be blocked */
  }
  for (const l of navigator.languages || [navigator.language || "en"]) {
    const base = String(l).slice(0, 2).toLowerCase();
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

async function fetchStrings(lang) {
  const resp = await fetch(new URL(`../i18n/${lang}.json`, import.meta.url));
  return resp.json();
}

export async function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) lang = "en";
  if (!Object.keys(fallback).length) fallback = await fetchStrings("en");
  strings = lang === "en" ? fallback : await fetchStrings(lang);
  current = lang;
  document.documentElement.lang = lang;
  try {
    localStorage.setItem("localsynth.lang", lang);
  } catch (e) {
    /* ignore */
  }
  return lang;
}

export function lang() {
  return current;
}

/** The string for key, with {placeholders} filled from params. */
export function t(key, params = {}) {
  let text = strings[key] ?? fallback[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** Fill every element with data-i18n="key" (text) or data-i18n-attr="attr:key;attr:key". */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

/** A user-facing message for an error from the worker ({kind, code, params, message}). */
export function errorText(err) {
  const info = (err && err.info) || err || {};
  const key = "errors." + (info.code || "internal");
  const text = t(key, info.params || {});
  return text === key ? info.message || t("errors.internal", { detail: "" }) : text;
}

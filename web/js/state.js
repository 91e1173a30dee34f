// What the page knows. The real data itself lives only in the worker (and the File the user chose,
// which engine.js holds so it can re-read it); the page keeps the summary the worker sends back.

export const STEPS = ["data", "settings", "generate", "result"];
export const HOLDOUT_FRACTION = 0.2; // py_engine/holdout.py HOLDOUT_FRACTION
export const HOLDOUT_MAX_ROWS = 10_000; // py_engine/holdout.py HOLDOUT_MAX_ROWS
export const DEMO = { url: "demo/adult_demo.csv", name: "adult_demo.csv" };

export function defaultSettings() {
  return {
    method: "cart",
    n_rows: null, // null: as many as the input (filled in when data arrives)
    seed: null, // drawn when data arrives; shown and editable
    m: "1", // synthetic data sets (synthpop's m); set k uses seed + k - 1
    missing: "synthesise",
    holdout: true, // keep HOLDOUT_FRACTION aside for the evaluation report
    minbucket: "", // empty: the engine's automatic value (grows with the table; synthesis.auto_minbucket)
    smoothing: "density", // the engine's default: kernel noise on rare numeric values only
    proper: false,
    visit_sequence: null, // null: the table order of the included columns
    // method dp (py_engine/dp; SynthSettings.epsilon, delta, domain, domain_from_data)
    epsilon: "1",
    delta: "1e-9", // the engine's default
    domain: null, // a domain document read from a file the user chose ({format: "localsynth.dp-domain", ...})
    domain_name: "",
    dp_mechanism: "mst", // "mst" or "aim" (SynthSettings.dp_mechanism)
    domain_from_data: false, // opt-in: the domain read from the data is NOT covered by the guarantee
    // issue 13: settings tuned per table (py_engine/optimise.py): aim and work budget
    optimise_criterion: "utility",
    optimise_budget: "17300000", // py_engine.optimise.DEFAULT_BUDGET
  };
}

export const state = {
  step: "data",
  // runtime
  loadStep: null,
  loadError: null,
  versions: null,
  restarting: false,
  // data
  summary: null, // the worker's inspect result
  detected: null, // the dialect detected when the file was first read
  dialect: {}, // the user's choices: {encoding?, delimiter?, decimal?}
  overrides: {}, // column -> {type?, exclude?, missing_codes?, all_missing_codes?}
  allCodes: [], // missing-value codes for every numeric column (inspect's all_missing_codes)
  busy: null, // {key, params, since}: what the data step is waiting for
  dataError: null, // {name, error, kept}: the last file that could not be read
  columnError: null, // an error from a column change
  search: "",
  inspectSeq: 0,
  epoch: 0, // counts start-overs: an answer for data cleared meanwhile is dropped
  notice: null, // {key, params}: a short note at the top of the page
  // settings
  settings: defaultSettings(),
  settingsError: null,
  structure: null, // the structure document as the user edited it (structure.js), null: none found
  // generate
  run: null, // {promise, started, progress, settings, cancelling}
  // result
  result: null,
  downloading: null,
  downloaded: null,
  downloadError: null,
  downloadSet: 1, // m > 1: the synthetic data set the CSV and JSON downloads hold (1..m)
};

export function resetData() {
  state.epoch++;
  state.inspectSeq++;
  Object.assign(state, {
    summary: null, detected: null, dialect: {}, overrides: {}, allCodes: [], busy: null, dataError: null, columnError: null,
    search: "", settings: defaultSettings(), settingsError: null, structure: null, run: null, result: null,
    downloading: null, downloaded: null, downloadError: null, downloadSet: 1,
  });
}

/** The columns that will be synthesised, in table order. */
export function includedColumns() {
  return state.summary ? state.summary.columns.filter((c) => !c.exclude) : [];
}

/** A fresh random seed, as Python's resolve_seed draws it (0 <= seed < 2**31). */
export function randomSeed() {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0] % 2 ** 31;
}

"""LocalSynth engine: synthetic tabular data that never leaves the user's computer.

Read a table (`reading.read_table`), detect its schema (`schema.infer_schema`), make typed data
(`dataset.from_raw`), synthesise (`synthesis.syn`) and evaluate (`evaluation.evaluate`).
The same API serves the command line (`python -m py_engine`), the tests and the browser
(`browser.py`, used by the page's Web Worker under Pyodide).
"""

__version__ = "0.1.0"

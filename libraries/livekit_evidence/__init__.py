"""What guards the evidence of a run: the leak guard, its record, and the copy of the files it cleared.

``leak_guard`` searches every file a run wrote, and its console output, for the run's secrets and
tokens (``python tools/leak_guard.py``); ``record`` names the record it leaves beside output.xml and
ties it to that file; ``cleared_copy`` copies the files the record lists as clean
(``python tools/cleared_copy.py``). ``record`` and ``cleared_copy`` use only the Python standard
library, and nothing is imported here, so that CI can copy the cleared files with any Python.
"""

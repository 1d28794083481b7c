"""Why a client could not authenticate, in plain words, and what to change.

A failure of the suite (an offline step, a live check, a token endpoint check) is described by
what the run observed: the server's status and the stable part of its answer, the token's claims
as the server reads them, the configured keys, the measured clock skew, the URL as it was written,
when the token was minted. :func:`rules.diagnose` turns those :class:`model.Observations` into a
:class:`model.Diagnosis`: the likely cause in one sentence and the fix, or, when the evidence does
not single out one cause, the candidates in order and the observation that would decide.

``setup_check`` checks a set-up against a server in a few seconds (``python run.py diagnose``);
``recording`` adds a diagnosis to a failure message and to the sign-off's findings. Nothing here
but ``recording`` knows Robot Framework, and it imports it only when a run is going on.
"""

"""Imported once by the parse fork server (:mod:`monitor.parseworker`), never by anything else.

Why: every parse loads the language's rules and word lists lazily, about 0.3 s on first use. The fork
server imports this module before it forks any child, so the warm caches are inherited and each letter's
child starts ready (measured: 0.32 s a letter without it, a few milliseconds with it). Importing it has
the side effect on purpose: ``set_forkserver_preload`` can only import modules, not call functions.
"""
from __future__ import annotations

from .work import prepare_letter

# a short letter that passes through cleaning, segmenting and the metadata rules, so each loads its data
_SAMPLE = ("Geachte Voorzitter,\n\nHierbij informeer ik u, mede namens de minister van Buitenlandse Zaken, "
           "over de stand van zaken op 1 januari 2024. Het kabinet heeft besloten 5 miljoen euro bij te dragen.\n\n"
           "1. Situatie\n\nDe veiligheidssituatie blijft zorgelijk; er zijn 120 slachtoffers gevallen.\n\n"
           "De Minister van Buitenlandse Zaken,\n\nA. Minister\n")
prepare_letter(_SAMPLE.encode("utf-8"), "warm.txt", None)

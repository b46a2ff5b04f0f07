"""The language as data (monitor/lang): loading, validation, a second language, and no Dutch left in the core."""
from __future__ import annotations

import ast
import datetime as dt
import dataclasses
import re
from pathlib import Path

import pytest

from monitor.function import classify
from monitor.position import PositionStatement, PositionTracker
from monitor.scope import SubjectSpec, assess_scope
from monitor.significance import Traits
from monitor.lang import STAGE_FILES, LanguageError, dutch, load
from monitor.lang.read import NEVER
from monitor.pipeline import parse_letter
from monitor.topics import TopicScheme, TopicSpec
from tests.conftest import ROOT

XX = ROOT / "tests" / "data" / "lang" / "xx"


def test_dutch_loads_once_and_is_complete():
    nl = dutch()
    assert dutch() is nl  # cached: loaded and compiled once per process
    assert nl.code == "nl" and len(nl.function.non_position) == 8 and len(nl.function.position) == 6
    assert nl.stopwords.wrapped_line_end < nl.stopwords.similarity
    assert nl.stopwords.wrapped_line_end < nl.stopwords.noun_phrase_end
    assert nl.countries.forms["Belarus"][0] == "Belarus" and "Wit-Russische" in nl.countries.forms["Belarus"]
    assert nl.labels.significance["government"] == "kabinet" and nl.labels.scope["names"] == "noemt {names}"
    assert set(nl.files) >= {"function.toml", "cleaning.toml", "quantities.toml", "countries.txt"}


def test_dutch_leaves_nothing_out():
    """A key missing from a Dutch file would silently read as empty (a pattern matching nothing): not here."""
    nl = dutch()
    sections = [nl.function, nl.quantities, nl.stopwords, nl.modality, nl.cleaning, nl.names, nl.countries,
                nl.labels, nl.sentences, nl.metadata]
    for section in sections:
        for f in dataclasses.fields(section):
            value = getattr(section, f.name)
            assert value is not NEVER and value not in ("", (), frozenset(), {}), f"{type(section).__name__}.{f.name}"
    # weights.toml is written by `make fit`; without it the hand-set rules of monitor.significance decide
    assert set(nl.files) | {"weights.toml"} == {f for stage in STAGE_FILES.values() for f in stage}
    assert nl.signals.signals and all(s.pattern is not NEVER for s in nl.signals.signals)


def test_a_second_tiny_language_runs_the_pipeline():
    xx = load(XX)
    assert xx.code == "xx" and len(xx.function.non_position) + len(xx.function.position) == 3
    assert xx.lemmas == "en" and not xx.cleaning.furniture and not xx.quantities.ones
    text = ("The government has decided to end the mission in May.\n\n"
            "We will inform the parliament about the missions soon.\n\n"
            "The safety of the staff is important to us.\n\n"
            "The weather was fine all week long.\n")
    parsed = parse_letter(text.encode(), "letter.txt", lang=xx)
    statements = list(parsed.statements)
    assert [st.text for st in statements][0] == "The government has decided to end the mission in May."
    # "missions" is "mission" by its English lemma: the term has no wildcard
    scheme = TopicScheme([TopicSpec(name="mission", label="Mission", terms=("mission",))], lang=xx)
    topics = scheme.assign(statements)
    functions = classify(statements, xx)
    got = [(f.name, sorted(t)) for f, t in zip(functions, topics)]
    assert got == [("decision", ["mission"]), ("inform", ["mission"]), ("assessment", []), ("fact", [])]
    assert functions[0].evidence == ("decided",)  # a word pattern ("decide"), matched on the English lemma
    # the language is part of what the stored analysis was made with
    assert scheme.fingerprint() != TopicScheme(scheme.specs).fingerprint()


def test_the_tiny_language_runs_scope_and_changes_too():
    """Scope and the position tracker read the language too: its subject terms and lemmas, its labels."""
    xx = load(XX)
    statements = list(parse_letter(b"The mission in Mali ends.\n\nThe embassy in Paris stays open.\n",
                                   "l.txt", lang=xx).statements)
    verdicts = assess_scope(statements, SubjectSpec("Mali", ("mali",)), lang=xx)
    assert [v.in_scope for v in verdicts] == [True, True]  # no country table: only the subject's own terms count
    assert verdicts[0].evidence == ("names: Mali",)  # a label the language leaves out reads as its key

    def st(uid: str, letter: str, text: str) -> PositionStatement:
        return PositionStatement(uid, letter, dt.date(2024, 1, int(letter[-1])), text,
                                 traits=Traits("decision", government=True))

    tracker = PositionTracker(lang=xx)
    first = tracker.process("l1", dt.date(2024, 1, 1), {"mission": [st("a", "l1", "We decided to send 80 soldiers.")]})
    assert [c.kind for c in first] == ["initial"]
    assert first[0].details["why"] == ["decision", "government"]  # xx has no labels: the keys stand in
    again = tracker.process("l2", dt.date(2024, 1, 2), {"mission": [st("b", "l2", "We decided to send 120 soldiers.")]})
    assert [c.kind for c in again] == ["reaffirmed"]  # xx knows no quantities: nothing counted, nothing moved


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("text, message", [
    ("[[position]]\nfunction = 'decision'\nname = 'x'\npattern = '(unclosed'\n",
     "function.toml: position[0].pattern: not a valid regular expression"),
    ("[[position]]\nfunction = 'verdict'\nname = 'x'\npattern = 'x'\n",
     "function.toml: position[0].function: 'verdict' is not one of"),
    ("[[position]]\nfunction = 'decision'\nname = 'x'\npatern = 'x'\n",
     "function.toml: position[0].pattern: a rule needs a pattern or terms"),
    ("[[position]]\nfunction = 'decision'\nname = 'x'\npattern = 'x'\nterms = ['x']\n",
     "function.toml: position[0].pattern: a rule needs a pattern or terms"),
    ("[[position]]\nfunction = 'decision'\nname = 'x'\npattern = 'x'\nignorecase = true\n",
     "function.toml: position[0].ignorecase: unknown key"),
    ("[flags.government]\npattern = 3\n", "function.toml: flags.government.pattern: expected a pattern"),
    ("[[position\n", "function.toml: not valid UTF-8 TOML"),
    ("language.toml:lemmas = 'zz'\n", "language.toml: lemmas: simplemma has no language 'zz'"),
    ("labels.toml:[scope]\nnames = 'noemt {land}'\n", "labels.toml: scope.names: takes only {names} placeholders"),
    ("quantities.toml:[units]\nnames = { eur = 'euro' }\ncurrency_before = '$'\n",
     "quantities.toml: units.currency_before: '$' is not in units.names"),
])
def test_errors_name_the_file_and_the_key(tmp_path, text, message):
    name, text = text.split(":", 1) if text.split(":", 1)[0].endswith(".toml") else ("function.toml", text)
    folder = _write(tmp_path / "bad", name, text)
    with pytest.raises(LanguageError, match=re.escape(message)):
        load(folder)


def test_a_stray_file_is_named(tmp_path):
    folder = _write(tmp_path / "stray", "functions.toml", "")
    with pytest.raises(LanguageError, match=re.escape("functions.toml: not a language file")):
        load(folder)
    _write(tmp_path / "notes", "NOTES.md", "analyst's notes are fine")
    assert load(tmp_path / "notes").files == {}


def test_fragments_are_filled_in_and_unknown_ones_named(tmp_path):
    folder = _write(tmp_path / "frag", "quantities.toml",
                    "[fragments]\nmonth = 'may'\n[patterns]\nmonth_after = '\\s+{{month}}'\n")
    assert load(folder).quantities.month_after.pattern == r"\s+may"
    folder = _write(tmp_path / "frag2", "quantities.toml", "[patterns]\nmonth_after = '{{month}}'\n")
    with pytest.raises(LanguageError, match=re.escape("quantities.toml: patterns.month_after: unknown fragment")):
        load(folder)


def test_the_fingerprint_follows_the_files(tmp_path):
    a = load(_write(tmp_path / "a", "function.toml", "[flags.hedged]\npattern = 'if'\n"))
    b = load(_write(tmp_path / "b", "function.toml", "[flags.hedged]\npattern = 'when'\n"))
    c = load(_write(tmp_path / "c", "labels.toml", "[diff]\nold = 'before'\n"))
    assert a.fingerprint != b.fingerprint and a.fingerprint_of("topics") != b.fingerprint_of("topics")
    assert a.fingerprint_of("changes") == b.fingerprint_of("changes")  # function rules are read by topics only
    (tmp_path / "empty").mkdir()
    empty = load(tmp_path / "empty")
    assert c.fingerprint_of("topics") != empty.fingerprint_of("topics")  # scope and topic evidence are worded
    assert c.fingerprint_of("changes") != empty.fingerprint_of("changes")


# ------------------------------------------------------------------ no Dutch left in the core's Python

# The analysis core (pyproject.toml's contract) and its Dutch vocabulary: words of the language files that
# are not also English (string constants such as "heading" or "over" are the program's own).
CORE = ROOT / "monitor"
CORE_MODULES = ("align", "clean", "diff", "footnotes", "function", "gazetteer", "ids", "lexicon", "limits", "metadata", "model",
                "patterns", "pipeline", "position", "quantities", "scope", "segment", "significance", "topics", "traits", "work")
# Core modules left out, and why: they hold no analysis knowledge of the letters' language.
EXEMPT = {"feed": "the feed's own Dutch wording for readers (month names, 'gewijzigd', …): the interface, "
                  "like the web templates, not analysis knowledge",
          "parse": "the element names of the officielebekendmakingen XML schema ('alinea', 'noot'): a file "
                   "format's vocabulary",
          "references": "the document kinds of the Dutch parliament's data services (TK 'Soort'): a source's "
                        "vocabulary, the same whatever language a letter is in"}
# Dutch-looking tokens that are the program's own: English words, and the Kamerstuk identifier prefix ("kst-").
_ENGLISH = frozenset("over door die had was men per via hier dan dossier word agenda item start context kst".split())


def _dutch_words() -> frozenset[str]:
    nl = dutch()
    words = set(nl.stopwords.similarity | nl.stopwords.noun_phrase_end) | set(nl.modality.lemmas)
    q = nl.quantities
    words |= {*q.ones, *q.teens, *q.tens, q.hundred, q.thousand, *q.labels, *q.year_context, *q.weekdays}
    words |= {w for section in (nl.labels.significance, nl.labels.scope, nl.labels.topics, nl.labels.diff)
              for label in section.values() for w in re.findall(r"[^\W\d_]+", re.sub(r"\{\w+\}", "", label.lower()))}
    words |= set(nl.names.not_anaphoric)
    for rule in (*nl.function.non_position, *nl.function.position):
        words |= set(re.findall(r"[a-zë]{4,}", rule.pattern.pattern))
    return frozenset(w for w in words if len(w) >= 3 and w not in _ENGLISH)


def _core_contract() -> set[str]:
    """The analysis core's modules as pyproject.toml's purity contract lists them."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = text[text.index("The analysis core is pure"):text.index("forbidden_modules")]
    return {m for m in re.findall(r'"monitor\.(\w+)"', block)}


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants of a module that are not docstrings."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_the_core_has_no_dutch_word_list_or_regex_left():
    vocabulary = _dutch_words()
    found = []
    assert set(CORE_MODULES) | set(EXEMPT) == {p.stem for p in CORE.glob("*.py")} & _core_contract()
    for name in CORE_MODULES:
        path = CORE / f"{name}.py"
        for line, text in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            dutch_words = sorted({w for w in re.findall(r"[^\W\d_]+", text.lower()) if w in vocabulary})
            if dutch_words:
                found.append(f"{path.name}:{line}: {', '.join(dutch_words)} in {text[:60]!r}")
    assert not found, "Dutch in the core's Python (move it to monitor/lang/nl/):\n" + "\n".join(found)


def test_a_lowered_pattern_finds_on_lowered_text_what_the_pattern_finds_ignoring_case():
    """Function rules marked ignore_case run as their lower-cased twins on the lower-cased sentence (cheaper):
    literals are lowered, escapes and group names are not (``\\S`` stays "not a space")."""
    from monitor.lang.read import lowered
    assert lowered(r"\S\W\B\D\N{LATIN SMALL LETTER A}(?P<Naam>X)(?P=Naam)") == \
        r"\S\W\B\D\N{LATIN SMALL LETTER A}(?P<Naam>x)(?P=Naam)"
    cases = [(r"\bBNC-fiches?\b", "Zie de BNC-Fiche hierover."), (r"(?P<W>[A-Z]\w+) \S+ (?P=W)", "Kabul en KABUL"),
             (r"\b(?:uw|de) Kamer\b\W+(?:geïnformeerd|INGELICHT)", "Uw kamer, ingelicht"), (r"^Hierbij\b", "hierbij")]
    for source, text in cases:
        want = re.compile(source, re.IGNORECASE).search(text)
        got = re.compile(lowered(source)).search(text.lower())
        assert want is not None and got is not None and want.span() == got.span(), source


def test_the_function_rules_decide_the_same_with_lowered_twins():
    """Every ignore_case function rule of Dutch, on every sentence of the seed letters: the twin on lower-cased
    text matches exactly where the case-insensitive pattern matches."""
    from monitor.lang import dutch
    from tests.conftest import SEEDS

    rules = [r for r in dutch().function.non_position + dutch().function.position if r.lowered is not None]
    assert len(rules) >= 10
    sentences = [st.text for f in sorted(SEEDS.iterdir()) if not f.name.endswith(".toml")
                 for st in parse_letter(f.read_bytes(), f.name).statements]
    hits = 0
    for text in sentences:
        for rule in rules:
            assert rule.lowered is not None
            want, got = rule.pattern.search(text), rule.lowered.search(text.lower())
            assert (want and want.span()) == (got and got.span()), (rule.name, text)
            hits += want is not None
    assert hits > 20  # the rules do match the seeds: the comparison is not between two misses

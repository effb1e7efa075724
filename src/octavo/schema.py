"""JSON Schemas for the content files, generated from the model's field specs.

One source: the `*_SPEC` dicts in model.py say which fields exist, their types
and which are required; this module only adds how the specs nest and the
allowed values model.py already enforces (roles, placements, id patterns).
Editors use the schemas to complete and check fields as the officer types
(the VS Code YAML extension reads the `# yaml-language-server: $schema=` line
that `octavo new` writes); `octavo validate` stays the authority, since a
schema cannot know, say, that an author id exists.

JSON Schema draft-07: the newest draft the YAML language server fully supports.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from . import identifiers as ids
from . import model, xref
from .editions import EDITION_NAMES
from .load import Mapping, Sequence
from .model import Spec

DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_DIR = ".schema"  # inside content/: a slug cannot start with a dot, so it never clashes
KINDS = ("publisher", "publication", "section")

# How the specs nest: (spec, field) -> the spec of the mapping it holds, or of
# each item of the list it holds ("id" means a list of contributor/disclaimer ids).
_NESTED: dict[tuple[int, str], Spec | str] = {
    (id(model.PUBLISHER_SPEC), "disclaimers"): model.DISCLAIMER_SPEC,
    (id(model.PUBLICATION_SPEC), "series"): model.SERIES_SPEC,
    (id(model.PUBLICATION_SPEC), "rights"): model.RIGHTS_SPEC,
    (id(model.PUBLICATION_SPEC), "identifiers"): model.IDENTIFIERS_SPEC,
    (id(model.PUBLICATION_SPEC), "contributors"): model.CONTRIBUTOR_SPEC,
    (id(model.PUBLICATION_SPEC), "house_disclaimers"): "id",
    (id(model.PUBLICATION_SPEC), "disclaimers"): model.DISCLAIMER_SPEC,
    (id(model.PUBLICATION_SPEC), "sections"): "path",
    (id(model.PUBLICATION_SPEC), "editions"): "edition",
    (id(model.CONTRIBUTOR_SPEC), "affiliations"): model.AFFILIATION_SPEC,
    (id(model.SECTION_SPEC), "authors"): "id",
    (id(model.SECTION_SPEC), "perspective_of"): "id",
    (id(model.SECTION_SPEC), "translators"): "id",
    (id(model.PUBLICATION_SPEC), "translation_of"): model.ORIGINAL_SPEC,
    (id(model.DISCLAIMER_SPEC), "text"): "languages",
    (id(model.DISCLAIMER_SPEC), "label"): "languages",
    (id(model.PUBLISHER_SPEC), "place"): "languages",
    (id(model.PUBLICATION_SPEC), "corrections"): model.CORRECTION_SPEC,
}

# The values model.py accepts for some text fields.
_ID = {"pattern": model.SLUG_RE.pattern}
_REFINED: dict[tuple[int, str], dict] = {
    (id(model.DISCLAIMER_SPEC), "id"): _ID,
    (id(model.DISCLAIMER_SPEC), "placement"): {"enum": list(model.PLACEMENTS)},
    (id(model.CONTRIBUTOR_SPEC), "id"): _ID,
    (id(model.CONTRIBUTOR_SPEC), "role"): {"enum": list(model.ROLES)},
    (id(model.CONTRIBUTOR_SPEC), "orcid"): {"pattern": ids.ORCID_RE.pattern},
    (id(model.CONTRIBUTOR_SPEC), "native_name_lang"): {"pattern": model.LANG_RE.pattern},
    (id(model.AFFILIATION_SPEC), "ror"): {"pattern": ids.ROR_RE.pattern},
    (id(model.IDENTIFIERS_SPEC), "doi"): {"pattern": ids.DOI_RE.pattern},
    (id(model.PUBLICATION_SPEC), "language"): {"pattern": model.LANG_RE.pattern},
    (id(model.PUBLISHER_SPEC), "language"): {"pattern": model.LANG_RE.pattern},
    (id(model.PUBLISHER_SPEC), "untranslated_disclaimers"): {"enum": list(model.UNTRANSLATED)},
    (id(model.SECTION_SPEC), "role"): {"enum": list(model.SECTION_ROLES)},
    (id(model.PUBLISHER_SPEC), "citation_style"): {"enum": list(model.CITATION_STYLES)},
    (id(model.PUBLICATION_SPEC), "version"): {"minimum": 1, "description": "The paper's version: 1 as first "
                                              "published, one more with each published correction"},
    (id(model.CORRECTION_SPEC), "version"): {"minimum": 2, "description": "The version the correction made "
                                             "(default: the paper's)"},
    (id(model.CORRECTION_SPEC), "section"): {"pattern": r"^[^/].*\.md$", "description": "The section corrected, "
                                             "as sections: lists it; the notice is printed at its end too"},
    (id(model.PUBLISHER_SPEC), "place"): {"description": "Where the house publishes, as the imprint prints it: "
                                          "text, or one text per language ('en: Stockholm, Sweden', 'de: Stockholm, "
                                          "Schweden'); a paper prints its own language's"},
    (id(model.SECTION_SPEC), "label"): {"pattern": f"^sec:{xref.NAME}$",
                                        "description": "The section's cross-reference label: the text refers "
                                                       "to 'label: sec:name' as @sec:name"},
}

_DESCRIPTIONS = {
    "title": "The title, as printed on the title page",
    "date": "Publication date, YYYY-MM-DD",
    "language": "A BCP 47 language tag: en, en-GB, fr …",
    "contributors": "Everyone credited: a list of mappings, one per person or institution",
    "house_disclaimers": "Every house disclaimer of publisher.yaml, by id",
    "disclaimers": "Disclaimers: id, text, and placement (imprint or inline)",
    "sections": "Section files in reading order, relative to the publication folder",
    "affiliations": "The organisations the person writes from; 'affiliations: []' for an independent author, attributed by name alone",
    "native_name_lang": "The language of native_name (ja, ko, zh-Hans, zh-Hant …); read from its script when absent",
    "print_isbn": "ISBN-13 of the printed book (check digit verified)",
    "ebook_isbn": "ISBN-13 of the EPUB, its own, not the print ISBN",
    "doi": "The publication's DOI, beginning 10.",
    "ror": "The organisation's ROR ID (ror.org), e.g. 05f0yaq80",
    "corporate": "true for an institution, which needs no affiliation",
    "role": "What the entry is; see the allowed values",
    "authors": "Ids of the contributors who wrote the text (named in the byline)",
    "perspective_of": "Ids of the contributors whose perspective the text presents",
    "editions": "The editions to build (default: all): " + ", ".join(EDITION_NAMES),
    "trim_size": "The PDF page: " + ", ".join(getattr(model, "TRIM_KEYWORDS", ())) + ", or '170mm 240mm'",
    "translation_of": "The paper this one translates: its folder name in content/, or {title, language, doi, isbn, url}",
    "translators": "Ids of the contributors who translated this section (default: every contributor with role translator)",
    "text": "The wording: text, or one text per language ('en: …', 'ko: …'); a paper prints its own language's",
    "untranslated_disclaimers": "A paper in a language a disclaimer has no wording in: error (default), or warn "
                                "(the house-language wording, with a warning)",
    "placement": "imprint (default): on the imprint page; inline: where the text writes {{disclaimer:ID}}",
    "crossmark_policy": "The DOI of the house's Crossmark policy page: a corrected paper's Crossref deposit then "
                        "tells Crossmark of each correction",
    "citation_style": "How the house cites [@key]: chicago-notes (default, footnotes and a bibliography) "
                      "or chicago-author-date (in the sentence, and a reference list)",
}


def _text() -> dict:
    # model.py refuses empty and blank text
    return {"type": "string", "minLength": 1, "pattern": r"\S"}


def _field(spec: Spec, name: str) -> dict:
    types, _ = spec[name]
    nested = _NESTED.get((id(spec), name))
    options = []
    for t in types:
        if t is str:
            options.append(_text() if (dt.date not in types) else {"type": "string", "format": "date",
                                                                    "pattern": r"^\d{4}-\d{2}-\d{2}$"})
        elif t is bool:
            options.append({"type": "boolean"})
        elif t is int:
            options.append({"type": "integer"})
        elif t is Mapping and nested == "languages":  # one wording per language: {en: …, ko: …}
            options.append({"type": "object", "minProperties": 1, "propertyNames": {"pattern": model.LANG_RE.pattern},
                            "additionalProperties": _text()})
        elif t is Mapping:
            options.append(_object(nested) if isinstance(nested, dict) else {"type": "object"})
        elif t is Sequence:
            if nested == "id":
                item = {"type": "string", **_ID}
            elif nested == "edition":
                item = {"type": "string", "enum": list(EDITION_NAMES)}
            elif nested == "path":
                item = {"type": "string", "pattern": r"^[^/].*\.md$"}
            else:
                item = _object(nested) if isinstance(nested, dict) else {}
            options.append({"type": "array", "items": item})
    options = [o for i, o in enumerate(options) if o not in options[:i]]  # date and str are one option
    schema = options[0] if len(options) == 1 else {"anyOf": options}
    schema = {**schema, **_REFINED.get((id(spec), name), {})}
    if name in _DESCRIPTIONS:
        schema = {"description": _DESCRIPTIONS[name], **schema}
    return schema


def _object(spec: Spec) -> dict:
    schema = {
        "type": "object",
        "additionalProperties": False,  # an unknown key is an error in model.py too
        "properties": {name: _field(spec, name) for name in spec},
        "required": [name for name, (_, required) in spec.items() if required],
    }
    if spec is model.CONTRIBUTOR_SPEC:
        # model.py: a contributor needs an affiliation unless it is an institution
        schema["if"] = {"properties": {"corporate": {"const": True}}, "required": ["corporate"]}
        schema["else"] = {"required": ["affiliations"]}
    return schema


_TOP = {
    "publisher": (model.PUBLISHER_SPEC, "Octavo house file (content/publisher.yaml)"),
    "publication": (model.PUBLICATION_SPEC, "Octavo publication (content/<slug>/publication.yaml)"),
    "section": (model.SECTION_SPEC, "Octavo section front matter (content/<slug>/sections/*.md, between the --- lines)"),
}


def schema(kind: str) -> dict:
    spec, title = _TOP[kind]
    return {"$schema": DRAFT, "$id": f"https://octavo.invalid/schema/{kind}.schema.json",
            "title": title, **_object(spec)}


def schema_text(kind: str) -> str:
    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"


def schema_path(content_dir: Path, kind: str) -> Path:
    return Path(content_dir) / SCHEMA_DIR / f"{kind}.schema.json"


def write_schemas(content_dir: Path) -> list[Path]:
    """Write (or refresh) every schema into content/.schema/, each file whole or not at all."""
    from .write import write_text_atomically

    paths = []
    for kind in KINDS:
        path = schema_path(content_dir, kind)
        write_text_atomically(path, schema_text(kind))
        paths.append(path)
    return paths

"""Write the custom entity recognizer example from the Palmer penguins data (CC0), reproducibly.

    python data/comprehend/generate.py            # rewrites documents.txt, annotations.csv, entity_list.csv,
                                                  # classifier.csv
    python data/comprehend/generate.py --check    # exit 1 if the committed files differ from a fresh run

Each row of data/penguins.csv becomes one field-note sentence (one document per line), naming the bird's
species and island; the annotations give the character offsets of both inside the line, the entity list
names every species and island once. No randomness: the sentence pattern is chosen by row number.

``classifier.csv`` trains the optional document classifier (multi-class, no header, ``LABEL,text``): the
same sentences with the island's name taken out, labelled with the island, so the model has to tell the
colony from the species and measurements (Torgersen has only Adelie penguins, Biscoe Adelie and Gentoo,
Dream Adelie and Chinstrap).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "penguins.csv"
ENTITY_TYPES = ("SPECIES", "ISLAND")

# {species} and {island} are the annotated entities; the rest are the row's measurements.
TEMPLATES = (
    "In {year}, field teams on {island} Island recorded {a_sex} {species} penguin with a bill of {bill} mm "
    "and flippers of {flipper} mm.",
    "{A_species} {species} penguin ({sex}) weighed {mass} g when it was banded on {island} in {year}.",
    "{island} nest survey, {year}: one {sex} {species}, bill depth {depth} mm, body mass {mass} g.",
    "Researchers measured a flipper length of {flipper} mm for a {species} adult nesting on {island} Island.",
    "The {year} census on {island} logged a {species} whose culmen was {bill} mm long and {depth} mm deep.",
)


def _article(word: str) -> str:
    return "an" if word[0].lower() in "aeiou" else "a"


def _value(row: dict[str, str], key: str, missing: str) -> str:
    return missing if row[key] == "NA" else row[key]


def build() -> dict[str, str]:
    """The three files' contents, keyed by file name."""
    with SOURCE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    documents: list[str] = []
    classifier = io.StringIO()
    classifier_writer = csv.writer(classifier, lineterminator="\n")
    annotations = io.StringIO()
    writer = csv.writer(annotations, lineterminator="\n")
    writer.writerow(["File", "Line", "Begin Offset", "End Offset", "Type"])
    for number, row in enumerate(rows):
        fields = {
            "species": row["species"],
            "island": row["island"],
            "year": row["year"],
            "sex": _value(row, "sex", "unsexed"),
            "bill": _value(row, "bill_length_mm", "an unmeasured"),
            "depth": _value(row, "bill_depth_mm", "an unmeasured"),
            "flipper": _value(row, "flipper_length_mm", "an unmeasured"),
            "mass": _value(row, "body_mass_g", "an unrecorded"),
        }
        fields["a_sex"] = f"{_article(fields['sex'])} {fields['sex']}"
        fields["A_species"] = _article(fields["species"]).capitalize()
        template = TEMPLATES[number % len(TEMPLATES)]
        line = template.format(**fields)
        for name, entity_type in (("species", "SPECIES"), ("island", "ISLAND")):
            # The placeholder's position in the template gives the entity's offset in the line.
            prefix = template.split("{" + name + "}", 1)[0].format(**fields)
            begin = len(prefix)
            end = begin + len(fields[name])
            assert line[begin:end] == fields[name]
            writer.writerow(["documents.txt", number, begin, end, entity_type])
        documents.append(line)
        unnamed = template.replace(" Island", "").format(**{**fields, "island": "the colony"})
        classifier_writer.writerow([row["island"].upper(), unnamed[0].upper() + unnamed[1:]])
    entity_list = io.StringIO()
    list_writer = csv.writer(entity_list, lineterminator="\n")
    list_writer.writerow(["Text", "Type"])
    for species in sorted({row["species"] for row in rows}):
        list_writer.writerow([species, "SPECIES"])
    for island in sorted({row["island"] for row in rows}):
        list_writer.writerow([island, "ISLAND"])
    return {
        "documents.txt": "\n".join(documents) + "\n",
        "annotations.csv": annotations.getvalue(),
        "entity_list.csv": entity_list.getvalue(),
        "classifier.csv": classifier.getvalue(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args(argv)
    files = build()
    if args.check:
        stale = [name for name, text in files.items() if (HERE / name).read_text(encoding="utf-8") != text]
        for name in stale:
            print(f"data/comprehend/{name} differs from a fresh run; run python data/comprehend/generate.py")
        return 1 if stale else 0
    for name, text in files.items():
        (HERE / name).write_text(text, encoding="utf-8", newline="")
    print(f"wrote {', '.join(files)} from {SOURCE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

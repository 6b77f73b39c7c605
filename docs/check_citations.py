#!/usr/bin/env python3
"""Every endpoint code and section number cited in app/, ui/ and tests/ must have a heading in
docs/protocol.md.

Usage: python3 docs/check_citations.py [repo root]. Prints the citations and exits 1 when one does
not resolve. Only the shape is checked ("§8.3" has a heading "§8.3 …"); whether the cited text
says what the comment claims is for a reader."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
docs = [root / "docs" / "protocol.md"]
headings = [line for doc in docs if doc.exists() for line in doc.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")]

token = re.compile(r"\b(?:[DB][0-9]+|S[12]|W1|N1|A[12])\b|§ ?[0-9]+(?:\.[0-9]+)*")
cited = {}
for folder in ("app", "ui", "tests"):
    for path in (root / folder).rglob("*"):
        if path.suffix not in (".h", ".cpp", ".md", ".txt", ".cmake") or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for match in token.finditer(line):
                cited.setdefault(match.group(0).replace("§ ", "§"), []).append(f"{path.relative_to(root)}:{number}")


def resolves(code):
    if code.startswith("§"):
        pattern = re.compile("§" + re.escape(code[1:]) + r"(?![0-9.])")
    else:
        pattern = re.compile(r"\b" + code + r"\b")
    return any(pattern.search(h) for h in headings)


def order(code):
    if code.startswith("§"):
        return (1, [int(part) for part in code[1:].split(".")])
    return (0, code[0], int(code[1:]))


missing = [code for code in sorted(cited, key=order) if not resolves(code)]
print(f"{len(cited)} distinct citations: " + " ".join(sorted(cited, key=order)))
for code in missing:
    print(f"unresolved {code}: " + ", ".join(cited[code][:5]))
sys.exit(1 if missing else 0)

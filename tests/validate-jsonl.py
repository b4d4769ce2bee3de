#!/usr/bin/python3
"""Validates infra-monitor JSONL files line by line against docs/jsonl.schema.json.

Usage: tests/validate-jsonl.py [--schema FILE] [--strict] FILE...

FILE may be a plain .jsonl, a rotated .jsonl.gz, or - for standard input
(`zcat x.jsonl.gz | validate-jsonl.py -`). Every line must be one JSON object
(duplicate keys are an error, as the daemon's own parser rejects them) that
validates against the schema. Prints FILE:LINE: error for each bad line and
exits 1 if there was any, 2 on usage errors. A last line without its newline
is a write in progress, as the export reader treats it: skipped with a note
on stderr, or an error with --strict.

Needs python3-jsonschema (Debian); run with /usr/bin/python3.
"""
import argparse
import gzip
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    sys.stderr.write("validate-jsonl: python3-jsonschema is missing (apt-get install python3-jsonschema)\n")
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMA = os.path.join(HERE, "..", "docs", "jsonl.schema.json")


def no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError("duplicate key %r" % k)
        seen[k] = v
    return seen


def reject_constant(name):
    # json.loads would accept NaN/Infinity literals, which are not JSON.
    raise ValueError("non-JSON number literal %s" % name)


def open_any(path):
    if path == "-":
        return os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    if path.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def where(err):
    parts = []
    for p in err.absolute_path:
        parts.append("[%d]" % p if isinstance(p, int) else ".%s" % p)
    return "".join(parts).lstrip(".") or "(line)"


def validate_file(path, validator, strict):
    bad = 0
    try:
        with open_any(path) as f:
            data = f.read()
    except (OSError, EOFError) as e:
        print("%s: cannot read: %s" % (path, e))
        return 1
    if not data:
        return 0
    lines = data.split(b"\n")
    last = lines.pop()          # "" when the file ends in a newline
    if last:
        if strict:
            print("%s:%d: last line has no newline (torn write?)" % (path, len(lines) + 1))
            bad += 1
        else:
            sys.stderr.write("%s:%d: skipped: last line has no newline yet\n"
                             % (path, len(lines) + 1))
    for n, raw in enumerate(lines, 1):
        try:
            text = raw.decode("utf-8")
            obj = json.loads(text, object_pairs_hook=no_duplicates,
                             parse_constant=reject_constant)
        except (UnicodeDecodeError, ValueError) as e:
            print("%s:%d: not JSON: %s" % (path, n, e))
            bad += 1
            continue
        errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
        for e in errors[:5]:
            print("%s:%d: %s: %s" % (path, n, where(e), e.message[:300]))
        if errors:
            bad += 1
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--schema", default=DEFAULT_SCHEMA)
    ap.add_argument("--strict", action="store_true",
                    help="a last line without its newline is an error")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    with open(args.schema) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    bad = 0
    for path in args.files:
        bad += validate_file(path, validator, args.strict)
    if bad:
        print("validate-jsonl: %d bad line(s)" % bad, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

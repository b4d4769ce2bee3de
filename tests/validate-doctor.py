#!/usr/bin/python3
"""Validates `infra-monitor doctor --format=json` output against docs/doctor.schema.json.

Usage: tests/validate-doctor.py FILE [--expect-ok | --expect-fail]

Beyond the schema: "ok" must agree with the programs (true exactly when each
has an "auto" rung), and with --expect-fail at least one failed check must name
its remedy. Exits 1 with the reason on the first violation, 2 on usage errors.
Needs python3-jsonschema (Debian); run with /usr/bin/python3.
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    sys.stderr.write("validate-doctor: python3-jsonschema is missing (apt-get install python3-jsonschema)\n")
    sys.exit(2)

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "doctor.schema.json")


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.stderr.write(__doc__)
        return 2
    path, expect = args[0], (args[1] if len(args) > 1 else None)
    with open(SCHEMA) as f:
        schema = json.load(f)
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print("%s: not JSON: %s" % (path, e))
        return 1
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        print("%s: %s: %s" % (path, "/".join(str(p) for p in e.path) or "(root)", e.message))
    if errors:
        return 1
    attaches = all(p["auto"] is not None for p in doc["programs"])
    if doc["ok"] != attaches:
        print("%s: ok is %s but every program attaching is %s" % (path, doc["ok"], attaches))
        return 1
    if expect == "--expect-ok" and not doc["ok"]:
        print("%s: expected ok, got a failure" % path)
        return 1
    if expect == "--expect-fail":
        if doc["ok"]:
            print("%s: expected a failure, got ok" % path)
            return 1
        if not any(c["status"] == "fail" for c in doc["checks"]):
            print("%s: failed, but no check names the cause" % path)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

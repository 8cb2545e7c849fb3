#!/usr/bin/env python3
# validate.py SCHEMA FILE: validate the JSON document FILE against SCHEMA,
# one of the schemas of this directory (e.g. config-schema.json). $refs
# between them (defs.json, state-schema.json) resolve here, by their $id,
# never over the network. Prints each violation as "FILE: JSON-PATH: reason"
# on stderr; exits 0 when FILE conforms, 1 when not, 2 on a usage error.
# Works with python3-jsonschema 4.10 (Debian 12: RefResolver) and with the
# later releases (the referencing package).
import glob
import json
import os
import sys

import jsonschema


def load_schemas(d):
    """Every schema of directory d, keyed by its $id and its file name."""
    schemas = {}
    for p in sorted(glob.glob(os.path.join(d, "*.json"))):
        with open(p) as f:
            s = json.load(f)
        schemas[s["$id"]] = s
        schemas[os.path.basename(p)] = s
    return schemas


def validator(schema, schemas):
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    by_id = {k: v for k, v in schemas.items() if "://" in k}
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT7
    except ImportError:
        resolver = jsonschema.RefResolver.from_schema(schema, store=by_id)
        return cls(schema, resolver=resolver)
    registry = Registry().with_resources(
        (k, Resource.from_contents(v, default_specification=DRAFT7)) for k, v in by_id.items())
    return cls(schema, registry=registry)


def json_path(parts):
    path = "".join("[%d]" % p if isinstance(p, int) else "." + p for p in parts)
    return path or "."


def main(argv):
    if len(argv) != 3:
        print("usage: validate.py SCHEMA FILE", file=sys.stderr)
        return 2
    name, doc = argv[1], argv[2]
    schemas = load_schemas(os.path.dirname(os.path.abspath(__file__)))
    if name not in schemas:
        print("validate.py: no schema %s in %s" % (name, os.path.dirname(__file__)), file=sys.stderr)
        return 2
    try:
        with open(doc) as f:
            data = json.load(f)
    except ValueError as e:
        print("%s: not JSON: %s" % (doc, e), file=sys.stderr)
        return 1
    v = validator(schemas[name], schemas)
    errors = sorted(v.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    for e in errors:
        print("%s: %s: %s" % (doc, json_path(e.absolute_path), e.message), file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

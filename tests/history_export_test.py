#!/usr/bin/python3
"""history's CSV read by a CSV parser (Python's csv module), as a spreadsheet or a script reads
it: every row has the header's columns, the seq column holds entry numbers only, the last row
is the chain head marked by its kind, and its hash is the one `ledger head` and
`audit --expect-head` know. `history --json` prints what `--format json` prints; `complete` and
`trace` answer with --json. Also the table: at most 120 columns for a real ledger, and actors
as people read them.

Run as  history_export_test.py DOSEGATE SOURCE_DIR
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

dosegate, source = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def run(args, at, expect):
    env = dict(os.environ, DOSEGATE_TEST_NOW=at)
    r = subprocess.run([dosegate] + args, cwd=source, env=env, capture_output=True)
    if r.returncode != expect:
        sys.exit("%s: exit %d, expected %d\n%s" %
                 (" ".join(args), r.returncode, expect, r.stderr.decode()))
    return r.stdout.decode("utf-8")


with tempfile.TemporaryDirectory(prefix="dosegate-history-") as tmp:
    ledger = os.path.join(tmp, "ledger.sqlite")
    key = ["--key", "certs/test-pki/releaser.p12", "--passphrase-file",
           "certs/test-pki/releaser.p12.passphrase"]
    common = ["--trust", "certs/trust", "--ledger", ledger] + key

    def release(coa, at, expect):
        run(["release", coa, "--out", os.path.join(tmp, "records"), "--quiet"] + common, at,
            expect)

    release("samples/coa-pass.xml", "2026-11-21T12:00:00Z", 0)
    release("samples/coa-viability-90.xml", "2026-11-21T13:00:00Z", 1)
    run(["recall", "A999926000147", "--reason", "Sterility retest positive"] + common,
        "2026-11-22T08:00:00Z", 0)

    # The CSV, parsed.
    text = run(["history", "--ledger", ledger, "--format", "csv"], "2026-11-22T09:00:00Z", 0)
    check(text.startswith("\ufeff"), "the CSV starts with a byte order mark")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    header, entries, head = rows[0], rows[1:-1], rows[-1]
    check(len(entries) == 4, "four entries, then the chain head: %d rows" % len(rows))
    for i, row in enumerate(rows):
        check(len(row) == len(header),
              "row %d has %d cells, the header %d" % (i, len(row), len(header)))
    seq, kind, hash_ = header.index("seq"), header.index("kind"), header.index("hash")
    for row in rows[1:]:
        check(row[seq].isdigit(), "seq holds an entry number, not %r" % row[seq])
    check([r[kind] for r in entries] == ["release", "records", "rejection", "recall"],
          "the entries' kinds: %r" % [r[kind] for r in entries])
    check(head[kind] == "chain-head", "the last row is the chain head: %r" % head)
    check(head[seq] == "4", "the chain head is entry 4: %r" % head[seq])
    check(head[hash_] == entries[-1][hash_], "the head's hash is the last entry's")
    check(all(not c for i, c in enumerate(head) if i not in (seq, kind, hash_,
                                                             header.index("at_utc"))),
          "the chain head row has nothing but seq, at, kind and hash: %r" % head)
    ledger_head = run(["ledger", "head", "--ledger", ledger, "--json"], "2026-11-22T09:00:00Z", 0)
    check(json.loads(ledger_head)["hash"] == head[hash_], "ledger head names the same hash")
    run(["audit", "--trust", "certs/trust", "--ledger", ledger, "--expect-head", head[hash_]],
        "2026-11-22T09:00:00Z", 0)

    # A filter shows fewer entries; the chain head stays the whole ledger's.
    text = run(["history", "--ledger", ledger, "--format", "csv", "--kind", "recall"],
               "2026-11-22T09:00:00Z", 0)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    check(len(rows) == 3 and rows[-1][kind] == "chain-head" and rows[-1][seq] == "4",
          "a filtered export ends with the whole ledger's head: %r" % rows[-1:])

    # history --records: the same shape.
    text = run(["history", "--ledger", ledger, "--format", "csv", "--records"],
               "2026-11-22T09:00:00Z", 0)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    check(rows[0] == ["seq", "at", "kind", "din", "record", "sha256"], "records header")
    check(all(len(r) == 6 for r in rows), "every records row has six cells")
    check(all(r[0].isdigit() for r in rows[1:]), "the records' seq column: numbers only")
    check(rows[-1][2] == "chain-head" and rows[-1][5] == head[hash_],
          "the records export ends with the chain head: %r" % rows[-1])

    # --json is --format json.
    as_json = run(["history", "--ledger", ledger, "--json"], "2026-11-22T09:00:00Z", 0)
    as_format = run(["history", "--ledger", ledger, "--format", "json"], "2026-11-22T09:00:00Z", 0)
    check(as_json == as_format, "history --json prints what --format json prints")
    check(json.loads(as_json)["chain_head"]["hash"] == head[hash_], "JSON's chain head")
    as_json = run(["trace", "A999926000147", "--trust", "certs/trust", "--ledger", ledger, "--json"],
                  "2026-11-22T09:00:00Z", 0)
    as_format = run(["trace", "A999926000147", "--trust", "certs/trust", "--ledger", ledger,
                     "--format", "json"],
                    "2026-11-22T09:00:00Z", 0)
    check(as_json == as_format, "trace --json prints what --format json prints")
    check(json.loads(as_json)["command"] == "trace", "trace --json is trace's object")

    # The table fits a terminal and names people as they read them; the JSON keeps the DN.
    table = run(["history", "--ledger", ledger], "2026-11-22T09:00:00Z", 0)
    widest = max(len(line) for line in table.splitlines())
    check(widest <= 120, "the table is %d columns wide:\n%s" % (widest, table))
    check("Alex Example, QA Release" in table, "the actor as people read it:\n" + table)
    check("CN=" not in table and "\\," not in table, "no raw DN in the table:\n" + table)
    entry = json.loads(run(["history", "--ledger", ledger, "--json"], "2026-11-22T09:00:00Z", 0))
    check(entry["entries"][0]["actor"].startswith("CN=Alex Example\\, QA Release"),
          "the JSON keeps the actor's whole DN: %r" % entry["entries"][0]["actor"])

for f in failures:
    print("FAIL:", f)
if not failures:
    print("history exports: CSV rows in the header's shape, the chain head marked; JSON equal")
sys.exit(1 if failures else 0)

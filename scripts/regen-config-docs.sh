#!/usr/bin/env bash
# Regenerates the blocks of docs/configuration.md that come from the code (config/Settings.java).
# Run after adding or changing a setting; ConfigDocsTest fails until the docs match.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
table=$(MAILWARDEN_LOG_LEVEL=OFF "$here/mailwarden" config defaults --markdown)
sample=$(MAILWARDEN_LOG_LEVEL=OFF "$here/mailwarden" config defaults)
TABLE="$table" SAMPLE="$sample" python3 - "$here/docs/configuration.md" <<'PY'
import os, re, sys
path = sys.argv[1]
doc = open(path).read()
def put(doc, command, body):
    pat = re.compile(r'(<!-- BEGIN generated: ' + re.escape(command) + r' -->\n)(.*?)(<!-- END generated -->)', re.S)
    if not pat.search(doc):
        sys.exit(f"no generated block for '{command}' in {path}")
    return pat.sub(lambda m: m.group(1) + body + m.group(3), doc)
doc = put(doc, "mailwarden config defaults --markdown", os.environ["TABLE"] + "\n")
doc = put(doc, "mailwarden config defaults", "```ini\n" + os.environ["SAMPLE"] + "\n```\n")
open(path, "w").write(doc)
PY
echo "docs/configuration.md regenerated"

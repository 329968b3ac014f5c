#!/usr/bin/env bash
# End to end: `host-harness replay` and `host-harness test` on examples/ and on hostile input,
# as a CI job runs them. Needs $BIN_DIR/host-harness and $SOURCE_DIR (set by ctest).
set -uo pipefail

: "${SOURCE_DIR:?set SOURCE_DIR to the repository}"
: "${BIN_DIR:?set BIN_DIR to the directory holding host-harness}"
H="$BIN_DIR/host-harness"
EX="$SOURCE_DIR/examples"
INV="$EX/inventory.yaml"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_rc WANT DESCRIPTION -- COMMAND...: runs COMMAND, output in $TMP/out and $TMP/err.
expect_rc() {
  local want=$1 what=$2
  shift 3
  "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "$what: exit $rc, want $want"
    sed 's/^/    stdout: /' "$TMP/out" | head -20 >&2
    sed 's/^/    stderr: /' "$TMP/err" | head -20 >&2
    return 1
  fi
  return 0
}

# json_check DESCRIPTION PYTHON-EXPR: evaluates EXPR with d = the JSON in $TMP/out.
json_check() {
  local what=$1 expr=$2
  if ! python3 -c "import json,sys; d=json.load(open('$TMP/out')); sys.exit(0 if ($expr) else 1)" \
    2>"$TMP/pyerr"; then
    fail "$what: JSON check failed: $expr"
    head -c 600 "$TMP/out" | sed 's/^/    /' >&2
    sed 's/^/    /' "$TMP/pyerr" >&2
  fi
}

grep_out() {  # grep_out DESCRIPTION FILE PATTERN
  grep -q -E -- "$3" "$2" || { fail "$1: no /$3/ in $(basename "$2")"; sed 's/^/    /' "$2" | head -10 >&2; }
}

[ -x "$H" ] || { echo "FAIL: $H is not built" >&2; exit 1; }

# --- exit codes on the examples --------------------------------------------------------------
expect_rc 0 "admitted examples" -- "$H" replay --inventory "$INV" --policy "$EX/policy.yaml" \
  "$EX/hosts" "$EX/warn" "$EX/reviews"
grep_out "admitted examples table" "$TMP/out" '^[0-9]+ documents: [0-9]+ admitted'
expect_rc 1 "denied examples" -- "$H" replay --inventory "$INV" "$EX/denied"
grep_out "denied table" "$TMP/out" '^DENY +.*address-conflict'
expect_rc 2 "missing file" -- "$H" replay --inventory "$INV" "$TMP/does-not-exist.yaml" &&
  grep_out "missing file message" "$TMP/err" 'does-not-exist\.yaml'
expect_rc 2 "missing fixture" -- "$H" replay --inventory "$TMP/nope.yaml" "$EX/hosts" &&
  grep_out "missing fixture message" "$TMP/err" 'nope\.yaml'
expect_rc 2 "no --inventory" -- "$H" replay "$EX/hosts"
expect_rc 2 "unknown -o" -- "$H" replay --inventory "$INV" -o xml "$EX/hosts" &&
  grep_out "unknown -o message" "$TMP/err" 'table, json, yaml, junit'
expect_rc 2 "unknown flag" -- "$H" replay --inventory "$INV" --frobnicate "$EX/hosts"

printf 'apiVersion: forklift.konveyor.io/v1beta1\nkind: Host\nmetadata:\n  name: [unclosed\n  namespace: demo\nspec: {}\n' >"$TMP/bad.yaml"
expect_rc 2 "bad YAML" -- "$H" replay --inventory "$INV" "$TMP/bad.yaml" &&
  grep_out "bad YAML names file:line" "$TMP/err" 'bad\.yaml:[0-9]+:'

: >"$TMP/empty.yaml"
expect_rc 2 "empty file" -- "$H" replay --inventory "$INV" "$TMP/empty.yaml" &&
  grep_out "empty file message" "$TMP/err" 'no documents'
# An empty file next to real manifests is fine.
expect_rc 0 "empty file among others" -- "$H" replay --inventory "$INV" "$TMP/empty.yaml" \
  "$EX/hosts/direct-ip.yaml"

# --- Lists, runs that check nothing, --fail-on-warnings ---------------------------------------
# What `kubectl get hosts -A -o yaml` prints: one List; each item is replayed as FILE#INDEX.ITEM.
cat >"$TMP/list.yaml" <<'EOF'
apiVersion: v1
kind: List
metadata: {resourceVersion: ""}
items:
- apiVersion: forklift.konveyor.io/v1beta1
  kind: Host
  metadata: {name: h1, namespace: demo, labels: {team: a}, resourceVersion: "42"}
  spec: {provider: {name: vsphere-provider}, id: host-10, ipAddress: 192.168.1.10}
- apiVersion: forklift.konveyor.io/v1beta1
  kind: Host
  metadata: {name: h2, namespace: demo}
  spec: {provider: {name: vsphere-provider}, id: host-99, ipAddress: 192.168.1.10}
- apiVersion: forklift.konveyor.io/v1beta1
  kind: Host
  metadata: {name: h3, namespace: demo, annotations: {forklift.konveyor.io/network-adapter: Management Network}}
  spec: {provider: {name: vsphere-provider}, name: esxi-host-01.example.com}
EOF
expect_rc 1 "a List of Hosts on stdin" -- bash -c "'$H' replay --inventory '$INV' -o json - < '$TMP/list.yaml'" &&
  json_check "List replayed item by item" \
    "[r['source'] for r in d['results']] == ['-#0.0', '-#0.1', '-#0.2'] and [r['allowed'] for r in d['results']] == [True, False, True] and 'host-not-found' in d['results'][1]['rules']"
printf 'apiVersion: v1\nkind: List\nitems: []\n' >"$TMP/empty-list.yaml"
expect_rc 2 "an empty List checks nothing" -- "$H" replay --inventory "$INV" "$TMP/empty-list.yaml" &&
  grep_out "empty List message" "$TMP/err" 'nothing was checked'
printf -- 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n' >"$TMP/only-skips.yaml"
expect_rc 2 "only skipped documents check nothing" -- "$H" replay --inventory "$INV" "$TMP/only-skips.yaml" && {
  grep_out "all-skipped message says why" "$TMP/err" 'nothing was checked: 2 documents, all skipped \(kind ConfigMap: 1, kind Secret: 1\)'
  grep_out "all-skipped run still prints its table" "$TMP/out" 'SKIP'
}
expect_rc 0 "warnings pass by default" -- "$H" replay --inventory "$INV" "$EX/hosts/adapter-lookup.yaml" &&
  grep_out "adapter-lookup warns" "$TMP/out" 'vcenter-credentials'
expect_rc 1 "--fail-on-warnings fails on a warning" -- "$H" replay --inventory "$INV" --fail-on-warnings \
  "$EX/hosts/adapter-lookup.yaml" && grep_out "fail-on-warnings message" "$TMP/err" 'fail-on-warnings'
expect_rc 2 "--inventory and --inventory-url together" -- "$H" replay --inventory "$INV" \
  --inventory-url https://127.0.0.1:1 "$EX/hosts" &&
  grep_out "exclusive flags message" "$TMP/err" 'exclude each other'

# --- test suites ---------------------------------------------------------------------------
expect_rc 0 "examples suite" -- "$H" test "$EX/suite.yaml" &&
  grep_out "suite summary" "$TMP/out" '^[0-9]+ passed, 0 failed$'
expect_rc 0 "examples suite json" -- "$H" test "$EX/suite.yaml" -o json &&
  json_check "suite json" "d['summary']['failed'] == 0 and d['summary']['passed'] >= 20"
# The standards example (docs/standards.md): its suite, and replay with its policy refusing by
# the standards' rule ids, as the webhook does with the same --policy.
expect_rc 0 "standards suite" -- "$H" test "$EX/standards/suite.yaml" &&
  grep_out "standards suite summary" "$TMP/out" '^8 passed, 0 failed$'
expect_rc 1 "replay with the standards policy" -- "$H" replay --inventory "$INV" \
  --policy "$EX/standards/policy.yaml" "$EX/standards/production" &&
  grep_out "standards denial" "$TMP/out" '^DENY +.*provider-credentials.*secret-required'
# An entry chosen by label applies only where the namespace's labels are known: replay given no
# Namespace passes it over, as the webhook does for a namespace its cache has not seen.
printf 'namespaces:\n  - selector: {matchLabels: {env: prod}}\n    allowedProviders: [vsphere-prod]\n' \
  >"$TMP/selector-policy.yaml"
expect_rc 0 "a selector entry without the namespace's labels" -- "$H" replay --inventory "$INV" \
  --policy "$TMP/selector-policy.yaml" "$EX/hosts/direct-ip.yaml"
printf 'namespaces:\n  - match: demo\n    allowedProviders: [vsphere-prod]\n' >"$TMP/match-policy.yaml"
expect_rc 1 "the same standard by name" -- "$H" replay --inventory "$INV" \
  --policy "$TMP/match-policy.yaml" "$EX/hosts/direct-ip.yaml" &&
  grep_out "provider-not-allowed by name" "$TMP/out" 'provider-not-allowed'

mkdir -p "$TMP/suite"
cp "$EX/hosts/direct-ip.yaml" "$TMP/suite/host.yaml"
cat >"$TMP/suite/failing.yaml" <<EOF
inventory: $INV
cases:
  - name: wrong expectation
    manifest: host.yaml
    expect: {allowed: false, rules: [address-conflict]}
  - name: right expectation
    manifest: host.yaml
    expect: {allowed: true, object: {spec: {ipAddress: 192.168.1.10}}}
EOF
expect_rc 1 "failing suite" -- "$H" test "$TMP/suite/failing.yaml" && {
  grep_out "failing case reason" "$TMP/out" '^FAIL  wrong expectation: expected allowed=false, got true'
  grep_out "passing case" "$TMP/out" '^PASS  right expectation$'
  tail -n 1 "$TMP/out" | grep -qx '1 passed, 1 failed' || fail "suite summary is not the last line"
}
expect_rc 1 "failing suite junit" -- "$H" test "$TMP/suite/failing.yaml" -o junit &&
  python3 -c "import xml.dom.minidom,sys; xml.dom.minidom.parse('$TMP/out')" ||
  fail "suite junit is not well-formed XML"

cat >"$TMP/suite/typo.yaml" <<EOF
inventory: $INV
cases:
  - name: typo
    manifest: host.yaml
    expect:
      alowed: true
EOF
expect_rc 2 "suite with an unknown key" -- "$H" test "$TMP/suite/typo.yaml" && {
  grep_out "unknown key names file:line" "$TMP/err" 'typo\.yaml:6: .*alowed'
  grep_out "unknown key lists accepted keys" "$TMP/err" 'accepted: .*allowed'
}
cat >"$TMP/suite/badrule.yaml" <<EOF
inventory: $INV
cases:
  - {name: bad rule, manifest: host.yaml, expect: {rules: [adress-conflict]}}
EOF
expect_rc 2 "suite with an unknown rule id" -- "$H" test "$TMP/suite/badrule.yaml" &&
  grep_out "unknown rule id" "$TMP/err" "unknown rule id 'adress-conflict'"
expect_rc 2 "missing suite" -- "$H" test "$TMP/suite/none.yaml"

# --- JSON output shape ---------------------------------------------------------------------
printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n' >"$TMP/configmap.yaml"
expect_rc 0 "json output" -- "$H" replay --inventory "$INV" -o json "$EX/hosts/adapter-lookup.yaml" \
  "$TMP/configmap.yaml" && {
  json_check "json keys" "set(d) == {'results', 'summary'}"
  json_check "summary" "d['summary'] == {'total': 2, 'admitted': 1, 'denied': 0, 'skipped': 1}"
  json_check "result fields" "all(k in d['results'][0] for k in ['source','namespace','name','operation','allowed','code','rules','message','warnings','patch','object'])"
  json_check "adapter patch" "d['results'][0]['allowed'] is True and len(d['results'][0]['patch']) > 0 and d['results'][0]['object']['spec']['ipAddress'] == '192.168.1.10'"
  json_check "source is FILE#INDEX" "d['results'][0]['source'].endswith('adapter-lookup.yaml#0')"
  json_check "skipped entry" "d['results'][1]['skipped'] is True and d['results'][1]['reason'] == 'kind ConfigMap'"
}

# --- stdin, and -o yaml | replay - gives no further patch ------------------------------------
expect_rc 0 "stdin input" -- bash -c "'$H' replay --inventory '$INV' -o json - < '$EX/hosts/direct-ip.yaml'" &&
  json_check "stdin source" "d['results'][0]['source'] == '-#0' and d['results'][0]['allowed']"
expect_rc 0 "yaml output" -- "$H" replay --inventory "$INV" -o yaml "$EX/hosts"
cp "$TMP/out" "$TMP/admitted.yaml"
grep -q '^kind: Host' "$TMP/admitted.yaml" || fail "-o yaml printed no Host"
expect_rc 0 "replay of -o yaml" -- bash -c "'$H' replay --inventory '$INV' -o json - < '$TMP/admitted.yaml'" &&
  json_check "no further patch" "d['summary']['denied'] == 0 and d['summary']['total'] > 5 and all(r['patch'] == [] for r in d['results'])"

# --- hostile input -------------------------------------------------------------------------
cat >"$TMP/types.yaml" <<'EOF'
apiVersion: forklift.konveyor.io/v1beta1
kind: Host
metadata: {name: h, namespace: demo}
spec: {provider: {name: vsphere-provider}, id: 10, ipAddress: [1, 2], secret: "s"}
---
- just
- a list
EOF
expect_rc 1 "wrong JSON types" -- "$H" replay --inventory "$INV" -o json "$TMP/types.yaml" &&
  json_check "malformed, 400" "all(r['code'] == 400 and r['rules'] == ['malformed'] for r in d['results'])"

python3 - "$TMP/huge.yaml" <<'EOF'
import sys
big = "x" * (5 * 1024 * 1024)
with open(sys.argv[1], "w") as f:
    f.write("apiVersion: forklift.konveyor.io/v1beta1\nkind: Host\nmetadata:\n  name: huge\n"
            "  namespace: demo\n  annotations:\n    note: \"" + big + "\"\n"
            "spec:\n  provider: {name: vsphere-provider}\n  id: host-10\n  ipAddress: 192.168.1.10\n")
EOF
timeout 60 "$H" replay --inventory "$INV" -o json "$TMP/huge.yaml" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 0 ]; then
  json_check "huge document admitted" "d['results'][0]['name'] == 'huge' and d['results'][0]['allowed']"
elif [ "$rc" -eq 2 ]; then
  grep_out "huge document refused clearly" "$TMP/err" 'huge\.yaml'
else
  fail "huge document: exit $rc (want 0 or a clear exit 2)"
fi

# --- junit ---------------------------------------------------------------------------------
expect_rc 1 "junit output" -- "$H" replay --inventory "$INV" -o junit "$EX/denied" "$TMP/configmap.yaml" &&
  python3 - "$TMP/out" <<'EOF' || fail "replay junit: see above"
import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
cases = doc.getElementsByTagName("testcase")
fails = doc.getElementsByTagName("failure")
skips = doc.getElementsByTagName("skipped")
assert len(cases) >= 10, len(cases)
assert len(fails) == len(cases) - 1, (len(fails), len(cases))
assert len(skips) == 1
assert all(f.getAttribute("message") for f in fails)
EOF

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all CLI checks passed"

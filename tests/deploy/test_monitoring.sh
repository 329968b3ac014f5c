#!/usr/bin/env bash
# The monitoring component as a Prometheus and a Grafana would read it, rendered over an
# overlay: `promtool check rules` parses every alert (PromQL and annotation templates),
# `promtool test rules` runs tests/deploy/alerts_test.yaml (the outage alerts fire when no
# endpoint is ready or kube-apiserver's calls fail, and stay quiet otherwise), and every query
# of the Grafana dashboard must name only metrics of host-webhook's own registry (docs-metrics).
# Each check is also run on a broken copy and must then fail.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin=${BIN_DIR:-$src/build/bin}

if [ ! -x "$bin/docs-metrics" ]; then
  echo "SKIP: $bin/docs-metrics is not built (make test builds it): the dashboard check reads its registry"
  exit 0
fi
# shellcheck source=require_kustomize_v5.sh
. "$here/require_kustomize_v5.sh"
command -v promtool >/dev/null 2>&1 || {
  echo "FAIL: promtool is missing (make test-deps installs it: .ci/install-promtool)" >&2
  exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
}

mkdir -p "$tmp/install"
rel=$(realpath --relative-to="$tmp/install" "$src/deploy")
printf 'resources: [%s/overlays/cert-manager]\ncomponents: [%s/components/monitoring]\n' "$rel" "$rel" \
  >"$tmp/install/kustomization.yaml"
if ! kubectl kustomize "$tmp/install" >"$tmp/rendered.yaml" 2>"$tmp/kustomize.err"; then
  echo "FAIL: kubectl kustomize over the monitoring component: $(cat "$tmp/kustomize.err")" >&2
  exit 1
fi

# The PrometheusRule's groups as a Prometheus rule file, once whole and once without annotations
# (the unit tests pin when alerts fire and their labels, not their prose); and the dashboard.
python3 - "$tmp" <<'PY' || bad "the rendering has no PrometheusRule or no dashboard ConfigMap"
import sys, yaml
tmp = sys.argv[1]
docs = [d for d in yaml.safe_load_all(open(f"{tmp}/rendered.yaml")) if d]
rule = next(d for d in docs if d["kind"] == "PrometheusRule")
yaml.safe_dump({"groups": rule["spec"]["groups"]}, open(f"{tmp}/rules-full.yaml", "w"))
for g in rule["spec"]["groups"]:
    for r in g["rules"]:
        r.pop("annotations", None)
yaml.safe_dump({"groups": rule["spec"]["groups"]}, open(f"{tmp}/rules.yaml", "w"))
cm = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "host-webhook-dashboard")
open(f"{tmp}/dashboard.json", "w").write(cm["data"]["host-webhook.json"])
PY

if promtool check rules "$tmp/rules-full.yaml" >"$tmp/check.out" 2>&1; then ok; else
  bad "promtool check rules: $(cat "$tmp/check.out")"
fi
cp "$here/alerts_test.yaml" "$tmp/alerts_test.yaml"
if promtool test rules "$tmp/alerts_test.yaml" >"$tmp/test.out" 2>&1; then ok; else
  bad "promtool test rules tests/deploy/alerts_test.yaml: $(cat "$tmp/test.out")"
fi

# The unit tests must be able to fail: an alert that waits too long, and one that counts the
# policy's own denials as failed calls, each break a case.
break_rule() { # break_rule DESCRIPTION PYTHON (r: the rule dict, in rules.yaml)
  cp "$tmp/rules.yaml" "$tmp/rules.good.yaml"
  python3 - "$tmp/rules.yaml" "$2" <<'PY'
import sys, yaml
path, change = sys.argv[1], sys.argv[2]
doc = yaml.safe_load(open(path))
for g in doc["groups"]:
    for r in g["rules"]:
        exec(change)
yaml.safe_dump(doc, open(path, "w"))
PY
  if promtool test rules "$tmp/alerts_test.yaml" >/dev/null 2>&1; then
    bad "alerts_test.yaml still passes with $1"
  else
    ok
  fi
  mv "$tmp/rules.good.yaml" "$tmp/rules.yaml"
}
break_rule "HostWebhookNoReadyEndpoint waiting 30 minutes" \
  'r.update({"for": "30m"}) if r.get("alert") == "HostWebhookNoReadyEndpoint" else None'
break_rule "policy denials counted as failed calls" \
  'r.update({"expr": r["expr"].replace("error_type!=\"no_error\"", "")}) if r.get("alert") == "HostWebhookCallsFailing" else None'
break_rule "the Deployment view left out of HostWebhookNoReadyEndpoint" \
  'r.update({"expr": r["expr"].rsplit("or", 1)[0]}) if r.get("alert") == "HostWebhookNoReadyEndpoint" else None'
break_rule "HostWebhookAuditStale counting replicas that do not lead" \
  'r.update({"expr": r["expr"].split("and on (namespace, pod)")[1]}) if r.get("alert") == "HostWebhookAuditStale" else None'

# The dashboard against the registry /metrics serves (--self-test breaks it in several ways).
"$bin/docs-metrics" >"$tmp/registry.txt" || bad "docs-metrics failed"
if python3 "$here/check_dashboard.py" "$tmp/registry.txt" "$tmp/dashboard.json" --self-test \
  >"$tmp/dash.out" 2>&1; then ok; else
  bad "dashboard: $(cat "$tmp/dash.out")"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

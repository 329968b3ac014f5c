#!/usr/bin/env bash
# certs/make-certs.sh: what kube-apiserver, `make run` and the rotation tests rely on. The chain
# verifies, the names and usages are the ones a webhook client checks, --rotate keeps the CA and
# changes the serving certificate, a second plain run changes nothing, bad input is refused.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${SOURCE_DIR:-$(cd "$here/../.." && pwd)}
mk=$src/certs/make-certs.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0 failed=0
ok() {
  passed=$((passed + 1))
}
bad() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
}
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
  local desc=$1
  shift
  if "$@" >/dev/null 2>&1; then ok; else bad "$desc"; fi
}
# same TEXT EXPECTED DESCRIPTION
same() {
  if [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', want '$2'"; fi
}
ext() { openssl x509 -in "$1" -noout -ext "$2" 2>/dev/null | tail -n +2 | sed 's/^ *//' | tr '\n' ' ' | sed 's/ $//'; }
crit() { openssl x509 -in "$1" -noout -ext "$2" 2>/dev/null | head -1 | grep -q critical; }
serial() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }
pub_cert() { openssl x509 -in "$1" -noout -pubkey; }
pub_key() { openssl pkey -in "$1" -pubout; }
sum() { sha256sum "$1" | cut -d' ' -f1; }

# --- in-cluster names (defaults: host-webhook in forklift-host-webhook) ---------------------------
d=$tmp/cluster
printed=$("$mk" --out "$d" --ip 10.96.0.10 2>"$tmp/err") || bad "make-certs.sh failed: $(cat "$tmp/err")"
for f in ca.crt ca.key tls.crt tls.key; do check "writes $f" test -s "$d/$f"; done
check "serving cert verifies against ca.crt" openssl verify -CAfile "$d/ca.crt" -purpose sslserver "$d/tls.crt"
same "$(ext "$d/tls.crt" subjectAltName)" \
  "DNS:host-webhook, DNS:host-webhook.forklift-host-webhook, DNS:host-webhook.forklift-host-webhook.svc, DNS:host-webhook.forklift-host-webhook.svc.cluster.local, IP Address:10.96.0.10" \
  "serving SANs"
same "$(openssl x509 -in "$d/tls.crt" -noout -subject)" "subject=CN = host-webhook.forklift-host-webhook.svc" "serving CN"
same "$(ext "$d/tls.crt" basicConstraints)" "CA:FALSE" "serving basicConstraints"
same "$(ext "$d/tls.crt" keyUsage)" "Digital Signature" "serving keyUsage"
check "serving keyUsage is critical" crit "$d/tls.crt" keyUsage
same "$(ext "$d/tls.crt" extendedKeyUsage)" "TLS Web Server Authentication" "serving extendedKeyUsage"
same "$(ext "$d/ca.crt" basicConstraints)" "CA:TRUE" "CA basicConstraints"
check "CA basicConstraints is critical" crit "$d/ca.crt" basicConstraints
same "$(ext "$d/ca.crt" keyUsage)" "Certificate Sign, CRL Sign" "CA keyUsage"
check "CA keyUsage is critical" crit "$d/ca.crt" keyUsage
same "$(pub_cert "$d/tls.crt")" "$(pub_key "$d/tls.key")" "tls.key is the key of tls.crt"
check "serving key is ECDSA P-256" grep -q 'prime256v1' <(openssl pkey -in "$d/tls.key" -noout -text)
same "$printed" "$(serial "$d/tls.crt")" "stdout is the serving serial"
same "$(stat -c %a "$d/tls.key")" 600 "tls.key is private to its owner"
same "$(stat -c %a "$d/ca.key")" 600 "ca.key is private to its owner"
# kube-apiserver dials <service>.<namespace>.svc: the name must verify, not just be listed.
check "verifies for host-webhook.forklift-host-webhook.svc" openssl verify -CAfile "$d/ca.crt" \
  -verify_hostname host-webhook.forklift-host-webhook.svc "$d/tls.crt"
check "does not verify for another service" bash -c "! openssl verify -CAfile '$d/ca.crt' \
  -verify_hostname other.forklift-host-webhook.svc '$d/tls.crt'"
days_left=$((($(date -d "$(openssl x509 -in "$d/tls.crt" -noout -enddate | cut -d= -f2)" +%s) - $(date +%s)) / 86400))
check "serving cert lasts 365 days by default (got $days_left)" test "$days_left" -ge 364 -a "$days_left" -le 365

# --- a second plain run changes nothing (make run twice must not churn) -------------------------
before_ca=$(sum "$d/ca.crt") before_crt=$(sum "$d/tls.crt") before_key=$(sum "$d/tls.key")
again=$("$mk" --out "$d" --ip 10.96.0.10 2>/dev/null) || bad "second run failed"
same "$(sum "$d/tls.crt")" "$before_crt" "second run keeps tls.crt"
same "$(sum "$d/tls.key")" "$before_key" "second run keeps tls.key"
same "$again" "$printed" "second run prints the same serial"

# --- --rotate: same CA, new serving pair, swapped by rename ------------------------------------
rotated=$("$mk" --out "$d" --ip 10.96.0.10 --rotate 2>/dev/null) || bad "--rotate failed"
same "$(sum "$d/ca.crt")" "$before_ca" "--rotate keeps ca.crt byte for byte"
check "--rotate changes the serial" test "$rotated" != "$printed"
same "$rotated" "$(serial "$d/tls.crt")" "--rotate prints the new serial"
check "--rotate changes the key" test "$(sum "$d/tls.key")" != "$before_key"
same "$(pub_cert "$d/tls.crt")" "$(pub_key "$d/tls.key")" "rotated key matches rotated cert"
check "rotated cert verifies with the old ca.crt" openssl verify -CAfile "$d/ca.crt" "$d/tls.crt"
same "$(find "$d" -name '.make-certs.*' | wc -l)" 0 "no temporary files left behind"

# --- other names: re-issued without --rotate; localhost for make run ----------------------------
"$mk" --out "$d" --ip 10.96.0.10 --ip 10.96.0.11 >/dev/null 2>&1 || bad "adding an IP failed"
check "a new --ip re-issues the certificate" grep -q '10.96.0.11' <(ext "$d/tls.crt" subjectAltName)
same "$(sum "$d/ca.crt")" "$before_ca" "re-issue keeps the CA"
l=$tmp/local
"$mk" --out "$l" --service localhost --ip 127.0.0.1 >/dev/null 2>&1 || bad "localhost run failed"
same "$(ext "$l/tls.crt" subjectAltName)" "DNS:localhost, IP Address:127.0.0.1" "localhost SANs"
check "localhost cert verifies for 127.0.0.1" openssl verify -CAfile "$l/ca.crt" -verify_ip 127.0.0.1 "$l/tls.crt"
s=$tmp/svc
"$mk" --out "$s" --service hooks --namespace ops >/dev/null 2>&1 || bad "--service/--namespace run failed"
same "$(ext "$s/tls.crt" subjectAltName)" \
  "DNS:hooks, DNS:hooks.ops, DNS:hooks.ops.svc, DNS:hooks.ops.svc.cluster.local" "--service/--namespace SANs"
"$mk" --out "$s" --service hooks --namespace ops --days 30 --rotate >/dev/null 2>&1 || bad "--days run failed"
days_left=$((($(date -d "$(openssl x509 -in "$s/tls.crt" -noout -enddate | cut -d= -f2)" +%s) - $(date +%s)) / 86400))
check "--days 30 gives a 30-day certificate (got $days_left)" test "$days_left" -ge 29 -a "$days_left" -le 30

# --- client certificate for --client-ca tests ----------------------------------------------------
"$mk" --out "$d" --ip 10.96.0.10 --ip 10.96.0.11 --client apiserver >/dev/null 2>&1 || bad "--client failed"
check "client cert verifies for client auth" openssl verify -CAfile "$d/ca.crt" -purpose sslclient "$d/client-apiserver.crt"
same "$(ext "$d/client-apiserver.crt" extendedKeyUsage)" "TLS Web Client Authentication" "client EKU"
same "$(pub_cert "$d/client-apiserver.crt")" "$(pub_key "$d/client-apiserver.key")" "client key matches"

# --- refusals: a clear message naming the input, never a half-written directory ------------------
refuses() {
  local desc=$1 want=$2
  shift 2
  local rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  if [ "$rc" -ne 0 ] && grep -q -- "$want" "$tmp/err"; then ok; else
    bad "$desc: rc=$rc, stderr: $(cat "$tmp/err")"
  fi
}
refuses "no --out" "--out DIR is required" "$mk"
refuses "bad --days" "--days '0'" "$mk" --out "$tmp/x" --days 0
refuses "bad --ip" "--ip 'host.example'" "$mk" --out "$tmp/x" --ip host.example
refuses "bad --service" "--service 'Web_Hook'" "$mk" --out "$tmp/x" --service Web_Hook
refuses "unknown flag" "unknown argument '--bogus'" "$mk" --out "$tmp/x" --bogus
refuses "flag without value" "--service needs a value" "$mk" --out "$tmp/x" --service
check "a refused run writes nothing" test ! -e "$tmp/x"
mkdir -p "$tmp/nossl"
ln -s "$(command -v basename)" "$tmp/nossl/basename"
refuses "openssl missing" "openssl is not installed" env PATH="$tmp/nossl" "$(command -v bash)" "$mk" --out "$tmp/x"
c=$tmp/lostkey
old_serial=$("$mk" --out "$c" 2>/dev/null) && rm "$c/ca.key"
refuses "CA key lost" "ca.key' is missing" "$mk" --out "$c" --rotate
same "$(serial "$c/tls.crt")" "$old_serial" "a failed rotation leaves the old certificate"
same "$(pub_cert "$c/tls.crt")" "$(pub_key "$c/tls.key")" "a failed rotation leaves a matching pair"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Issues the certificates host-webhook serves with: a private CA and a serving certificate for the
# webhook's Service name (or for localhost during `make run` and tests).
#
# Usage: certs/make-certs.sh --out DIR [--service NAME] [--namespace NS] [--ip IP]... [--days N]
#                            [--rotate] [--client NAME]
#
#   DIR/ca.crt, DIR/ca.key    the CA (10 years); created only when absent, never replaced.
#   DIR/tls.crt, DIR/tls.key  the serving pair, signed by the CA (--days, default 365).
#   --rotate                  issue a new serving pair even when the current one is still good.
#   --client NAME             also issue DIR/client-NAME.{crt,key} (clientAuth) to test --client-ca.
#
# Prints the serial number (hex) of the serving certificate on stdout; progress goes to stderr.
# Keys are ECDSA P-256: generating one takes milliseconds (RSA 2048 takes ~100x longer, which adds
# up in tests that rotate often), and kube-apiserver, OpenShift and cert-manager all accept it.
set -euo pipefail

prog=$(basename "$0")
die() {
  echo "$prog: $*" >&2
  exit 2
}
note() { echo "$prog: $*" >&2; }

usage() {
  sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
}

command -v openssl >/dev/null 2>&1 ||
  die "openssl is not installed; install it (Debian: apt-get install openssl) and run again"

out=""
service="host-webhook"
namespace="forklift-host-webhook"
namespace_given=0
ips=()
days=365
ca_days=3650
rotate=0
client=""

need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see --help)"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --out) need_value "$@"; out=$2; shift 2 ;;
    --service) need_value "$@"; service=$2; shift 2 ;;
    # An empty namespace is allowed: it means "no namespace", i.e. only DNS:<service>.
    --namespace) [ $# -ge 2 ] || die "--namespace needs a value"; namespace=$2; namespace_given=1; shift 2 ;;
    --ip) need_value "$@"; ips+=("$2"); shift 2 ;;
    --days) need_value "$@"; days=$2; shift 2 ;;
    --rotate) rotate=1; shift ;;
    --client) need_value "$@"; client=$2; shift 2 ;;
    -h | --help) usage ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[ -n "$out" ] || die "--out DIR is required, e.g. --out certs/dev"
dns_label='^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'
[[ $service =~ $dns_label ]] ||
  die "--service '$service' is not a DNS label (lowercase letters, digits, '-'; at most 63)"
[ -z "$namespace" ] || [[ $namespace =~ $dns_label ]] ||
  die "--namespace '$namespace' is not a DNS label (lowercase letters, digits, '-'; at most 63)"
[[ $days =~ ^[1-9][0-9]{0,4}$ ]] || die "--days '$days' must be a whole number of days from 1 to 99999"
for ip in "${ips[@]+"${ips[@]}"}"; do
  [[ $ip =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ || $ip =~ ^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$ ]] ||
    die "--ip '$ip' is not an IPv4 or IPv6 address"
done
[ -z "$client" ] || [[ $client =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ ]] ||
  die "--client '$client' must be letters, digits, '.', '_' or '-' (it names the files)"

# `make run` asks for --service localhost without a namespace: a certificate for "localhost" only.
if [ "$service" = localhost ] && [ $namespace_given -eq 0 ]; then namespace=""; fi

dns=("$service")
if [ -n "$namespace" ]; then
  cn="$service.$namespace.svc"
  dns+=("$service.$namespace" "$service.$namespace.svc" "$service.$namespace.svc.cluster.local")
else
  cn="$service"
fi
san=""
for d in "${dns[@]}"; do san+="${san:+, }DNS:$d"; done
for ip in "${ips[@]+"${ips[@]}"}"; do san+=", IP:$ip"; done

mkdir -p "$out" || die "cannot create --out directory '$out'"
[ -w "$out" ] || die "--out directory '$out' is not writable"
ca_crt="$out/ca.crt" ca_key="$out/ca.key" tls_crt="$out/tls.crt" tls_key="$out/tls.key"

# Temporary files live in DIR itself so the final `mv` is a rename within one filesystem (atomic).
tmpfiles=()
k="" c="" conf="" csr="" # set by tmp()
cleanup() { [ ${#tmpfiles[@]} -eq 0 ] || rm -f "${tmpfiles[@]}"; }
trap cleanup EXIT
# Sets each named variable to a new temporary file (not via $(...): the subshell would lose the
# list the EXIT trap cleans up).
tmp() {
  local name f
  for name in "$@"; do
    f=$(mktemp "$out/.make-certs.XXXXXX") || die "cannot create a temporary file in '$out'"
    tmpfiles+=("$f")
    printf -v "$name" '%s' "$f"
  done
}

new_key() { (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null); }
# 128 random bits with the top bit cleared: a positive serial, unique without a serial file.
new_serial() { printf '0x%x%s' $((RANDOM % 8)) "$(openssl rand -hex 15)"; }
serial_of() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }

# --- CA ------------------------------------------------------------------------------------------
if [ ! -s "$ca_crt" ]; then
  [ ! -s "$ca_key" ] || die "'$ca_key' exists without '$ca_crt': restore ca.crt, or delete ca.key to start a new CA"
  tmp k c conf
  cat >"$conf" <<EOF
[req]
distinguished_name = dn
x509_extensions = ca_ext
prompt = no
[dn]
CN = $service webhook CA
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
  new_key "$k" || die "openssl could not generate the CA key"
  openssl req -new -x509 -config "$conf" -key "$k" -days "$ca_days" -set_serial "$(new_serial)" \
    -out "$c" 2>/dev/null || die "openssl could not create the CA certificate"
  chmod 0644 "$c"
  mv -f "$k" "$ca_key" && mv -f "$c" "$ca_crt"
  note "created CA $ca_crt"
fi

# Signs a certificate for key $1 into file $2 with subject CN $3 and extension lines $4.
sign() {
  local conf csr
  tmp conf csr
  [ -s "$ca_key" ] || die "'$ca_key' is missing: restore it, or delete '$ca_crt' to start a new CA (clients must then trust the new ca.crt)"
  printf '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = %s\n[ext]\n%s\n' "$3" "$4" >"$conf"
  openssl req -new -config "$conf" -key "$1" -out "$csr" 2>/dev/null ||
    die "openssl could not create a certificate request for '$3'"
  openssl x509 -req -in "$csr" -CA "$ca_crt" -CAkey "$ca_key" -set_serial "$(new_serial)" \
    -days "$days" -extfile "$conf" -extensions ext -out "$2" 2>/dev/null ||
    die "openssl could not sign the certificate for '$3' with '$ca_crt'"
  chmod 0644 "$2"
}

pubkey_of_cert() { openssl x509 -in "$1" -noout -pubkey 2>/dev/null; }
pubkey_of_key() { openssl pkey -in "$1" -pubout 2>/dev/null; }
sans_of() {
  openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | tail -n +2 |
    sed 's/IP Address:/IP:/g' | tr ',' '\n' | sed 's/^ *//' | grep -v '^$' | sort
}
wanted_sans() { echo "$san" | tr ',' '\n' | sed 's/^ *//' | sort; }

# The current pair is kept when it is ours (signed by this CA), matches its key, names exactly the
# requested SANs and has more than 30 days left: running `make run` twice must not churn certs.
current_is_good() {
  [ -s "$tls_crt" ] && [ -s "$tls_key" ] || return 1
  openssl verify -CAfile "$ca_crt" "$tls_crt" >/dev/null 2>&1 || return 1
  openssl x509 -in "$tls_crt" -noout -checkend $((30 * 86400)) >/dev/null 2>&1 || return 1
  [ "$(pubkey_of_cert "$tls_crt")" = "$(pubkey_of_key "$tls_key")" ] || return 1
  [ "$(sans_of "$tls_crt")" = "$(wanted_sans)" ] || return 1
}

# --- client certificate (optional) ---------------------------------------------------------------
if [ -n "$client" ]; then
  tmp k c
  new_key "$k" || die "openssl could not generate the client key"
  sign "$k" "$c" "$client" "basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid"
  mv -f "$k" "$out/client-$client.key" && mv -f "$c" "$out/client-$client.crt"
  note "issued client certificate $out/client-$client.crt (CN=$client)"
fi

# --- serving certificate -------------------------------------------------------------------------
if [ $rotate -eq 0 ] && current_is_good; then
  note "kept $tls_crt (valid, same names)"
  serial_of "$tls_crt"
  exit 0
fi

tmp k c
new_key "$k" || die "openssl could not generate the serving key"
# digitalSignature only: keyEncipherment has no meaning for an ECDSA key.
sign "$k" "$c" "$cn" "basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $san"

# Each file is replaced by a rename, so a reader never sees a half-written file. Between the two
# renames the directory holds the new key with the old certificate: host-webhook checks that a
# pair matches before switching, keeps serving the old pair and retries on its next poll, so the
# order matters less than each rename being atomic. Key first, so the pair is complete as soon as
# the certificate (the file most watchers look at) changes.
mv -f "$k" "$tls_key"
mv -f "$c" "$tls_crt"
note "issued $tls_crt for $san"
serial_of "$tls_crt"

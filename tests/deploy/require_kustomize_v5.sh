# Sourced by the deploy tests that render deploy/: exits 0 with a SKIP line unless `kubectl` carries
# kustomize v5 or newer (kubectl >= 1.27), which the manifests need (Components, replacements).
if ! command -v kubectl >/dev/null 2>&1; then
  echo "SKIP: kubectl is not installed (kubectl >= 1.27 carries the kustomize v5 deploy/ needs)"
  exit 0
fi
kustomize_major=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p' || true)
if [ -z "$kustomize_major" ] || [ "$kustomize_major" -lt 5 ]; then
  echo "SKIP: this kubectl's kustomize is older than v5; deploy/ needs kubectl >= 1.27"
  exit 0
fi

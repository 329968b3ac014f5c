#include "webhook/server/certificate_plan.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include "webhook/server/certificate_issuer.hpp"

namespace hostadm::server {
namespace {

// At most this many CAs in the bundle: the current one, the one before it while its serving
// certificate may still be in use, and one more for a rotation in progress.
constexpr size_t kMaxCas = 3;

std::string utc(std::time_t t) {
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// When a certificate issued for `validity` falls due: a third of it left.
std::time_t due_at(const CertificateFacts& c, std::chrono::seconds validity) {
  return c.not_after - validity.count() / 3;
}

// Issued for longer than `validity` allows (the flag was lowered since): renewed to follow it.
bool longer_than(const CertificateFacts& c, std::chrono::seconds validity, std::time_t now) {
  return c.not_after - now > validity.count() + validity.count() / 10;
}

// The stored CAs that stay, in their order: unexpired, each once, at most kMaxCas with a new
// one. The signing CA (the first) stays whenever no new one replaces it; past the limit the
// oldest of the others leave.
std::vector<size_t> kept_cas(const StoredCertificates& s, bool new_ca, std::time_t now) {
  std::vector<size_t> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < s.cas.size(); ++i)
    if (s.cas[i].not_after > now && seen.insert(s.cas[i].fingerprint).second) out.push_back(i);
  const size_t room = kMaxCas - (new_ca ? 1 : 0);
  if (out.size() > room) {
    auto rank = [&](size_t i) {
      return i == 0 && !new_ca ? std::numeric_limits<std::time_t>::max() : s.cas[i].not_before;
    };
    std::stable_sort(out.begin(), out.end(), [&](size_t a, size_t b) { return rank(a) > rank(b); });
    out.resize(room);
    std::sort(out.begin(), out.end());
  }
  return out;
}

// Why the CA must be replaced now, or "".
std::string ca_problem(const StoredCertificates& s, const CertificatePolicy& p, std::time_t now) {
  if (s.cas.empty()) return "no CA yet";
  const CertificateFacts& ca = s.cas.front();
  if (!ca.is_ca || !s.ca_key_usable) return "ca.key does not belong to the first CA of ca.crt";
  if (ca.not_after <= now) return "the CA expired at " + utc(ca.not_after);
  if (now >= due_at(ca, p.ca_validity()))
    return "the CA expires at " + utc(ca.not_after) + ", within a third of its validity";
  if (longer_than(ca, p.ca_validity(), now)) return "the CA outlives the configured validity";
  return "";
}

// Why the serving certificate cannot be served any more, or "".
std::string serving_unusable(const StoredCertificates& s, const CertificatePolicy& p,
                             const std::vector<size_t>& kept, std::time_t now) {
  if (!s.serving) return "no serving certificate yet";
  if (s.serving->not_after <= now) return "the serving certificate expired";
  const bool issuer_kept =
      s.serving_issuer >= 0 &&
      std::count(kept.begin(), kept.end(), static_cast<size_t>(s.serving_issuer)) == 1;
  if (!issuer_kept) return "the serving certificate was signed by no CA of the bundle";
  std::vector<std::string> have = s.serving->dns_names, want = p.dns_names;
  std::sort(have.begin(), have.end());
  std::sort(want.begin(), want.end());
  if (have != want) return "the serving certificate names other DNS names than the Service's";
  return "";
}

void add_reason(CertificatePlan& plan, const std::string& why) {
  if (!why.empty()) plan.reason += (plan.reason.empty() ? "" : "; ") + why;
}

}  // namespace

std::chrono::seconds CertificatePolicy::settle() const {
  return std::min<std::chrono::seconds>(std::chrono::hours(1), serving_validity / 6);
}

CertificatePlan plan_certificates(const StoredCertificates& s, const CertificatePolicy& p,
                                  std::time_t now) {
  CertificatePlan plan;
  const std::string ca_why = ca_problem(s, p, now);
  plan.new_ca = !ca_why.empty();
  add_reason(plan, ca_why);
  plan.kept_cas = kept_cas(s, plan.new_ca, now);
  plan.pruned = plan.kept_cas.size() != s.cas.size();
  if (plan.pruned) add_reason(plan, "an expired or surplus CA leaves the bundle");

  std::time_t next = now + p.ca_validity().count();
  if (!plan.new_ca) next = std::min(next, due_at(s.cas.front(), p.ca_validity()));
  for (size_t i : plan.kept_cas) next = std::min(next, s.cas[i].not_after);

  const std::string unusable = serving_unusable(s, p, plan.kept_cas, now);
  if (!unusable.empty()) {
    plan.new_serving = true;  // nothing valid to serve: no settling first
    add_reason(plan, unusable);
  } else if (now >= due_at(*s.serving, p.serving_validity) ||
             longer_than(*s.serving, p.serving_validity, now)) {
    // The CA that will sign it must have been in the bundle for `settle`.
    const std::time_t ca_added = plan.new_ca ? now : s.cas.front().not_before + kBackdate.count();
    const std::time_t settled = ca_added + p.settle().count();
    if (now >= settled) {
      plan.new_serving = true;
      add_reason(plan, "the serving certificate is due for renewal (it expires at " +
                           utc(s.serving->not_after) + ")");
    } else {
      next = std::min(next, settled);
    }
  } else {
    next = std::min(next, due_at(*s.serving, p.serving_validity));
  }
  plan.next_check = std::max(next, now + 1);
  return plan;
}

}  // namespace hostadm::server

#include "webhook/endpoint/login.hpp"

#include <openssl/crypto.h>

#include <memory>

#include "webhook/core/text.hpp"
#include "webhook/endpoint/http_exchange.hpp"
#include "webhook/endpoint/probe.hpp"
#include "webhook/endpoint/soap.hpp"
#include "webhook/endpoint/target.hpp"
#include "webhook/endpoint/thumbprint.hpp"
#include "webhook/endpoint/tls_stream.hpp"

namespace hostadm::endpoint {

namespace {

void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

// The connection a login speaks over: pinned at every dial, dialled again when the server
// closed the previous one after an answer.
class SdkSession {
 public:
  SdkSession(const Target& target, std::string_view expected, Deadline deadline, Progress* progress)
      : target_(target), expected_(expected), deadline_(deadline), progress_(progress) {}

  // Dials and pins; false with `failure` filled when either fails (then nothing was sent).
  bool connect(Result& failure) {
    Dial d = dial(target_, deadline_, progress_);
    if (!d.stream) {
      failure.outcome = d.outcome;
      failure.message = std::move(d.message);
      return false;
    }
    if (!same_thumbprint(d.stream->thumbprint(), expected_)) {
      failure.outcome = Outcome::ThumbprintMismatch;
      failure.thumbprint = d.stream->thumbprint();
      failure.message = mismatch_message(target_, d.stream->thumbprint(), expected_);
      return false;  // the stream closes here, before any HTTP
    }
    thumbprint_ = d.stream->thumbprint();
    stream_ = std::move(d.stream);
    return true;
  }

  // One call, into `out`; false when the connection had to be dialled again and that failed
  // (`failure` says how).
  bool call(std::string_view envelope, SoapCall& out, Result& failure) {
    if (!stream_ && !connect(failure)) return false;
    out = post_sdk(*stream_, target_.authority, envelope, cookie_, deadline_);
    if (out.status != SoapCall::Status::Answered || out.answer.close) stream_.reset();
    if (out.status == SoapCall::Status::Answered && !out.answer.session_cookie.empty())
      cookie_ = out.answer.session_cookie;
    return true;
  }

  bool has_session_cookie() const { return !cookie_.empty(); }
  const std::string& thumbprint() const { return thumbprint_; }
  std::string sdk() const { return "https://" + target_.authority + "/sdk"; }

 private:
  const Target& target_;
  std::string_view expected_;
  Deadline deadline_;
  Progress* progress_;
  std::unique_ptr<TlsStream> stream_;
  std::string thumbprint_;
  std::string cookie_;
};

// What went wrong with a call that gave no SOAP answer, or "" when it gave one.
std::string call_problem(const SoapCall& c, const SoapAnswer& a, const std::string& budget) {
  if (c.status == SoapCall::Status::Timeout) return "no answer within " + budget + " (timeout)";
  if (c.status == SoapCall::Status::Failed) return c.error;
  if (a.kind == SoapAnswer::Kind::Unreadable)
    return "HTTP " + std::to_string(c.answer.status) + " without a readable SOAP answer (" +
           a.error + ")";
  return "";
}

SoapAnswer soap_of(const SoapCall& c) {
  return c.status == SoapCall::Status::Answered ? read_soap_answer(c.answer.body) : SoapAnswer{};
}

// "InvalidLogin (Cannot complete login due to an incorrect user name or password.)"
std::string fault_text(const SoapAnswer& a, const Credentials& credentials) {
  const std::string type =
      text::shown_in_message(a.fault_type.empty() ? a.fault_code : a.fault_type);
  const std::string text = without_credentials(a.fault_string, credentials);
  return text.empty() ? type : type + " (" + text + ")";
}

Result login_error(std::string message) {
  Result r;
  r.outcome = Outcome::LoginError;
  r.message = std::move(message);
  return r;
}

// RetrieveServiceContent: the sessionManager to log in to ("ha-sessionmgr" on ESXi), or "" with
// `failure` filled.
std::string session_manager(SdkSession& session, const Credentials& credentials,
                            const std::string& budget, Result& failure) {
  SoapCall c;
  if (!session.call(retrieve_service_content_envelope(), c, failure)) return "";
  const SoapAnswer a = soap_of(c);
  std::string problem = call_problem(c, a, budget);
  if (problem.empty() && a.kind == SoapAnswer::Kind::Fault)
    problem = "fault " + fault_text(a, credentials);
  if (problem.empty() && a.session_manager.empty())
    problem = "HTTP " + std::to_string(c.answer.status) + " without a sessionManager";
  if (problem.empty()) return a.session_manager;
  failure = login_error("RetrieveServiceContent on " + session.sdk() + " failed: " + problem);
  return "";
}

// Login, and Logout after a successful one (its answer changes nothing).
Result login_with(SdkSession& session, const std::string& manager, const Credentials& credentials,
                  const std::string& budget) {
  SoapCall c;
  Result failure;
  {
    std::string envelope = login_envelope(manager, credentials.user, credentials.password);
    const bool sent = session.call(envelope, c, failure);
    wipe(envelope);
    if (!sent) return failure;
  }
  const SoapAnswer a = soap_of(c);
  const std::string what = "vSphere Login to " + session.sdk();
  if (std::string problem = call_problem(c, a, budget); !problem.empty())
    return login_error(what + " failed: " + problem);
  if (a.kind == SoapAnswer::Kind::Fault) {
    Result r = login_error(what + " failed: fault " + fault_text(a, credentials));
    if (a.fault_type == "InvalidLogin") {
      r.outcome = Outcome::LoginInvalid;
      r.message =
          what + " with the Secret's user and password was refused: " + fault_text(a, credentials);
    }
    return r;
  }
  if (c.answer.status != 200 || a.element != "LoginResponse")
    return login_error(what + " answered HTTP " + std::to_string(c.answer.status) + " with " +
                       text::shown_in_message(a.element) + " instead of a LoginResponse");
  if (session.has_session_cookie()) {
    SoapCall ignored;
    Result ignored_failure;
    session.call(logout_envelope(manager), ignored, ignored_failure);
  }
  Result r;
  r.outcome = Outcome::LoginOk;
  r.thumbprint = session.thumbprint();
  r.message = what + " with the Secret's user and password succeeded (certificate thumbprint " +
              r.thumbprint + " as the inventory lists)";
  return r;
}

}  // namespace

Credentials::~Credentials() {
  wipe(user);
  wipe(password);
}

std::string without_credentials(std::string server_text, const Credentials& credentials) {
  for (const std::string* secret : {&credentials.password, &credentials.user}) {
    if (secret->empty()) continue;
    for (size_t at = server_text.find(*secret); at != std::string::npos;
         at = server_text.find(*secret, at + 3))
      server_text.replace(at, secret->size(), "***");
  }
  return text::shown_in_message(server_text);
}

Result login(std::string_view address, int port, const Credentials& credentials,
             std::string_view expected_thumbprint, Deadline deadline, Progress* progress) {
  if (expected_thumbprint.empty()) {
    Result r = check_reach(address, port, "", deadline, progress);
    if (r.outcome == Outcome::ReachOk)
      r.message +=
          "; login not tried: the inventory lists no thumbprint for this host, and "
          "credentials are sent only to an endpoint pinned to one";
    return r;
  }
  Target target;
  Result failure;
  if (!parse_target(address, port, target, failure.message)) {
    failure.outcome = Outcome::Unreachable;
    return failure;
  }
  if (credentials.user.empty() || credentials.password.empty() ||
      !xml_can_carry(credentials.user) || !xml_can_carry(credentials.password))
    return login_error("not logged in to https://" + target.authority +
                       "/sdk: the Secret's user or password is empty, or holds a control "
                       "character or bytes that are not UTF-8, which a SOAP request cannot carry");
  const std::string budget = shown_duration(deadline - SteadyClock::now());
  SdkSession session(target, expected_thumbprint, deadline, progress);
  if (!session.connect(failure)) return failure;
  if (progress) progress->stage = Stage::Login;
  const std::string manager = session_manager(session, credentials, budget, failure);
  Result r =
      manager.empty() ? std::move(failure) : login_with(session, manager, credentials, budget);
  if (r.thumbprint.empty()) r.thumbprint = session.thumbprint();
  return r;
}

}  // namespace hostadm::endpoint

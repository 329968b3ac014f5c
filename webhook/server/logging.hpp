// Logs on stderr through spdlog: one JSON object per line (--log-format json, for collectors) or
// readable text (make run). Callers pass fields as JSON so both formats carry the same data; no
// caller may pass a whole object, secret data or a token.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "webhook/server/config.hpp"

namespace hostadm::server {

// level: trace|debug|info|warn|error|critical|off (validated by the config).
void setup_logging(LogFormat format, const std::string& level);

void log_event(spdlog::level::level_enum level, std::string_view msg,
               const nlohmann::json& fields = nlohmann::json::object());

inline void log_info(std::string_view msg, const nlohmann::json& f = nlohmann::json::object()) {
  log_event(spdlog::level::info, msg, f);
}
inline void log_warn(std::string_view msg, const nlohmann::json& f = nlohmann::json::object()) {
  log_event(spdlog::level::warn, msg, f);
}
inline void log_error(std::string_view msg, const nlohmann::json& f = nlohmann::json::object()) {
  log_event(spdlog::level::err, msg, f);
}

struct AdmissionLogEntry {
  std::string_view uid, webhook, ns, name, operation, verdict;
  std::string_view user;  // request.userInfo.username; never a credential
  const std::vector<std::string>* rules = nullptr;
  bool dry_run = false;
  double duration_ms = 0;
};

// {"ts","level","msg":"admission","uid","webhook","namespace","name","operation","user",
//  "verdict","rules":[...],"dryRun","durationMs"}
void log_admission(const AdmissionLogEntry& e);

}  // namespace hostadm::server

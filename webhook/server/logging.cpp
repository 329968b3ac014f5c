#include "webhook/server/logging.hpp"

#include <atomic>

#include <spdlog/sinks/stdout_sinks.h>

namespace hostadm::server {
namespace {

std::atomic<LogFormat> g_format{LogFormat::Text};

// Values from a request may hold invalid UTF-8; replacing it keeps the log line valid JSON
// instead of throwing on the hot path.
std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string text_value(const nlohmann::json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (!s.empty() && s.find_first_of(" \"=\t\n") == std::string::npos) return s;
  }
  return dump(v);
}

}  // namespace

void setup_logging(LogFormat format, const std::string& level) {
  g_format = format;
  auto logger = std::make_shared<spdlog::logger>("host-webhook",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (format == LogFormat::Json)
    logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v)",
                        spdlog::pattern_time_type::utc);
  else
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %l %v");
  logger->set_level(spdlog::level::from_str(level));
  // Lines must reach the collector (and tests) even when the process is killed.
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

void log_event(spdlog::level::level_enum level, std::string_view msg,
               const nlohmann::json& fields) {
  auto* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  std::string line;
  if (g_format == LogFormat::Json) {
    line = "\"msg\":" + dump(nlohmann::json(std::string(msg)));
    if (fields.is_object() && !fields.empty()) {
      std::string rest = dump(fields);
      line += ',';
      line.append(rest, 1, std::string::npos);  // drop the '{': the pattern opened the object
    } else {
      line += '}';
    }
  } else {
    line.assign(msg);
    if (fields.is_object())
      for (const auto& [k, v] : fields.items()) line += " " + k + "=" + text_value(v);
  }
  logger->log(level, line);
}

void log_admission(const AdmissionLogEntry& e) {
  if (!spdlog::default_logger_raw()->should_log(spdlog::level::info)) return;
  nlohmann::json f = nlohmann::json::object();
  f["uid"] = e.uid;
  f["webhook"] = e.webhook;
  f["namespace"] = e.ns;
  f["name"] = e.name;
  f["operation"] = e.operation;
  f["user"] = e.user;
  f["verdict"] = e.verdict;
  f["rules"] = e.rules ? nlohmann::json(*e.rules) : nlohmann::json::array();
  f["dryRun"] = e.dry_run;
  f["durationMs"] = static_cast<double>(static_cast<long long>(e.duration_ms * 1000)) / 1000;
  log_event(spdlog::level::info, "admission", f);
}

}  // namespace hostadm::server

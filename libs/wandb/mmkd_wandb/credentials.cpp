#include <mmkd_wandb/credentials.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace mmkd::wandb {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

namespace {

std::string netrc_path() {
  if (const std::string path = environment("NETRC"); !path.empty()) return path;
  const std::string home = environment("HOME");
  return home.empty() ? "" : home + "/.netrc";
}

}  // namespace

Mode mode_from_environment() {
  const std::string mode = environment("WANDB_MODE");
  if (mode.empty() || mode == "online" || mode == "run") return Mode::Online;
  if (mode == "offline" || mode == "dryrun") return Mode::Offline;
  if (mode == "disabled") return Mode::Disabled;
  throw std::runtime_error("WANDB_MODE is `" + mode + "`; expected online, offline or disabled");
}

std::string base_url_from_environment() {
  std::string url = environment("WANDB_BASE_URL");
  if (url.empty()) url = "https://api.wandb.ai";
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string url_host(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t end = url.find_first_of(":/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::optional<std::string> netrc_password(const std::string& netrc, const std::string& host) {
  std::istringstream in(netrc);
  std::vector<std::string> tokens;
  for (std::string token; in >> token;) tokens.push_back(token);
  std::optional<std::string> found, fallback;
  bool in_host = false, in_default = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (token == "machine" && i + 1 < tokens.size()) {
      in_host = tokens[++i] == host;
      in_default = false;
    } else if (token == "default") {
      in_host = false;
      in_default = true;
    } else if (token == "password" && i + 1 < tokens.size()) {
      const std::string& password = tokens[++i];
      if (in_host && !found) found = password;
      if (in_default && !fallback) fallback = password;
    } else if ((token == "login" || token == "account") && i + 1 < tokens.size()) {
      ++i;
    }
  }
  return found ? found : fallback;
}

std::optional<std::string> find_api_key(const std::string& base_url) {
  if (std::string key = environment("WANDB_API_KEY"); !key.empty()) return key;
  const std::string path = netrc_path();
  if (path.empty()) return std::nullopt;
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return netrc_password(text.str(), url_host(base_url));
}

std::string api_key_source() {
  if (!environment("WANDB_API_KEY").empty()) return "WANDB_API_KEY";
  return netrc_path().empty() ? "~/.netrc" : netrc_path();
}

std::string refused_message(const std::string& refusal) {
  const bool key = refusal.rfind("HTTP 401", 0) == 0 || refusal.rfind("HTTP 403", 0) == 0;
  return "the server refused the upload (" + refusal + ")" +
         (key ? ": the API key read from " + api_key_source() + " was not accepted; fix it, then `mmkd wandb-sync`"
              : "; retrying does not change a refusal: fix the cause, then `mmkd wandb-sync`");
}

std::string missing_key_message(const std::string& base_url) {
  return "no W&B API key for " + base_url + ": set WANDB_API_KEY, or add `machine " + url_host(base_url) +
         " login user password <key>` to " + (netrc_path().empty() ? "~/.netrc" : netrc_path()) +
         " (`wandb login` writes it); WANDB_MODE=offline keeps the run on disk for `mmkd wandb-sync`";
}

}  // namespace mmkd::wandb

#pragma once
// Where the W&B server and API key come from, as in W&B's own client: WANDB_BASE_URL,
// WANDB_API_KEY, then the netrc file (NETRC or ~/.netrc) entry of the server's host.
#include <optional>
#include <string>

namespace mmkd::wandb {

enum class Mode { Online, Offline, Disabled };

// The environment variable's value, "" when unset.
std::string environment(const char* name);

// WANDB_MODE: online (default; also `run`), offline (also `dryrun`) or disabled; throws
// std::runtime_error naming the variable for anything else.
Mode mode_from_environment();

// WANDB_BASE_URL or https://api.wandb.ai, without a trailing slash.
std::string base_url_from_environment();

// The host of an URL: "api.wandb.ai" for "https://api.wandb.ai/", "127.0.0.1" for "http://127.0.0.1:8080".
std::string url_host(const std::string& url);

// The password of the netrc entry `machine <host>` (else of `default`), in netrc file text.
std::optional<std::string> netrc_password(const std::string& netrc, const std::string& host);

// WANDB_API_KEY, else the netrc password for the host of `base_url`.
std::optional<std::string> find_api_key(const std::string& base_url);
// Where find_api_key reads the key: "WANDB_API_KEY" or the ~/.netrc path.
std::string api_key_source();
// What to tell the user when the server refused the uploads (`refusal`: "HTTP 401: ...").
std::string refused_message(const std::string& refusal);

// The message for a missing key: where to put one, and how to run without.
std::string missing_key_message(const std::string& base_url);

}  // namespace mmkd::wandb

#pragma once
// JSON POST requests with HTTP basic auth (user `api`, password the API key), through libcurl.
#include <atomic>
#include <string>

struct curl_slist;

namespace mmkd::wandb {

struct HttpResponse {
  long status = 0;    // 0: no response; `error` says why
  std::string body;
  std::string error;
};

class HttpClient {
 public:
  // A request in flight stops as soon as `abort` turns true.
  HttpClient(std::string api_key, const std::atomic<bool>& abort, double timeout_seconds = 20);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse post_json(const std::string& url, const std::string& body);
  std::string escape(const std::string& path_part) const;  // for a URL path segment

 private:
  std::string api_key_;
  const std::atomic<bool>& abort_;
  long timeout_ms_;
  void* curl_;
  curl_slist* headers_;
};

}  // namespace mmkd::wandb

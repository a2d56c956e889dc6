#include <mmkd_wandb/http_client.hpp>

#include <curl/curl.h>

#include <mutex>
#include <stdexcept>

namespace mmkd::wandb {

namespace {

size_t append_body(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

int abort_check(void* abort, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(abort)->load() ? 1 : 0;
}

CURL* new_handle() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) throw std::runtime_error("wandb: libcurl could not start a connection handle");
  return curl;
}

}  // namespace

HttpClient::HttpClient(std::string api_key, const std::atomic<bool>& abort, double timeout_seconds)
    : api_key_(std::move(api_key)), abort_(abort), timeout_ms_(static_cast<long>(timeout_seconds * 1000)),
      curl_(new_handle()), headers_(nullptr) {
  headers_ = curl_slist_append(headers_, "Content-Type: application/json");
  headers_ = curl_slist_append(headers_, "Expect:");
}

HttpClient::~HttpClient() {
  curl_slist_free_all(headers_);
  curl_easy_cleanup(static_cast<CURL*>(curl_));
}

HttpResponse HttpClient::post_json(const std::string& url, const std::string& body) {
  CURL* curl = static_cast<CURL*>(curl_);
  HttpResponse response;
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "mmkd-wandb/0.1");
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
  curl_easy_setopt(curl, CURLOPT_USERNAME, "api");
  curl_easy_setopt(curl, CURLOPT_PASSWORD, api_key_.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, abort_check);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &abort_);
  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    response.error = curl_easy_strerror(code);
    return response;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

std::string HttpClient::escape(const std::string& path_part) const {
  char* escaped = curl_easy_escape(static_cast<CURL*>(curl_), path_part.c_str(), static_cast<int>(path_part.size()));
  std::string result(escaped);
  curl_free(escaped);
  return result;
}

}  // namespace mmkd::wandb

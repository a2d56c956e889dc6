#include "fake_wandb_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace mmkd::wandb::testing {

namespace {

// The request head and its Content-Length body; "" when the connection closed early.
std::string read_request(int connection) {
  std::string data;
  char buffer[4096];
  size_t head_end = std::string::npos, total = 0;
  for (;;) {
    if (head_end != std::string::npos && data.size() >= total) return data;
    const ssize_t n = recv(connection, buffer, sizeof buffer, 0);
    if (n <= 0) return "";
    data.append(buffer, static_cast<size_t>(n));
    if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != std::string::npos) {
      size_t length = 0;
      const size_t field = data.find("Content-Length: ");
      if (field != std::string::npos && field < head_end) length = std::stoul(data.substr(field + 16));
      total = head_end + 4 + length;
    }
  }
}

std::string header(const std::string& request, const std::string& name) {
  const size_t start = request.find("\r\n" + name + ": ");
  if (start == std::string::npos) return "";
  const size_t value = start + name.size() + 4;
  return request.substr(value, request.find("\r\n", value) - value);
}

void send_all(int connection, const std::string& text) {
  for (size_t sent = 0; sent < text.size();) {
    const ssize_t n = send(connection, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

}  // namespace

FakeWandbServer::FakeWandbServer() {
  listener_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 || listen(listener_, 16) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0)
    throw std::runtime_error("the fake W&B server cannot listen on 127.0.0.1");
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

FakeWandbServer::~FakeWandbServer() {
  stop_ = true;
  thread_.join();
  close(listener_);
}

std::string FakeWandbServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeWandbServer::fail_next(const std::vector<Failure>& failures) {
  std::lock_guard<std::mutex> lock(mutex_);
  failures_.insert(failures_.end(), failures.begin(), failures.end());
}

void FakeWandbServer::fail_all(bool fail) {
  std::lock_guard<std::mutex> lock(mutex_);
  fail_all_ = fail;
}

void FakeWandbServer::set_delay(double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  delay_seconds_ = seconds;
}

std::vector<Request> FakeWandbServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::vector<Request> FakeWandbServer::file_stream_requests() const {
  std::vector<Request> handled;
  for (const Request& request : requests())
    if (request.handled() && request.path.find("/file_stream") != std::string::npos) handled.push_back(request);
  return handled;
}

std::map<int64_t, std::string> FakeWandbServer::history() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return history_;
}

std::string FakeWandbServer::summary() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return summary_;
}

std::optional<int> FakeWandbServer::exitcode() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return exitcode_;
}

int FakeWandbServer::pending_failures() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(failures_.size());
}

bool FakeWandbServer::wait_until(const std::function<bool()>& condition, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void FakeWandbServer::serve() {
  while (!stop_) {
    pollfd waiting{listener_, POLLIN, 0};
    if (poll(&waiting, 1, 20) <= 0) continue;
    const int connection = accept(listener_, nullptr, nullptr);
    if (connection < 0) continue;
    timeval timeout{2, 0};
    setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    answer(connection);
    close(connection);
  }
}

void FakeWandbServer::answer(int connection) {
  const std::string text = read_request(connection);
  if (text.empty()) return;
  Request request;
  const size_t path_start = text.find(' ') + 1;
  request.path = text.substr(path_start, text.find(' ', path_start) - path_start);
  request.authorization = header(text, "Authorization");
  request.body = nlohmann::json::parse(text.substr(text.find("\r\n\r\n") + 4), nullptr, false);
  double delay = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fail_all_) {
      request.failure = Failure::Status500;
    } else if (!failures_.empty()) {
      request.failure = failures_.front();
      failures_.pop_front();
    }
    requests_.push_back(request);
    delay = delay_seconds_;
  }
  if (delay > 0) std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  int status = 200;
  std::string body;
  switch (request.failure) {
    case Failure::DropBeforeHandling: return;
    case Failure::DropAfterHandling: handle(request, status); return;
    case Failure::Status500: status = 500, body = R"({"error":"internal"})"; break;
    case Failure::Status401: status = 401, body = R"({"error":"invalid api key"})"; break;
    case Failure::None: body = handle(request, status); break;
  }
  send_all(connection, "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Error") +
                           "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body);
}

std::string FakeWandbServer::handle(const Request& request, int& status) {
  std::lock_guard<std::mutex> lock(mutex_);
  const nlohmann::json& body = request.body;
  if (request.path == "/graphql") {
    const nlohmann::json& variables = body["variables"];
    if (body.value("query", "").find("RunResumeStatus") != std::string::npos) {
      const bool known = runs_.count(variables.value("name", "")) > 0;
      const nlohmann::json bucket = known ? nlohmann::json{{"id", "storage-id"}, {"historyLineCount", history_.size()}}
                                          : nlohmann::json(nullptr);
      return nlohmann::json{{"data", {{"model", {{"bucket", bucket}}}}}}.dump();
    }
    runs_.insert(variables.value("name", ""));
    const std::string entity = variables.value("entity", "test-entity");
    const nlohmann::json bucket = {
        {"id", "storage-id"},
        {"name", variables.value("name", "")},
        {"displayName", variables.value("displayName", "")},
        {"project", {{"name", variables.value("project", "")}, {"entity", {{"name", entity}}}}},
        {"historyLineCount", history_.size()}};
    return nlohmann::json{{"data", {{"upsertBucket", {{"bucket", bucket}, {"inserted", true}}}}}}.dump();
  }
  if (request.path.find("/file_stream") == std::string::npos) {
    status = 404;
    return R"({"error":"not found"})";
  }
  if (body.contains("files")) {
    const nlohmann::json& files = body["files"];
    if (files.contains("wandb-history.jsonl")) {
      const int64_t offset = files["wandb-history.jsonl"]["offset"];
      int64_t line = offset;
      for (const auto& content : files["wandb-history.jsonl"]["content"]) history_[line++] = content;
    }
    if (files.contains("wandb-summary.json")) summary_ = files["wandb-summary.json"]["content"][0];
  }
  if (body.value("complete", false)) exitcode_ = body["exitcode"].get<int>();
  return R"({"exitcode":null,"limits":{}})";
}

}  // namespace mmkd::wandb::testing

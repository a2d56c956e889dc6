#include "recording_server_process.hpp"

#include "fake_wandb_server.hpp"
#include "mmkd_testing.hpp"
#include "python_tools.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace mmkd::wandb::testing {

RecordingServerProcess::RecordingServerProcess(const std::string& folder)
    : record_path_((fs::path(folder) / "requests.json").string()), log_path_((fs::path(folder) / "server.log").string()) {
  const std::string port_path = (fs::path(folder) / "port").string();
  const std::string command = "cd '" + mmkd::testing::source_dir() + "' && exec '" + mmkd::testing::python() +
                              "' tools/wandb_recording_server.py --record '" + record_path_ + "' --port-file '" +
                              port_path + "' 2>'" + log_path_ + "'";
  input_ = popen(command.c_str(), "w");
  if (input_ == nullptr) throw std::runtime_error("cannot start `" + command + "`");
  if (!FakeWandbServer::wait_until([&] { return fs::exists(port_path); }, 30)) {
    pclose(input_);
    throw std::runtime_error("`" + command + "` did not start listening in 30 s:\n" + mmkd::testing::read_file(log_path_));
  }
  url_ = "http://127.0.0.1:" + mmkd::testing::read_file(port_path);
}

RecordingServerProcess::~RecordingServerProcess() { pclose(input_); }

nlohmann::json RecordingServerProcess::requests() const {
  std::ifstream in(record_path_);
  return nlohmann::json::parse(in);
}

}  // namespace mmkd::wandb::testing

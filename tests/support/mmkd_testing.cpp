#include "mmkd_testing.hpp"

#include "config/experiment_file.hpp"
#include "config/option_check.hpp"
#include "plugins/plugin_loader.hpp"

#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <random>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mmkd::testing {

Registry& plugins() {
  static Registry registry = [] {
    Registry r;
    load_plugin_paths(r, {builtin_plugin_dir()});
    return r;
  }();
  return registry;
}

Options options_for(Kind kind, const std::string& type, const std::string& yaml_options) {
  const Registry::Entry* entry = plugins().find(kind, type);
  if (entry == nullptr) throw Error(std::string("no ") + kind_name(kind) + " named " + type);
  ConfigNode node = parse_yaml_string(yaml_options, "<test>");
  std::vector<Diagnostic> errors;
  Options options = check_options(entry->info.options, node, type, {"type", "inputs", "weight", "share"}, errors);
  if (!errors.empty()) throw ConfigError(errors);
  return options;
}

Options options_for_section(const std::vector<OptionSpec>& specs, const std::string& key, const std::string& yaml) {
  std::vector<Diagnostic> errors;
  Options options = check_options(specs, parse_yaml_string(yaml, "exp.yaml"), key, {}, errors);
  if (!errors.empty()) throw ConfigError(errors);
  return options;
}

double max_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat) - b.to(torch::kFloat)).abs().max().item<double>();
}

std::vector<int64_t> ids_of(const torch::Tensor& t) {
  const torch::Tensor values = t.to(torch::kLong).contiguous();
  return {values.data_ptr<int64_t>(), values.data_ptr<int64_t>() + values.numel()};
}

double metric(const LossOutput& out, const std::string& name) { return out.metrics.at(name).item<double>(); }

torch::Tensor numeric_gradient(const std::function<torch::Tensor()>& f, torch::Tensor& leaf, double eps) {
  torch::NoGradGuard no_grad;
  torch::Tensor gradient = torch::zeros_like(leaf);
  double* value = leaf.data_ptr<double>();
  for (int64_t i = 0; i < leaf.numel(); ++i) {
    const double saved = value[i];
    value[i] = saved + eps;
    const double up = f().item<double>();
    value[i] = saved - eps;
    const double down = f().item<double>();
    value[i] = saved;
    gradient.view(-1)[i] = (up - down) / (2 * eps);
  }
  return gradient;
}

TempDir::TempDir() {
  std::random_device rd;
  fs::path p = fs::temp_directory_path() / ("mmkd_test_" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(p);
  path_ = p.string();
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

std::string mmkd_executable() { return MMKD_TEST_EXECUTABLE; }
std::string source_dir() { return MMKD_TEST_SOURCE_DIR; }
std::string build_dir() { return MMKD_TEST_BUILD_DIR; }
std::string test_plugin_dir() { return MMKD_TEST_PLUGIN_DIR; }

std::vector<std::string> experiment_files(const std::string& folder) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    const std::string name = entry.path().stem().string();
    if (entry.path().extension() == ".yaml" && !(name.size() > 5 && name.substr(name.size() - 5) == "_base"))
      files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void write_file(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace mmkd::testing

#pragma once
// Helpers shared by the tests: the build's plugins, components from YAML, temporary folders,
// running the mmkd executable.
#include "config/config_node.hpp"

#include <mmkd/registry.hpp>

#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

namespace mmkd::testing {

// d f / d leaf by central differences, element by element (`leaf`: a double tensor).
torch::Tensor numeric_gradient(const std::function<torch::Tensor()>& f, torch::Tensor& leaf, double eps = 1e-6);

// max |a - b| over all elements, compared in float.
double max_difference(const torch::Tensor& a, const torch::Tensor& b);

// The elements of an int64 tensor.
std::vector<int64_t> ids_of(const torch::Tensor& t);

// A loss output's metric as a number.
double metric(const LossOutput& out, const std::string& name);

// Every plugin of the build's plugin folder, loaded once per test process.
Registry& plugins();

// Options for component `type` of `kind` from a YAML map such as "{dim: 32, depth: 2}";
// throws ConfigError like the host would.
Options options_for(Kind kind, const std::string& type, const std::string& yaml_options);

// Options of a host section (optimizer_options() and the like) from a YAML map, checked as the host does.
Options options_for_section(const std::vector<OptionSpec>& specs, const std::string& key, const std::string& yaml);

template <Kind K>
std::shared_ptr<typename KindBase<K>::type> make(const std::string& type, const std::string& yaml_options = "{}",
                                                 Context context = {}) {
  const Registry::Entry* entry = plugins().find(K, type);
  if (entry == nullptr) throw Error(std::string("no ") + kind_name(K) + " named " + type);
  return plugins().create<K>(*entry, options_for(K, type, yaml_options), context);
}

// A fresh folder under the system temp dir, removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
CommandResult run_command(const std::string& command);
int free_port();  // a loopback TCP port nobody listens on right now

std::string mmkd_executable();  // the built mmkd binary
std::string source_dir();       // the repository root
std::string build_dir();        // the build tree root
std::string test_plugin_dir();  // plugins built only for the tests
// The experiment files in `folder` (not the *_base.yaml files others extend), in name order.
std::vector<std::string> experiment_files(const std::string& folder);
void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

}  // namespace mmkd::testing

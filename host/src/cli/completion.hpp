#pragma once
// `mmkd completion bash|zsh`: a script to source that completes mmkd's commands (and the tools
// beside it), their options, experiment files, KIND/TYPE components and config keys. For the
// last two the script runs `mmkd completion --components` and `mmkd completion --keys EXP.yaml`.
// Also the tools beside mmkd (the executables mmkd-NAME that `mmkd NAME` runs, see
// external_command.hpp), which the script completes and `mmkd --help` lists.
#include "config/config_node.hpp"

#include <mmkd/registry.hpp>

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace mmkd {

struct ExternalTool {
  std::string name;  // "wandb-sync" for mmkd-wandb-sync
  std::string path;
};

// Every tool beside the mmkd binary, by name.
std::vector<ExternalTool> external_tools();

// The first line that `TOOL --help` prints (its description, for CLI11 tools); "" when it
// prints none within 2 seconds.
std::string tool_summary(const std::string& path);

// "Tools ...:" and a line per tool with its summary, for the end of `mmkd --help` (no newline at
// the end); "" without tools.
std::string external_tools_help();

struct CompletionRequest {
  std::string shell = "bash";  // or "zsh": print the script
  bool components = false;     // instead print every KIND/TYPE, one a line
  std::string keys_of;         // or an experiment file: print its resolved config's keys
};

// The script for `shell`, with the commands and options of `app` and the tools beside mmkd.
std::string completion_script(const std::string& shell, const CLI::App& app);

// Every component as KIND/TYPE, one a line.
std::string component_lines(const Registry& registry);

// Every key of `config` an override can set, dotted and followed by '=' ("trainer.batch_size="),
// one a line, in the config's order: the scalars, lists and nulls under its maps.
std::string override_key_lines(const ConfigNode& config);

}  // namespace mmkd

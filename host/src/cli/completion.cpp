#include "cli/completion.hpp"

#include "cli/describe.hpp"
#include "cli/external_command.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace fs = std::filesystem;

namespace mmkd {
namespace {

// Reads `fd` until a newline, its end or `deadline`; returns the first line.
std::string first_line_until(int fd, std::chrono::steady_clock::time_point deadline) {
  std::string text;
  char buffer[256];
  while (text.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd ready{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&ready, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  return text.substr(0, text.find('\n'));
}

// A command's options: all of them, and those followed by a value (--run-dir DIR).
struct CommandOptions {
  std::vector<std::string> all;
  std::vector<std::string> with_value;
};

CommandOptions command_options(const CLI::App& command) {
  CommandOptions options;
  for (const CLI::Option* option : command.get_options()) {
    if (!option->nonpositional() || option->get_group().empty()) continue;
    for (const auto& name : option->get_lnames()) {
      options.all.push_back("--" + name);
      if (option->get_expected_min() > 0) options.with_value.push_back("--" + name);
    }
    for (const auto& name : option->get_snames()) options.all.push_back("-" + name);
  }
  return options;
}

// `_mmkd_options COMMAND` and `_mmkd_value_options COMMAND`: a case per command, the top-level
// options for no command.
std::string option_functions(const CLI::App& app) {
  std::string all = "_mmkd_options() {\n  case $1 in\n";
  std::string with_value = "_mmkd_value_options() {\n  case $1 in\n";
  for (const CLI::App* command : app.get_subcommands({})) {
    const CommandOptions options = command_options(*command);
    all += fmt::format("    {}) echo '{}' ;;\n", command->get_name(), fmt::join(options.all, " "));
    with_value += fmt::format("    {}) echo '{}' ;;\n", command->get_name(), fmt::join(options.with_value, " "));
  }
  all += fmt::format("    '') echo '{}' ;;\n  esac\n}}\n", fmt::join(command_options(app).all, " "));
  return all + with_value + "  esac\n}\n";
}

std::string command_list(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* command : app.get_subcommands({})) names.push_back(command->get_name());
  for (const auto& tool : external_tools()) names.push_back(tool.name);
  return fmt::format("_mmkd_commands='{}'\n", fmt::join(names, " "));
}

void append_override_keys(const ConfigNode& node, const std::string& prefix, std::string& out) {
  if (!node.is_map()) {
    out += prefix + "=\n";
    return;
  }
  for (const auto& [key, child] : node.entries()) append_override_keys(child, prefix.empty() ? key : prefix + "." + key, out);
}

// What the commands take: experiment files (then config keys), sweep files, components, shells;
// files for anything else (`complete -o default`).
constexpr const char* kCompletionFunction = R"script(# compopt: bash's, outside a completion (or in zsh) quietly nothing.
_mmkd_set() { compopt -o "$1" 2>/dev/null; }

_mmkd_yaml_files() {
  local IFS=$'\n'
  COMPREPLY=($(compgen -f -X '!*.yaml' -- "$1") $(compgen -d -- "$1"))
  _mmkd_set filenames
}

# The first *.yaml word after the command: the experiment.
_mmkd_experiment() {
  local i
  for ((i = 2; i < COMP_CWORD; i++)); do
    [[ ${COMP_WORDS[i]} == *.yaml ]] && { echo "${COMP_WORDS[i]}"; return; }
  done
}

_mmkd() {
  [[ -n ${ZSH_VERSION-} ]] && setopt local_options ksh_arrays
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} command=${COMP_WORDS[1]}
  local mmkd=${COMP_WORDS[0]/#\~/$HOME} experiment
  COMPREPLY=()
  if [[ $cur == -* ]]; then
    ((COMP_CWORD == 1)) && command=''
    COMPREPLY=($(compgen -W "$(_mmkd_options "$command")" -- "$cur"))
    return 0
  fi
  if ((COMP_CWORD == 1)); then
    COMPREPLY=($(compgen -W "$_mmkd_commands" -- "$cur"))
    return 0
  fi
  [[ -n $prev && " $(_mmkd_value_options "$command") " == *" $prev "* ]] && return 0
  case $command in
    describe|probe)
      COMPREPLY=($(compgen -W "$("$mmkd" completion --components 2>/dev/null)" -- "$cur")) ;;
    completion)
      COMPREPLY=($(compgen -W 'bash zsh' -- "$cur")) ;;
    sweep)
      [[ -z $(_mmkd_experiment) ]] && _mmkd_yaml_files "$cur" ;;
    run|validate|bench|eval|cache-teacher)
      experiment=$(_mmkd_experiment)
      if [[ -z $experiment ]]; then
        _mmkd_yaml_files "$cur"
      else
        COMPREPLY=($(compgen -W "$("$mmkd" completion --keys "$experiment" 2>/dev/null)" -- "$cur"))
        _mmkd_set nospace
      fi ;;
  esac
  return 0
}
)script";

}  // namespace

std::vector<ExternalTool> external_tools() {
  std::vector<ExternalTool> tools;
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) return tools;
  const std::string prefix = "mmkd-";
  for (const auto& file : fs::directory_iterator(self.parent_path(), error)) {
    const std::string file_name = file.path().filename().string();
    if (file_name.rfind(prefix, 0) != 0) continue;
    const std::string name = file_name.substr(prefix.size());
    if (auto path = external_command(name)) tools.push_back({name, *path});
  }
  std::sort(tools.begin(), tools.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return tools;
}

std::string tool_summary(const std::string& path) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return "";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  char help_flag[] = "--help";
  char* argv[] = {const_cast<char*>(path.c_str()), help_flag, nullptr};
  pid_t pid = 0;
  const int spawn_error = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  std::string line;
  if (spawn_error == 0) {
    line = first_line_until(pipe_fds[0], std::chrono::steady_clock::now() + std::chrono::seconds(2));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  close(pipe_fds[0]);
  return line;
}

std::string external_tools_help() {
  const auto tools = external_tools();
  if (tools.empty()) return "";
  std::string out = "Tools (mmkd-NAME beside mmkd):";
  for (const auto& tool : tools) out += fmt::format("\n  {:<28}{}", tool.name, tool_summary(tool.path));
  return out;
}

std::string completion_script(const std::string& shell, const CLI::App& app) {
  const std::string body = command_list(app) + option_functions(app) + kCompletionFunction;
  if (shell == "zsh")
    return "# mmkd completion for zsh: source <(mmkd completion zsh)\n"
           "(( $+functions[compdef] )) || { autoload -U +X compinit && compinit; }\n"
           "autoload -U +X bashcompinit && bashcompinit\n" +
           body + "complete -o default -o nospace -F _mmkd mmkd\n";
  return "# mmkd completion for bash: source <(mmkd completion bash)\n" + body + "complete -o default -F _mmkd mmkd\n";
}

std::string component_lines(const Registry& registry) {
  std::string out;
  for (const auto& name : component_names(registry)) out += name + "\n";
  return out;
}

std::string override_key_lines(const ConfigNode& config) {
  std::string out;
  if (config.is_map()) append_override_keys(config, "", out);
  return out;
}

}  // namespace mmkd

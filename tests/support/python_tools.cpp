#include "python_tools.hpp"

#include "mmkd_testing.hpp"

#include <mmkd/error.hpp>

#include <cstdlib>

namespace mmkd::testing {

std::string python() {
  const char* path = std::getenv("MMKD_PYTHON");
  return path == nullptr ? "" : path;
}

std::string run_python_tool(const std::string& script, const std::string& arguments) {
  const std::string command = "cd '" + source_dir() + "' && HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 '" + python() +
                              "' tools/" + script + " " + arguments;
  CommandResult result = run_command(command);
  if (result.exit_code != 0)
    throw Error("`" + command + "` exited with " + std::to_string(result.exit_code) + ":\n" + result.output);
  return result.output;
}

}  // namespace mmkd::testing

#include "cli/external_command.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mmkd {

std::optional<std::string> external_command(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos) return std::nullopt;
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) return std::nullopt;
  const fs::path tool = self.parent_path() / ("mmkd-" + name);
  if (!fs::is_regular_file(tool) || access(tool.c_str(), X_OK) != 0) return std::nullopt;
  return tool.string();
}

int exec_external_command(const std::string& path, const std::vector<std::string>& arguments) {
  std::vector<char*> argv{const_cast<char*>(path.c_str())};
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  execv(path.c_str(), argv.data());
  std::cerr << "error: cannot run " << path << ": " << std::strerror(errno) << "\n";
  return 1;
}

}  // namespace mmkd

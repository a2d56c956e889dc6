#pragma once
// Files named in a component's options are relative to the experiment file's folder.
#include <mmkd/context.hpp>

#include <filesystem>
#include <string>

namespace mmkd {

// `path` when absolute (or outside a run with no experiment folder), else relative to
// context.config_dir; lexically normalised.
inline std::filesystem::path config_path(const std::string& path, const Context& context) {
  std::filesystem::path resolved(path);
  if (resolved.is_relative() && !context.config_dir.empty()) resolved = std::filesystem::path(context.config_dir) / resolved;
  return resolved.lexically_normal();
}

}  // namespace mmkd

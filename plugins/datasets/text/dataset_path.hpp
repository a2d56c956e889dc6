#pragma once
// Files named in a dataset's options are relative to the experiment file's folder.
#include <mmkd/context.hpp>

#include <filesystem>
#include <string>

namespace mmkd::text {

inline std::string resolve_path(const std::string& path, const Context& context) {
  std::filesystem::path resolved(path);
  if (resolved.is_relative() && !context.config_dir.empty()) resolved = std::filesystem::path(context.config_dir) / resolved;
  return resolved.lexically_normal().string();
}

}  // namespace mmkd::text

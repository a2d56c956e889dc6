#pragma once
// Finding and loading plugin libraries with Boost.DLL.
#include <mmkd/registry.hpp>

#include <string>
#include <vector>

namespace mmkd {

// The folder of plugins next to libmmkd (<libdir>/mmkd/plugins: the build's plugin folder
// in a build tree, the installed one after `cmake --install`).
std::string builtin_plugin_dir();

// Folders and files listed in MMKD_PLUGIN_PATH (colon-separated).
std::vector<std::string> env_plugin_paths();

// Loads one library: checks its descriptor (present, ABI, libtorch version, compiler,
// C++11 ABI) before calling anything in it, then registers its components. Throws
// mmkd::Error naming the file, the field, the host's and the plugin's values.
void load_plugin_library(Registry& registry, const std::string& path);

// Each path is a library file (loaded whatever its name) or a folder (its mmkd_*.so files,
// sorted). A path that does not exist is an error naming it.
void load_plugin_paths(Registry& registry, const std::vector<std::string>& paths);

// builtin_plugin_dir(), then MMKD_PLUGIN_PATH, then `extra` (an experiment's `plugins:`).
// Returns the folders and files searched, in order, for error messages.
std::vector<std::string> load_all_plugins(Registry& registry, const std::vector<std::string>& extra = {});

}  // namespace mmkd

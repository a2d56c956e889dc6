#include "plugins/plugin_loader.hpp"

#include <mmkd/plugin.hpp>

#include <boost/dll/shared_library.hpp>
#include <dlfcn.h>
#include <link.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;

namespace mmkd {

std::string builtin_plugin_dir() {
  void* sdk = dlopen(MMKD_SDK_LIBRARY, RTLD_LAZY | RTLD_NOLOAD);
  if (sdk == nullptr) return "";
  const link_map* library = nullptr;
  const bool found = dlinfo(sdk, RTLD_DI_LINKMAP, &library) == 0 && library != nullptr && library->l_name != nullptr;
  const fs::path path = found ? library->l_name : "";
  dlclose(sdk);
  if (path.empty()) return "";
  return (path.parent_path() / MMKD_PLUGIN_SUBDIR).string();
}

std::vector<std::string> env_plugin_paths() {
  std::vector<std::string> paths;
  const char* env = std::getenv("MMKD_PLUGIN_PATH");
  if (env == nullptr) return paths;
  std::stringstream stream(env);
  std::string item;
  while (std::getline(stream, item, ':'))
    if (!item.empty()) paths.push_back(item);
  return paths;
}

static void refuse(const std::string& path, const std::string& field, const std::string& host_value,
                   const std::string& plugin_value, const std::string& hint) {
  throw Error(fmt::format("plugin {}: {} mismatch: the host has {}, the plugin was built with {}; {}", path, field,
                          host_value, plugin_value, hint));
}

void load_plugin_library(Registry& registry, const std::string& path) {
  if (!fs::exists(path)) throw Error(fmt::format("plugin {}: file not found", path));
  std::shared_ptr<boost::dll::shared_library> library;
  try {
    library = std::make_shared<boost::dll::shared_library>(path, boost::dll::load_mode::rtld_lazy |
                                                                   boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw Error(fmt::format("plugin {}: cannot be loaded as a shared library: {}", path, e.what()));
  }
  if (!library->has(MMKD_PLUGIN_SYMBOL))
    throw Error(fmt::format("plugin {}: not an mmkd plugin (it exports no `{}` descriptor; build it with "
                            "mmkd_add_plugin and MMKD_PLUGIN)",
                            path, MMKD_PLUGIN_SYMBOL));
  const auto& d = library->get<mmkd_plugin_descriptor>(MMKD_PLUGIN_SYMBOL);
  const std::string rebuild = "rebuild the plugin against this mmkd";
  if (d.abi_major != MMKD_ABI_MAJOR || d.abi_minor > MMKD_ABI_MINOR)
    refuse(path, "SDK ABI version", fmt::format("{}.{}", MMKD_ABI_MAJOR, MMKD_ABI_MINOR),
           fmt::format("{}.{}", d.abi_major, d.abi_minor), rebuild);
  const std::string plugin_torch = d.torch_version ? d.torch_version : "(none)";
  if (plugin_torch != MMKD_TORCH_VERSION_STRING)
    refuse(path, "libtorch version", MMKD_TORCH_VERSION_STRING, plugin_torch, rebuild);
  const std::string plugin_compiler = d.compiler_id ? d.compiler_id : "(none)";
  if (plugin_compiler != MMKD_COMPILER_ID) refuse(path, "compiler", MMKD_COMPILER_ID, plugin_compiler, rebuild);
  if (d.cxx11_abi != MMKD_CXX11_ABI)
    refuse(path, "_GLIBCXX_USE_CXX11_ABI", std::to_string(MMKD_CXX11_ABI), std::to_string(d.cxx11_abi), rebuild);
  if (d.register_components == nullptr) throw Error(fmt::format("plugin {}: descriptor has no registration function", path));

  registry.begin_library(path, library);
  try {
    d.register_components(registry);
  } catch (const std::exception& e) {
    registry.end_library();
    throw Error(fmt::format("plugin {}: registration failed: {}", path, e.what()));
  }
  registry.end_library();
}

static bool is_plugin_file_name(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.rfind("mmkd_", 0) == 0 && p.extension() == ".so";
}

void load_plugin_paths(Registry& registry, const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    if (fs::is_directory(path)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(path))
        if (entry.is_regular_file() && is_plugin_file_name(entry.path())) files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) load_plugin_library(registry, f.string());
    } else if (fs::exists(path)) {
      load_plugin_library(registry, path);
    } else {
      throw Error(fmt::format("plugin path {} does not exist", path));
    }
  }
}

std::vector<std::string> load_all_plugins(Registry& registry, const std::vector<std::string>& extra) {
  std::vector<std::string> searched;
  const std::string builtin = builtin_plugin_dir();
  if (!builtin.empty() && fs::is_directory(builtin)) searched.push_back(builtin);
  for (const auto& p : env_plugin_paths()) searched.push_back(p);
  for (const auto& p : extra) searched.push_back(p);
  load_plugin_paths(registry, searched);
  return searched;
}

}  // namespace mmkd

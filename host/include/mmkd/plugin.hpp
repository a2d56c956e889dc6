#pragma once
// The one symbol a plugin library exports. Use it through MMKD_PLUGIN:
//   static void register_components(mmkd::Registry& r) { r.add<MyLoss>(); }
//   MMKD_PLUGIN("my_losses", "0.1.0", register_components)
#include <mmkd/registry.hpp>
#include <mmkd/version.hpp>

#include <cstdint>

extern "C" {
struct mmkd_plugin_descriptor {
  uint32_t abi_major;
  uint32_t abi_minor;
  const char* name;
  const char* version;
  const char* compiler_id;
  const char* torch_version;
  int cxx11_abi;
  void (*register_components)(mmkd::Registry&);
  // Zero: room for fields a later minor ABI version adds without moving these (as GStreamer's
  // descriptors keep). The loader reads none of them yet.
  void* reserved[8];
};
}

#define MMKD_PLUGIN_SYMBOL "mmkd_plugin"
#define MMKD_EXPORT __attribute__((visibility("default")))

#define MMKD_PLUGIN(NAME, VERSION, REGISTER_FN)                                                  \
  extern "C" MMKD_EXPORT mmkd_plugin_descriptor mmkd_plugin;                                     \
  mmkd_plugin_descriptor mmkd_plugin = {MMKD_ABI_MAJOR,  MMKD_ABI_MINOR,           NAME,          \
                                        VERSION,         MMKD_COMPILER_ID,         MMKD_TORCH_VERSION_STRING, \
                                        MMKD_CXX11_ABI,  &REGISTER_FN,  {}};

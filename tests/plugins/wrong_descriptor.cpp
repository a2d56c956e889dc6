// A library whose descriptor differs from the host in one field, chosen at compile time
// (WRONG_ABI or WRONG_TORCH), for the loader's refusal messages.
#include <mmkd/plugin.hpp>

namespace {
void register_nothing(mmkd::Registry&) {}
}  // namespace

extern "C" MMKD_EXPORT mmkd_plugin_descriptor mmkd_plugin;
mmkd_plugin_descriptor mmkd_plugin = {
#ifdef WRONG_ABI
    MMKD_ABI_MAJOR + 98, 0,
#else
    MMKD_ABI_MAJOR, MMKD_ABI_MINOR,
#endif
    "wrong_descriptor", "0.0.1", MMKD_COMPILER_ID,
#ifdef WRONG_TORCH
    "0.0.1",
#else
    MMKD_TORCH_VERSION_STRING,
#endif
    MMKD_CXX11_ABI, &register_nothing};

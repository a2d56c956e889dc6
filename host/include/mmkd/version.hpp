#pragma once
// Versions a plugin is checked against when the host loads it.
#include <torch/version.h>

#define MMKD_ABI_MAJOR 3
#define MMKD_ABI_MINOR 0

#define MMKD_STRINGIFY_(x) #x
#define MMKD_STRINGIFY(x) MMKD_STRINGIFY_(x)

#define MMKD_TORCH_VERSION_STRING \
  MMKD_STRINGIFY(TORCH_VERSION_MAJOR) "." MMKD_STRINGIFY(TORCH_VERSION_MINOR) "." MMKD_STRINGIFY(TORCH_VERSION_PATCH)

#if defined(__clang__)
#define MMKD_COMPILER_ID "clang-" MMKD_STRINGIFY(__clang_major__)
#elif defined(__GNUC__)
#define MMKD_COMPILER_ID "gcc-" MMKD_STRINGIFY(__GNUC__)
#else
#define MMKD_COMPILER_ID "unknown"
#endif

#if defined(_GLIBCXX_USE_CXX11_ABI)
#define MMKD_CXX11_ABI _GLIBCXX_USE_CXX11_ABI
#else
#define MMKD_CXX11_ABI -1
#endif

#define MMKD_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

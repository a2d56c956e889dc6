#pragma once
// A fuzz harness: one function of arbitrary input bytes that must not crash, hang, leak or throw
// anything but mmkd's errors for bad input. Built as libFuzzer's entry point with MMKD_LIBFUZZER
// (bench/fuzz), otherwise registered by name for the corpus replay test.
#include <mmkd/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mmkd::fuzz {

using Target = void (*)(const uint8_t* data, size_t size);
bool register_target(const char* name, Target target);
Target find_target(const std::string& name);  // nullptr when none has that name

// Runs `body`; mmkd::ConfigError and mmkd::Error (bad input, said clearly) are expected, any
// other exception escapes and is a finding.
template <class F>
void allow_input_errors(F&& body) {
  try {
    body();
  } catch (const ConfigError&) {
  } catch (const Error&) {
  }
}

// A file of this process' scratch folder (created once, removed at exit) holding `size` bytes.
std::string scratch_file(const std::string& name, const uint8_t* data, size_t size);
std::string scratch_folder();

// The input as text cut at each `separator` line ("\n#---\n"): a harness' several files.
std::vector<std::string> input_parts(const uint8_t* data, size_t size, const std::string& separator = "\n#---\n");

}  // namespace mmkd::fuzz

#ifdef MMKD_LIBFUZZER
#define MMKD_FUZZ_TARGET(name)                                             \
  static void name##_target(const uint8_t* data, size_t size);            \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    name##_target(data, size);                                             \
    return 0;                                                              \
  }                                                                        \
  static void name##_target(const uint8_t* data, size_t size)
#else
#define MMKD_FUZZ_TARGET(name)                                                                   \
  static void name##_target(const uint8_t* data, size_t size);                                  \
  [[maybe_unused]] static const bool name##_registered = mmkd::fuzz::register_target(#name, name##_target); \
  static void name##_target(const uint8_t* data, size_t size)
#endif

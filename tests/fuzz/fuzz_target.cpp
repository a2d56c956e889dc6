#include "fuzz_target.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

namespace mmkd::fuzz {

namespace {

std::map<std::string, Target>& targets() {
  static std::map<std::string, Target> by_name;
  return by_name;
}

struct ScratchFolder {
  std::filesystem::path path;
  ScratchFolder() {
    path = std::filesystem::temp_directory_path() / ("mmkd_fuzz_" + std::to_string(getpid()));
    std::filesystem::create_directories(path);
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace

bool register_target(const char* name, Target target) {
  targets()[name] = target;
  return true;
}

Target find_target(const std::string& name) {
  auto it = targets().find(name);
  return it == targets().end() ? nullptr : it->second;
}

std::string scratch_folder() {
  static const ScratchFolder folder;
  return folder.path.string();
}

std::string scratch_file(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_folder() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

std::vector<std::string> input_parts(const uint8_t* data, size_t size, const std::string& separator) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  size_t begin = 0;
  for (size_t at = text.find(separator); at != std::string::npos; at = text.find(separator, begin)) {
    parts.push_back(text.substr(begin, at - begin));
    begin = at + separator.size();
  }
  parts.push_back(text.substr(begin));
  return parts;
}

}  // namespace mmkd::fuzz

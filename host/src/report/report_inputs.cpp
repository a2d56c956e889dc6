#include "report/report_inputs.hpp"

#include <fstream>
#include <sstream>

namespace mmkd {

std::string text_of_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json json_of_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  auto json = nlohmann::json::parse(in, nullptr, false);
  return json.is_discarded() ? nlohmann::json(nullptr) : json;
}

std::string folder_name(const std::filesystem::path& folder) {
  std::filesystem::path absolute = std::filesystem::absolute(folder).lexically_normal();
  if (absolute.filename().empty()) absolute = absolute.parent_path();
  return absolute.filename().string();
}

std::string experiment_name(const std::filesystem::path& run_dir) {
  std::ifstream in(run_dir / "config.yaml");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("name: ", 0) == 0) {
      std::string name = line.substr(6);
      if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'') && name.back() == name.front())
        name = name.substr(1, name.size() - 2);
      return name;
    }
  return "";
}

}  // namespace mmkd

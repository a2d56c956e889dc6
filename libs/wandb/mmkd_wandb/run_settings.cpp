#include <mmkd_wandb/run_settings.hpp>

#include <mmkd_wandb/credentials.hpp>
#include <mmkd_wandb/run_store.hpp>

#include <nlohmann/json.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace mmkd::wandb {

namespace {

std::string absolute_run_path(const std::string& run_dir) {
  std::string path = fs::absolute(run_dir).lexically_normal().string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

std::string run_id_for_folder(const std::string& run_dir) {
  const std::string path = absolute_run_path(run_dir);
  uint64_t hash = 14695981039346656037ull;  // FNV-1a, 64 bits
  for (unsigned char c : path) hash = (hash ^ c) * 1099511628211ull;
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id;
  for (int i = 0; i < 12; ++i, hash /= 36) id.insert(id.begin(), digits[hash % 36]);
  return id;
}

bool valid_run_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

std::string wandb_folder(const std::string& run_dir) {
  const std::string root = environment("WANDB_DIR");
  if (root.empty()) return (fs::path(run_dir) / "wandb").string();
  const std::string folder = fs::path(absolute_run_path(run_dir)).filename().string();
  return (fs::path(root) / "wandb" / (folder + "-" + run_id_for_folder(run_dir))).string();
}

std::optional<RunSettings> read_run_settings(const std::string& run_dir) {
  const std::string path = (fs::path(wandb_folder(run_dir)) / "run.json").string();
  std::ifstream in(path);
  if (!in) return std::nullopt;
  const nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
  if (!json.is_object() || !json.contains("run_id") || !json.contains("project"))
    throw std::runtime_error(path + " is not a W&B run record: expected a JSON object with run_id and project");
  RunSettings settings;
  settings.run_id = json["run_id"];
  settings.project = json["project"];
  settings.entity = json.value("entity", "");
  settings.group = json.value("group", "");
  settings.tags = json.value("tags", std::vector<std::string>{});
  settings.name = json.value("name", "");
  settings.notes = json.value("notes", "");
  settings.job_type = json.value("job_type", "");
  return settings;
}

void write_run_settings(const std::string& run_dir, const RunSettings& settings) {
  const nlohmann::json json = {{"run_id", settings.run_id}, {"project", settings.project},
                               {"entity", settings.entity}, {"group", settings.group},
                               {"tags", settings.tags},     {"name", settings.name},
                               {"notes", settings.notes},   {"job_type", settings.job_type}};
  fs::create_directories(wandb_folder(run_dir));
  write_file_atomically((fs::path(wandb_folder(run_dir)) / "run.json").string(), json.dump(2) + "\n");
}

}  // namespace mmkd::wandb

#pragma once
// Reading the files of run and sweep folders for a report, tolerating missing and broken ones.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace mmkd {

// The file's text; "" when it cannot be read.
std::string text_of_file(const std::filesystem::path& path);

// The file's JSON; null when it is missing or not JSON.
nlohmann::json json_of_file(const std::filesystem::path& path);

// The last name of the folder's absolute path ("q1" for "runs/q1/").
std::string folder_name(const std::filesystem::path& folder);

// The experiment's name: the top-level `name:` of the run's config.yaml; "" when absent.
std::string experiment_name(const std::filesystem::path& run_dir);

}  // namespace mmkd

#include "pair_index.hpp"

#include <mmkd/error.hpp>

#include <nlohmann/json.hpp>

#include <fstream>

namespace mmkd::image_text {

namespace {

PairRecord parse(const nlohmann::json& line, const IndexKeys& keys) {
  if (!line.is_object()) throw DataError("expected a JSON object");
  PairRecord record;
  auto id = line.find(keys.id);
  if (id == line.end() || !id->is_number_integer()) throw DataError("expected an integer `" + keys.id + "`");
  record.id = id->get<int64_t>();
  if (auto image = line.find(keys.image); image != line.end()) {
    if (!image->is_string()) throw DataError("`" + keys.image + "` must be a path string");
    record.image = image->get<std::string>();
  }
  if (auto text = line.find(keys.text); text != line.end()) {
    record.has_text = true;
    if (text->is_string()) {
      record.text = text->get<std::string>();
    } else if (text->is_array() && std::all_of(text->begin(), text->end(), [](const auto& t) { return t.is_string(); })) {
      record.pieces = text->get<std::vector<std::string>>();
    } else if (text->is_array() &&
               std::all_of(text->begin(), text->end(), [](const auto& t) { return t.is_number_integer(); })) {
      record.ids = text->get<std::vector<int64_t>>();
    } else {
      throw DataError("`" + keys.text + "` must be a string, a list of word pieces or a list of token ids");
    }
  }
  if (record.image.empty() && !record.has_text)
    throw DataError("has neither `" + keys.image + "` nor `" + keys.text + "`");
  return record;
}

}  // namespace

std::vector<PairRecord> read_pair_index(const std::string& path, const IndexKeys& keys) {
  std::ifstream in(path);
  if (!in) throw DataError("cannot read the index " + path);
  std::vector<PairRecord> records;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      records.push_back(parse(nlohmann::json::parse(line), keys));
    } catch (const nlohmann::json::exception& e) {
      throw DataError(path + ":" + std::to_string(number) + ": not JSON: " + e.what());
    } catch (const Error& e) {
      throw DataError(path + ":" + std::to_string(number) + ": " + e.what());
    }
  }
  return records;
}

}  // namespace mmkd::image_text

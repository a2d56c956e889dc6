#pragma once
// The thesis' dataset layout (Section 2.1.3.4): one JSON-lines index per split, each line a
// sample with an id, an image path and/or its text (a string, pre-split word pieces, or ids).
#include <cstdint>
#include <string>
#include <vector>

namespace mmkd::image_text {

struct IndexKeys {
  std::string id = "id", image = "image", text = "text";
};

struct PairRecord {
  int64_t id = 0;
  std::string image;                // relative to the images root; empty when the line has none
  std::string text;                 // a caption to tokenize, or
  std::vector<std::string> pieces;  // pre-split word pieces, or
  std::vector<int64_t> ids;         // token ids without [CLS]/[SEP]
  bool has_text = false;
};

// Every line of `path`; blank lines are skipped. Throws mmkd::Error "path:line: ..." for a line
// that is not a JSON object, lacks the id, has neither image nor text, or a value of the wrong type.
std::vector<PairRecord> read_pair_index(const std::string& path, const IndexKeys& keys);

}  // namespace mmkd::image_text
